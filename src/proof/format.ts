// Check Proof's words, kept apart from the VS Code API so they are unit-tested in plain Node: diagnostic messages,
// the summary line, the counterexample report and the question put to the chat.
import type { ProofCheckResult, ProofPremise, ProofStep, ProverOutcome, ProverRefusal } from '../../engine/protocol';

export const DIAGNOSTIC_SOURCE = 'Check Proof';

export function formatPoint(cx: Record<string, string> | undefined): string {
  if (!cx) return '';
  const entries = Object.entries(cx);
  return entries.length ? entries.map(([k, v]) => `${k} = ${v}`).join(', ') : '';
}

/** " (left side = 25/4, right side = 13/4)" */
const valuesText = (step: ProofStep) =>
  step.values ? ` (left side = ${step.values.left}, right side = ${step.values.right})` : '';

/**
 * Error message of a wrong step: the counterexample first, since that is what the user acts on. The point and the
 * values come from their own fields; the engine's detail only says what else is known (never the point again).
 */
export function stepMessage(step: ProofStep): string {
  switch (step.verdict) {
    case 'wrong': {
      const point = formatPoint(step.counterexample);
      return point ? `Wrong step: fails at ${point}${valuesText(step)}: ${step.detail}` : `Wrong step: ${step.detail}`;
    }
    case 'unknown':
      return `Not checkable by algebra: ${step.detail}${step.modelOpinion ? `\n${step.modelOpinion}` : ''}`;
    case 'unparsed':
      return `Could not read this math: ${step.detail}`;
    case 'verified':
      return `Verified: ${step.detail}`;
  }
}

const REFUSAL: Record<ProverRefusal, string> = {
  'untrusted-workspace': 'this workspace is not trusted',
  'file-access': 'the file reaches outside the folder the prover runs in',
};

/** What an unproved file's theorems rest on, from the prover's own lists: "uses sorry", "'foo' is admitted". */
function gaps(prover: ProverOutcome): string[] {
  const out = new Set<string>();
  for (const t of prover.theorems ?? []) {
    if (t.unknown) out.add(`the axioms of '${t.name}' could not be listed`);
    if (!t.unproved) continue;
    const own = new Set([t.name, t.name.split('.').pop()!]);
    if (t.axioms.includes('sorryAx')) out.add('uses sorry');
    else if (t.axioms.some((a) => own.has(a))) out.add(`'${t.name}' is admitted`);
    else out.add(`'${t.name}' rests on ${t.axioms.join(', ')}`);
  }
  return [...out];
}

/** "lean: proved, assuming Classical.em" / "lean: not proved: uses sorry" / "coq: not proved (2 errors) — …". */
function proverSummary(result: ProofCheckResult, prover: ProverOutcome): string {
  if (!prover.available) return prover.message ?? `${prover.name} is not installed`;
  if (prover.refused) return `${prover.name}: not run: ${REFUSAL[prover.refused]}`;
  if (prover.proved)
    return `${prover.name}: proved${prover.assuming?.length ? `, assuming ${prover.assuming.join(', ')}` : ''}`;
  const errors = result.proverDiagnostics?.filter((d) => d.severity === 'error').length ?? 0;
  const why = gaps(prover);
  const counted = errors ? ` (${errors} error${errors > 1 ? 's' : ''})` : '';
  // the prover's own message only where the typed fields say nothing (a timeout, a failed compile)
  return `${prover.name}: not proved${why.length ? `: ${why.join('; ')}` : ''}${counted}${!why.length && prover.message ? ` — ${prover.message}` : ''}`;
}

/** "12 steps: 10 verified, 1 wrong, 1 not checkable" (or what a prover's verdict rests on, for .v / .lean). */
export function summaryLine(result: ProofCheckResult): string {
  if (result.prover) return proverSummary(result, result.prover);
  const n = result.steps.length;
  const premises = premiseCount(result);
  if (n === 0 && premises) return `No claims to check: ${premises}.`;
  if (n === 0)
    return 'No checkable steps found (math in $…$, $$…$$, \\[…\\], align/equation environments, or plain a = b lines).';
  const count = (v: ProofStep['verdict']) => result.steps.filter((s) => s.verdict === v).length;
  const parts = [`${count('verified')} verified`, `${count('wrong')} wrong`, `${count('unknown')} not checkable`];
  if (count('unparsed')) parts.push(`${count('unparsed')} unreadable`);
  return `${n} step${n === 1 ? '' : 's'}: ${parts.join(', ')}${premises ? `; ${premises}` : ''}`;
}

/** "2 equations read as conditions or definitions, not checked" ('' when none). */
export function premiseCount(result: ProofCheckResult): string {
  const n = result.premises?.length ?? 0;
  return n
    ? `${n} equation${n === 1 ? '' : 's'} read as condition${n === 1 ? '' : 's'} or definition${n === 1 ? '' : 's'}, not checked`
    : '';
}

const SHAPE_REASON: Record<Extract<ProofPremise['cue'], { by: 'shape' }>['shape'], string> = {
  'constant side': 'one side is a constant',
  'named left side': 'its left side names what is defined',
  differentials: 'a substitution between differentials',
  'solved below': 'the lines after it solve it',
  'system of equations': 'one of a system of equations',
};

/** Information message on an equation read as a premise: what it was read as, why, and how many there are. */
export function premiseMessage(premise: ProofPremise, result: ProofCheckResult): string {
  const why = premise.cue.by === 'word' ? `marked by “${premise.cue.word}”` : SHAPE_REASON[premise.cue.shape];
  const n = result.premises?.length ?? 1;
  return `Read as a ${premise.kind} (${why}), not checked (${n} equation${n === 1 ? '' : 's'} in this check read as conditions or definitions).`;
}

/** The "Show counterexample" report (Markdown). */
export function counterexampleReport(step: ProofStep): string {
  const lines = [`# Counterexample for line ${step.line}`, '', '```', step.text, '```', ''];
  if (step.sides) lines.push(`Checked: \`${step.sides.left}\` ${step.sides.relation} \`${step.sides.right}\``, '');
  const point = formatPoint(step.counterexample);
  lines.push(point ? `At **${point}**:` : 'With no variables:');
  if (step.values) lines.push('', `- left side = ${step.values.left}`, `- right side = ${step.values.right}`);
  lines.push('', step.detail);
  return lines.join('\n');
}

/** What "Ask the model about this step" puts into the chat. */
export function askAboutStep(step: ProofStep, context: string): string {
  const point = formatPoint(step.counterexample);
  const at = point ? ` at ${point}${valuesText(step)}` : '';
  const verdict =
    step.verdict === 'wrong'
      ? `The algebra check says it is wrong${at}: ${step.detail}.`
      : `The algebra check could not decide it (${step.detail}).`;
  return `Does this step of my derivation follow from what comes before it?\n\nStep (line ${step.line}):\n$$${step.text}$$\n\n${verdict}\n\nContext:\n${context}`;
}
