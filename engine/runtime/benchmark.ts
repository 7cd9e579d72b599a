// Measurements shared by `engine bench` and `npm run bench:engine`: one generation request with random prompt tokens,
// timed by the engine's own stats, with memory read from the OS afterwards.
import type { LoadedModel } from './api';
import { peakRssBytes } from './resident';
import { seededRandom } from './sampling';

export interface GenerationMeasurement {
  prompt_tokens: number;
  generated_tokens: number;
  prefill_tokens_per_s: number;
  decode_tokens_per_s: number;
  time_to_first_token_ms: number;
  rss_bytes: number;
  peak_rss_bytes: number;
  resident_expert_bytes: number;
  tokens: number[];
}

/** Token ids drawn uniformly from [2, vocab) (skipping the usual BOS/EOS ids), reproducible by seed. */
export function randomPrompt(length: number, vocab: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  return Array.from({ length }, () => 2 + Math.floor(rnd() * (vocab - 2)));
}

export async function measureGeneration(
  model: LoadedModel,
  prompt: number[],
  maxTokens: number,
  opts: { usePrefixCache?: boolean } = {},
): Promise<GenerationMeasurement> {
  const r = await model.generate(prompt, {
    maxTokens,
    temperature: 0,
    ignoreEos: true,
    usePrefixCache: opts.usePrefixCache ?? false,
  });
  return {
    prompt_tokens: prompt.length,
    generated_tokens: r.tokens.length,
    prefill_tokens_per_s: round(r.stats.prefillTokensPerS),
    decode_tokens_per_s: round(r.stats.decodeTokensPerS),
    time_to_first_token_ms: round(r.stats.timeToFirstTokenMs),
    rss_bytes: process.memoryUsage().rss,
    peak_rss_bytes: peakRssBytes(),
    resident_expert_bytes: model.residentExpertBytes(),
    tokens: r.tokens,
  };
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
