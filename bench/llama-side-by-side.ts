// bench:engine's llama.cpp half: the same checkpoint converted to GGUF (bench/gguf/) at the precision that matches the
// engine's (f32 -> F32, int8 -> every matrix Q8_0, int4 -> every matrix Q4_0: what llama.cpp users run), the same
// prompt ids and greedy decoding, one child process a run (bench/gguf/llama-peer.ts), interleaved with the engine's
// runs by the caller. Median figures and the engine / llama.cpp ratios.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../engine/checkpoint/config';
import type { WeightPrecision } from '../engine/protocol';
import { round } from '../engine/runtime/benchmark';
import { writeDeepseek2Gguf, type GgufPrecision } from './gguf/deepseek2';
import { LLAMA_CPP_PACKAGE } from './gguf/llama-peer';

const ROOT = join(__dirname, '..');
export const GGUF_FOR: Record<WeightPrecision, GgufPrecision> = { f32: 'F32', int8: 'Q8_0', int4: 'Q4_0' };

export interface PeerRun {
  prefill_tokens_per_s: number;
  decode_tokens_per_s: number;
  tokens: number[];
  peak_rss_bytes: number;
}

/** Why llama.cpp cannot run this checkpoint, or undefined when it can. */
export function llamaCppRefuses(cfg: ModelConfig): string | undefined {
  if (!existsSync(LLAMA_CPP_PACKAGE)) return 'llama.cpp is not installed: bash test/setup/install-llama-cpp.sh';
  // llama.cpp's deepseek2 loader tells DeepSeek-V2-Lite (no q LoRA) from the other models by its depth alone
  if (cfg.q_lora_rank === 0 && cfg.num_hidden_layers !== 27) {
    return `llama.cpp reads a DeepSeek-V2 checkpoint without q LoRA only at V2-Lite's 27 layers (this one has ${cfg.num_hidden_layers}): use --layers 27, or --q-lora-rank R`;
  }
  return undefined;
}

/** The checkpoint as GGUF at `precision`, written once beside it. */
export function ggufOf(
  dir: string,
  precision: WeightPrecision,
  log: (s: string) => void,
): { file: string; bytes: number; write_s?: number } {
  const file = `${dir}-${GGUF_FOR[precision]}.gguf`;
  if (!existsSync(file)) {
    const t = performance.now();
    writeDeepseek2Gguf(dir, `${file}.partial`, GGUF_FOR[precision]);
    renameSync(`${file}.partial`, file);
    const writeS = (performance.now() - t) / 1000;
    log(`GGUF ${GGUF_FOR[precision]} written in ${writeS.toFixed(1)} s: ${file}`);
    return { file, bytes: statSync(file).size, write_s: round(writeS, 1) };
  }
  return { file, bytes: statSync(file).size };
}

/** One llama.cpp run in a child process of its own. */
export function llamaRun(file: string, prompt: number[], generate: number, threads: number): PeerRun {
  const out = execFileSync(
    join(ROOT, 'node_modules/.bin/tsx'),
    [
      join(ROOT, 'bench/gguf/llama-peer.ts'),
      'bench',
      '--model',
      file,
      '--tokens',
      prompt.join(','),
      '--generate',
      String(generate),
      '--threads',
      String(threads),
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const r = JSON.parse(out) as { runs: Omit<PeerRun, 'peak_rss_bytes'>[]; peak_rss_bytes: number };
  return { ...r.runs[0], peak_rss_bytes: r.peak_rss_bytes };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
