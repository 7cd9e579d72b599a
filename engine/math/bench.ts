// The step-error benchmark (GSM8K-style solutions, each labelled with its first wrong step or -1): a solution is
// flagged at the first step where an arithmetic claim (prose `a op b = c` or a `<<expr=value>>` annotation) is
// wrong, and, with a critic, at the first step the model calls wrong (model opinion, counted separately).
import { readFile } from 'node:fs/promises';
import { EngineError } from '../errors';
import { checkArithmetic, checkSimplification, findArithmetic, findSimplifications } from './arithmetic';

export interface BenchItem {
  id: string;
  steps: string[];
  first_error_step: number;
  question?: string;
}

export interface BenchResult {
  precision: number;
  recall: number;
  false_alarm_rate: number;
  counts: {
    items: number;
    labelled_errors: number;
    correct_solutions: number;
    flagged: number;
    true_positives: number;
    false_alarms: number;
  };
  items: Array<{ id: string; predicted_first_error_step: number; detail?: string }>;
}

/** Claims of one step: annotations first (they are the author's own calculator), then prose arithmetic. */
export function firstWrongClaim(step: string): string | undefined {
  for (const m of step.matchAll(/<<([^<>=]+)=([^<>=]+)>>/g)) {
    const v = checkArithmetic(m[1]!, m[2]!);
    if (v.verdict === 'wrong') return v.detail;
  }
  const prose = step.replace(/<<[^<>]*>>/g, ' ');
  for (const c of findArithmetic(prose)) {
    const v = checkArithmetic(c.expr, c.value);
    if (v.verdict === 'wrong') return v.detail;
  }
  for (const c of findSimplifications(prose)) {
    const v = checkSimplification(c.lhs, c.rhs, c.variable);
    if (v.verdict === 'wrong') return v.detail;
  }
  return undefined;
}

export type StepCritic = (item: BenchItem, stepIndex: number) => Promise<boolean>;

export async function runBench(file: string, critic?: StepCritic): Promise<BenchResult> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    throw new EngineError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const items: BenchItem[] = raw
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        const item = JSON.parse(l) as BenchItem;
        if (!Array.isArray(item.steps) || typeof item.first_error_step !== 'number')
          throw new Error('missing steps or first_error_step');
        return item;
      } catch (err) {
        throw new EngineError(`${file}:${i + 1}: not a benchmark item (${(err as Error).message})`);
      }
    });
  const out: BenchResult['items'] = [];
  let flagged = 0,
    tp = 0,
    falseAlarms = 0,
    labelled = 0,
    correct = 0;
  for (const item of items) {
    let predicted = -1;
    let detail: string | undefined;
    for (const [i, step] of item.steps.entries()) {
      detail = firstWrongClaim(step);
      if (detail) {
        predicted = i + 1;
        break;
      }
      if (critic && (await critic(item, i))) {
        predicted = i + 1;
        detail = 'model opinion';
        break;
      }
    }
    if (item.first_error_step === -1) correct++;
    else labelled++;
    if (predicted !== -1) {
      flagged++;
      if (predicted === item.first_error_step) tp++;
      if (item.first_error_step === -1) falseAlarms++;
    }
    out.push({ id: item.id, predicted_first_error_step: predicted, ...(detail ? { detail } : {}) });
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : Number((a / b).toFixed(4)));
  return {
    precision: ratio(tp, flagged),
    recall: ratio(tp, labelled),
    false_alarm_rate: ratio(falseAlarms, correct),
    counts: {
      items: items.length,
      labelled_errors: labelled,
      correct_solutions: correct,
      flagged,
      true_positives: tp,
      false_alarms: falseAlarms,
    },
    items: out,
  };
}
