// `npx tsx bench/gguf-kquant-load.ts`: a Q4_K_M-style GGUF (bench/gguf/deepseek2.ts: Q4_K, Q6_K for the down
// projections / attn_v_b / output, Q8_0 where rows are no whole 256-value super-block) of a random checkpoint with
// DeepSeek-V2-Lite's widths and --layers layers (--experts routed experts), loaded at int4 into an empty graph cache
// two ways: the file itself (its blocks mapped onto MatMulNBits exactly) and an F32 GGUF of the very same values (every
// matrix quantized again at 4 bits: the detour the old engine took for every type but Q4_0 / Q8_0, less the
// dequantization it also did). Per way: the first-load time, and the logits' deviation from that F32 file at f32 over
// one prompt (max |diff| where routing agrees, and argmax agreement), and decode / prefill tok/s (interleaved runs, medians of 6, 2 threads).
// JSON to stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDeepseek2Gguf, writeDeepseek2GgufDequantized } from './gguf/deepseek2';
import { v2LiteConfig, writeRandomCheckpoint } from './synthetic-checkpoint';
import type { WeightPrecision } from '../engine/protocol';
import { type GenerationMeasurement, measureGeneration, randomPrompt } from '../engine/runtime/benchmark';
import { loadModel } from '../engine/runtime/load-model';

const { values } = parseArgs({
  options: { layers: { type: 'string' }, experts: { type: 'string' }, vocab: { type: 'string' } },
});

async function main() {
  const layers = Number(values.layers ?? 2);
  const experts = Number(values.experts ?? 8);
  const vocab = Number(values.vocab ?? 4096);
  const root = mkdtempSync(join(tmpdir(), 'kquant-load-'));
  const log = (s: string) => process.stderr.write(`[bench:gguf-kquant-load] ${s}\n`);
  try {
    const source = join(root, 'f32');
    const cfg = { ...v2LiteConfig(layers, vocab), n_routed_experts: experts, torch_dtype: 'float32' };
    writeRandomCheckpoint(source, cfg, 'F32');
    const file = join(root, 'q4_k_m.gguf');
    const decoded = join(root, 'q4_k_m-as-f32.gguf');
    let t = performance.now();
    writeDeepseek2Gguf(source, file, 'Q4_K_M');
    log(`Q4_K_M written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    writeDeepseek2GgufDequantized(source, decoded, 'Q4_K_M');
    const tokens = Array.from({ length: 32 }, (_, i) => (i * 997 + 13) % vocab);
    const open = async (f: string, precision: WeightPrecision) => {
      const cacheDir = mkdtempSync(join(root, 'graphs-'));
      t = performance.now();
      const model = await loadModel(f, { threads: 2, cacheDir, precision });
      return { model, firstLoadS: (performance.now() - t) / 1000, ...(await model.forward(tokens)) };
    };
    type Opened = Awaited<ReturnType<typeof open>>;
    const refModel = await open(decoded, 'f32');
    await refModel.model.dispose();
    const exactModel = await open(file, 'int4');
    const againModel = await open(decoded, 'int4');
    // speed: interleaved runs (exact, again, again, exact, ...) after one unmeasured run each, medians of 6
    const prompt = randomPrompt(32, vocab, 7);
    const speed = new Map<Opened, GenerationMeasurement[]>([
      [exactModel, []],
      [againModel, []],
    ]);
    for (const m of speed.keys()) await measureGeneration(m.model, prompt, 8);
    for (let i = 0; i < 6; i++)
      for (const m of i % 2 ? [againModel, exactModel] : [exactModel, againModel])
        speed.get(m)!.push(await measureGeneration(m.model, prompt, 16));
    const median = (m: Opened, k: 'decode_tokens_per_s' | 'prefill_tokens_per_s') => {
      const v = speed
        .get(m)!
        .map((r) => r[k])
        .sort((x, y) => x - y);
      return (v[2] + v[3]) / 2;
    };
    const run = async (m: Opened) => {
      await m.model.dispose();
      return { ...m, decode: median(m, 'decode_tokens_per_s'), prefill: median(m, 'prefill_tokens_per_s') };
    };
    const ref = refModel;
    const report = (r: Opened & { decode: number; prefill: number }) => {
      const same = tokens
        .map((_, i) => i)
        .filter((i) => r.experts.every((layer, l) => layer[i].every((e) => ref.experts[l][i].includes(e))));
      let dev = 0;
      for (const i of same)
        for (let v = 0; v < vocab; v++) dev = Math.max(dev, Math.abs(r.logits[i][v] - ref.logits[i][v]));
      const argmax = (row: Float32Array) => row.indexOf(Math.max(...row));
      return {
        first_load_s: Number(r.firstLoadS.toFixed(2)),
        decode_tok_s: Number(r.decode.toFixed(1)),
        prefill_tok_s: Number(r.prefill.toFixed(1)),
        max_logit_diff_routed_alike: Number(dev.toFixed(4)),
        tokens_routed_alike: same.length,
        argmax_agreement: r.logits.filter((row, i) => argmax(row) === argmax(ref.logits[i])).length / tokens.length,
      };
    };
    const exact = report(await run(exactModel));
    const again = report(await run(againModel));
    const maxLogit = Math.max(...ref.logits.map((row) => Math.max(...row.map(Math.abs))));
    console.log(
      JSON.stringify({
        layers,
        experts,
        vocab,
        f32_first_load_s: Number(ref.firstLoadS.toFixed(2)),
        max_abs_logit: maxLogit,
        exact,
        requantized: again,
      }),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
