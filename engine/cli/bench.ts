// `bench --model DIR [--prompt-lengths 16,256,1024] [--max-tokens 64] [--memory-budget SIZE] [--json]`: prefill and
// decode tokens/s, time to first token, peak RSS and resident routed-expert bytes for each prompt length, and the
// memory budget the model ran under.
import { parseArgs } from 'node:util';
import { measureGeneration, randomPrompt } from '../runtime/benchmark';
import { loadModel } from '../runtime/load-model';
import { MODEL_OPTIONS, loadOptions, parseTokens, positiveInt, requireModel } from './model-options';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      'prompt-lengths': { type: 'string' },
      'max-tokens': { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const lengths = values['prompt-lengths'] ? parseTokens(values['prompt-lengths']) : [16, 256, 1024];
  const maxTokens = values['max-tokens'] ? positiveInt(values['max-tokens'], '--max-tokens') : 64;
  const seed = values.seed ? positiveInt(values.seed, '--seed', 0) : 1;
  const t0 = performance.now();
  const model = await loadModel(requireModel(values), loadOptions(values));
  const loadMs = performance.now() - t0;
  try {
    const runs = [];
    for (const n of lengths) {
      const { tokens: _tokens, ...m } = await measureGeneration(
        model,
        randomPrompt(n, model.info.vocabSize, seed + n),
        maxTokens,
      );
      runs.push(m);
      if (!values.json) {
        process.stdout.write(
          `prompt ${n}: prefill ${m.prefill_tokens_per_s} tok/s, decode ${m.decode_tokens_per_s} tok/s, ` +
            `first token ${m.time_to_first_token_ms} ms, peak RSS ${(m.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB, ` +
            `resident experts ${(m.resident_expert_bytes / 2 ** 20).toFixed(0)} MiB\n`,
        );
      }
    }
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({
          model: model.info.path,
          load_ms: Math.round(loadMs),
          memory_budget_bytes: model.memoryBudgetBytes(),
          runs,
        })}\n`,
      );
  } finally {
    await model.dispose();
  }
  return 0;
}
