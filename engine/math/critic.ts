// The model's opinion on steps algebra cannot decide. It is only ever advice: Check Proof labels it as such and
// never lets it change a verified or wrong verdict. The benchmark uses the same question as a yes/no vote.
import type { LoadedModel } from '../runtime/api';
import type { ProofStep } from '../protocol';
import type { BenchItem, StepCritic } from './bench';

const MAX_OPINION_TOKENS = 96;

async function ask(model: LoadedModel, prompt: string, maxTokens: number, signal?: AbortSignal): Promise<string> {
  if (!model.tokenizer) throw new Error(`model ${model.info.name} has no tokenizer`);
  const ids = model.tokenizer.encode(prompt, { addSpecialTokens: true });
  const r = await model.generate(ids, { maxTokens, temperature: 0, stop: ['\n\n'], signal });
  return r.text.trim();
}

/** For checkProof's `critic` option: one short paragraph per undecided step. */
export function stepCritic(model: LoadedModel, signal?: AbortSignal): (step: ProofStep, context: string) => Promise<string | undefined> {
  return async (step, context) => {
    const prompt = `${context}\n\nQuestion: does the step "${step.text}" follow from what comes before it? Answer yes or no, then give the reason in one sentence.\nAnswer:`;
    const text = await ask(model, prompt, MAX_OPINION_TOKENS, signal);
    return text || undefined;
  };
}

/** For the benchmark: does the model call step `i` (0-based) wrong? */
export function benchCritic(model: LoadedModel): StepCritic {
  return async (item: BenchItem, i: number) => {
    const steps = item.steps.slice(0, i + 1).map((s, k) => `Step ${k + 1}: ${s}`).join('\n');
    const prompt = `Problem: ${item.question ?? ''}\n${steps}\n\nIs step ${i + 1} correct? Answer yes or no.\nAnswer:`;
    return /^\W*no\b/i.test(await ask(model, prompt, 4));
  };
}
