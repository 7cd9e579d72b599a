// The model as a yes/no judge of one step, for `proof bench --model`: how often would its vote find the planted
// error? (Check Proof's opinion shown in the editor is engine/service/proof-critic.ts, asked through the chat
// template; this asks a raw prompt so a base model without a template can be benchmarked too.)
import type { LoadedModel } from '../runtime/api';
import type { BenchItem, StepCritic } from './bench';

/** Does the model call step `i` (0-based) wrong? */
export function benchCritic(model: LoadedModel): StepCritic {
  return async (item: BenchItem, i: number) => {
    if (!model.tokenizer) throw new Error(`model ${model.info.name} has no tokenizer`);
    const steps = item.steps
      .slice(0, i + 1)
      .map((s, k) => `Step ${k + 1}: ${s}`)
      .join('\n');
    const prompt = `Problem: ${item.question ?? ''}\n${steps}\n\nIs step ${i + 1} correct? Answer yes or no.\nAnswer:`;
    const ids = model.tokenizer.encode(prompt, { addSpecialTokens: true });
    const r = await model.generate(ids, { maxTokens: 4, temperature: 0, stop: ['\n\n'] });
    return /^\W*no\b/i.test(r.text.trim());
  };
}
