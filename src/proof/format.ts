// Check Proof's words, kept apart from the VS Code API so they are unit-tested in plain Node: diagnostic messages,
// the summary line, the counterexample report and the question put to the chat.
import type { ProofCheckResult, ProofPremise, ProofStep } from '../../engine/protocol';

export const DIAGNOSTIC_SOURCE = 'Check Proof';

export function formatPoint(cx: Record<string, string> | undefined): string {
  if (!cx) return '';
  const entries = Object.entries(cx);
  return entries.length ? entries.map(([k, v]) => `${k} = ${v}`).join(', ') : '';
}

/** " (left side = 25/4, right side = 13/4)" */
const valuesText = (step: ProofStep) => (step.values ? ` (left side = ${step.values.left}, right side = ${step.values.right})` : '');

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

/** "12 steps: 10 verified, 1 wrong, 1 not checkable" (+ prover outcome for .v / .lean). */
export function summaryLine(result: ProofCheckResult): string {
  if (result.prover) {
    if (!result.prover.available) return result.prover.message ?? `${result.prover.name} is not installed`;
    const errors = result.proverDiagnostics?.filter((d) => d.severity === 'error').length ?? 0;
    return `${result.prover.name}: ${result.prover.proved ? 'proved' : 'not proved'}${errors ? ` (${errors} error${errors > 1 ? 's' : ''})` : ''} — ${result.prover.message ?? ''}`.trim();
  }
  const n = result.steps.length;
  const premises = premiseCount(result);
  if (n === 0 && premises) return `No claims to check: ${premises}.`;
  if (n === 0) return 'No checkable steps found (math in $…$, $$…$$, \\[…\\], align/equation environments, or plain a = b lines).';
  const count = (v: ProofStep['verdict']) => result.steps.filter((s) => s.verdict === v).length;
  const parts = [`${count('verified')} verified`, `${count('wrong')} wrong`, `${count('unknown')} not checkable`];
  if (count('unparsed')) parts.push(`${count('unparsed')} unreadable`);
  return `${n} step${n === 1 ? '' : 's'}: ${parts.join(', ')}${premises ? `; ${premises}` : ''}`;
}

/** "2 equations read as conditions or definitions, not checked" ('' when none). */
export function premiseCount(result: ProofCheckResult): string {
  const n = result.premises?.length ?? 0;
  return n ? `${n} equation${n === 1 ? '' : 's'} read as condition${n === 1 ? '' : 's'} or definition${n === 1 ? '' : 's'}, not checked` : '';
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
  const verdict = step.verdict === 'wrong' ? `The algebra check says it is wrong${at}: ${step.detail}.` : `The algebra check could not decide it (${step.detail}).`;
  return `Does this step of my derivation follow from what comes before it?\n\nStep (line ${step.line}):\n$$${step.text}$$\n\n${verdict}\n\nContext:\n${context}`;
}
