// `npm run bench:gguf-load`: the same bench:engine checkpoint (bench/synthetic-checkpoint.ts, V2-Lite-shaped BF16) loaded
// at int4 (or --precision int8) from its Hugging Face folder and from its Q4_0 (Q8_0) GGUF (bench/gguf/deepseek2.ts,
// written beside the folder when missing), whose blocks go to MatMulNBits as they are. Per source: the first load
// (graph build into an empty graph cache), the load from the graph cache, and prefill / decode tok/s over --runs
// interleaved runs after one unmeasured run each (folder, GGUF, GGUF, folder, ...; medians) on the same prompt ids; and, on the GGUF alone, the time
// to read every matrix as its blocks against reading it as float32 and quantizing it again (the detour the blocks
// avoid). JSON to stdout and to bench/results/gguf-load.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GgufCheckpoint } from '../engine/checkpoint/gguf';
import { readConfig } from '../engine/checkpoint/config';
import { expectedTensors } from '../engine/checkpoint/tensors';
import { quantizeBlockwise } from '../engine/onnx/quantize';
import type { WeightPrecision } from '../engine/protocol';
import { type GenerationMeasurement, measureGeneration, randomPrompt, round } from '../engine/runtime/benchmark';
import { loadModel } from '../engine/runtime/load-model';
import { GGUF_FOR, ggufOf, median } from './llama-side-by-side';
import { BENCH_ROOT, syntheticCheckpointDir, writeSyntheticCheckpoint } from './synthetic-checkpoint';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    out: { type: 'string' },
    layers: { type: 'string' },
    vocab: { type: 'string' },
    'q-lora-rank': { type: 'string' },
    precision: { type: 'string' },
    threads: { type: 'string' },
    prompt: { type: 'string' },
    tokens: { type: 'string' },
    runs: { type: 'string' },
  },
});

async function main() {
  const layers = Number(values.layers ?? 4);
  const vocab = Number(values.vocab ?? 32000);
  const qLoraRank = Number(values['q-lora-rank'] ?? 0);
  const precision = (values.precision ?? 'int4') as WeightPrecision;
  if (precision !== 'int4' && precision !== 'int8') throw new Error('--precision is int4 or int8');
  const bits = precision === 'int4' ? 4 : 8;
  const threads = Number(values.threads ?? 2);
  const promptLen = Number(values.prompt ?? 64);
  const genTokens = Number(values.tokens ?? 32);
  const runs = Number(values.runs ?? 4);
  const dir = values.dir ?? syntheticCheckpointDir(layers, qLoraRank);
  const log = (s: string) => process.stderr.write(`[bench:gguf-load] ${s}\n`);

  writeSyntheticCheckpoint(dir, layers, vocab, qLoraRank);
  const gguf = ggufOf(dir, precision, log);
  const sources = { folder: dir, gguf: gguf.file };

  // the detour alone: every matrix the file holds as blocks, read as blocks vs as float32 quantized again
  // (a first pass, unmeasured, puts the file in the page cache for both)
  const ckpt = await GgufCheckpoint.open(gguf.file);
  const names = expectedTensors(readConfig(dir))
    .filter(({ name }) => ckpt.readBlocks(name, bits))
    .map((e) => e.name);
  let t = performance.now();
  for (const name of names) ckpt.readBlocks(name, bits);
  const blocksS = (performance.now() - t) / 1000;
  t = performance.now();
  for (const name of names) {
    const [N, K] = ckpt.shape(name);
    quantizeBlockwise(ckpt.readF32(name), N, K, bits);
  }
  const detourS = (performance.now() - t) / 1000;
  log(
    `${names.length} matrices: as blocks ${blocksS.toFixed(1)} s, as float32 quantized again ${detourS.toFixed(1)} s`,
  );

  const cacheDir = mkdtempSync(join(BENCH_ROOT, 'gguf-load-graphs-'));
  try {
    const loads: Record<string, { first_s: number; from_graph_cache_s: number }> = {};
    for (const [key, path] of Object.entries(sources)) {
      t = performance.now();
      const m = await loadModel(path, { threads, cacheDir, precision });
      const firstS = (performance.now() - t) / 1000;
      await m.dispose();
      loads[key] = { first_s: round(firstS, 1), from_graph_cache_s: 0 };
      log(`${key}: first load ${firstS.toFixed(1)} s`);
    }
    const models = {
      folder: await (async () => {
        t = performance.now();
        const m = await loadModel(sources.folder, { threads, cacheDir, precision });
        loads.folder.from_graph_cache_s = round((performance.now() - t) / 1000, 2);
        return m;
      })(),
      gguf: await (async () => {
        t = performance.now();
        const m = await loadModel(sources.gguf, { threads, cacheDir, precision });
        loads.gguf.from_graph_cache_s = round((performance.now() - t) / 1000, 2);
        return m;
      })(),
    };
    const prompt = randomPrompt(promptLen, vocab, 7);
    const measured: Record<'folder' | 'gguf', GenerationMeasurement[]> = { folder: [], gguf: [] };
    // one unmeasured run each opens the expert sessions the prompt routes to; then alternating order (ABBA)
    for (const m of Object.values(models)) await measureGeneration(m, prompt, genTokens);
    for (let r = 0; r < runs; r++) {
      for (const key of r % 2 === 0 ? (['folder', 'gguf'] as const) : (['gguf', 'folder'] as const)) {
        measured[key].push(await measureGeneration(models[key], prompt, genTokens));
        const last = measured[key][measured[key].length - 1];
        log(
          `run ${r + 1}/${runs} ${key}: prefill ${last.prefill_tokens_per_s} tok/s, decode ${last.decode_tokens_per_s} tok/s`,
        );
      }
    }
    for (const m of Object.values(models)) await m.dispose();
    const row = (key: 'folder' | 'gguf') => ({
      ...loads[key],
      prefill_tokens_per_s_median: round(median(measured[key].map((m) => m.prefill_tokens_per_s)), 1),
      decode_tokens_per_s_median: round(median(measured[key].map((m) => m.decode_tokens_per_s)), 1),
      decode_tokens_per_s_runs: measured[key].map((m) => m.decode_tokens_per_s),
    });
    const folder = row('folder');
    const ggufRow = row('gguf');
    const result = {
      benchmark: 'gguf-load',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, load_average_1m: round(loadavg()[0], 1), threads, node: process.version },
      checkpoint: dir,
      precision,
      gguf: { file: gguf.file, type: GGUF_FOR[precision], bytes: gguf.bytes },
      prompt_tokens: promptLen,
      generated_tokens: genTokens,
      runs,
      folder: folder,
      gguf_blocks: ggufRow,
      decode_ratio_gguf_over_folder: round(ggufRow.decode_tokens_per_s_median / folder.decode_tokens_per_s_median, 2),
      prefill_ratio_gguf_over_folder: round(
        ggufRow.prefill_tokens_per_s_median / folder.prefill_tokens_per_s_median,
        2,
      ),
      matrices_read: {
        matrices: names.length,
        as_blocks_s: round(blocksS, 1),
        as_float32_quantized_again_s: round(detourS, 1),
      },
    };
    const out = values.out ?? join(__dirname, 'results', 'gguf-load.json');
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:gguf-load failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
