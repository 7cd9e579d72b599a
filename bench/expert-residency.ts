// `npx tsx bench/expert-residency.ts [--precision int4] [--layers 4] [--q-lora-rank 512] [--tokens 64]`: routed-expert
// residency on the synthetic DeepSeek-V2-Lite-shaped checkpoint (bench/synthetic-checkpoint.ts), each configuration
// in its own process so peak RSS is its own: one-expert groups opened on first use (the engine's default) without a
// budget and with a budget leaving half the routed-expert bytes, and all of a layer's experts in one group (one
// session per layer, as before groups: everything resident from the first token). Reports resident routed-expert
// bytes and RSS after load, after the first token and after the generation, and decode tokens/s of a second, warm
// generation. Then the per-token cost of running experts in groups: both layouts loaded in one process, warm,
// interleaved generations (medians), so machine load hits both alike. JSON to stdout and
// bench/results/expert-residency.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ExpertsIO } from '../engine/model/moe';
import type { WeightPrecision } from '../engine/protocol';
import { measureGeneration, randomPrompt, round } from '../engine/runtime/benchmark';
import { loadModel } from '../engine/runtime/load-model';
import { peakRssBytes, processRssBytes } from '../engine/runtime/resident';
import { graphBytes, halfExpertBudget } from './expert-bytes';
import { BENCH_GRAPH_CACHE, syntheticCheckpointDir, writeSyntheticCheckpoint } from './synthetic-checkpoint';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    'cache-dir': { type: 'string' },
    precision: { type: 'string', default: 'int4' },
    layers: { type: 'string', default: '4' },
    'q-lora-rank': { type: 'string', default: '512' },
    tokens: { type: 'string', default: '64' },
    prompt: { type: 'string', default: '16' },
    threads: { type: 'string', default: '2' },
    // child process: one configuration
    config: { type: 'string' },
    out: { type: 'string' },
  },
});

const CONFIGS = {
  'one-expert groups, no budget': { groupSize: 1, budget: false },
  'one-expert groups, budget = dense + half the routed experts': { groupSize: 1, budget: true },
  'one group per layer (all experts at once)': { groupSize: 64, budget: false },
} as const;
type ConfigName = keyof typeof CONFIGS;

const layers = Number(values.layers);
const qLoraRank = Number(values['q-lora-rank']);
const dir = values.dir ?? syntheticCheckpointDir(layers, qLoraRank);
const cacheDir = values['cache-dir'] ?? BENCH_GRAPH_CACHE;
const precision = values.precision as WeightPrecision;
const log = (s: string) => process.stderr.write(`[bench:expert-residency] ${s}\n`);

async function child(name: ConfigName): Promise<Record<string, unknown>> {
  const { groupSize, budget } = CONFIGS[name];
  const threads = Number(values.threads);
  const opts = { threads, cacheDir, precision, expertsPerGroup: groupSize };
  // the graphs' sizes first (a load without a budget builds them once), then the measured load
  let model = await loadModel(dir, opts);
  const bytes = graphBytes(cacheDir, dir, precision, 64 / groupSize);
  const { denseBytes, routedBytes } = bytes;
  const memoryBudgetBytes = budget ? halfExpertBudget(bytes) : undefined;
  if (budget) {
    await model.dispose();
    model = await loadModel(dir, { ...opts, memoryBudgetBytes });
  }
  const vocab = model.info.vocabSize;
  const afterLoad = { rss_bytes: processRssBytes(), resident_expert_bytes: model.residentExpertBytes() };
  const prompt = randomPrompt(Number(values.prompt), vocab, 7);
  const first = await measureGeneration(model, [prompt[0]], 1);
  const gen = await measureGeneration(model, prompt, Number(values.tokens));
  const warm = await measureGeneration(model, randomPrompt(Number(values.prompt), vocab, 8), Number(values.tokens));
  const result = {
    experts_per_group: groupSize,
    memory_budget_bytes: memoryBudgetBytes ?? null,
    dense_bytes: denseBytes,
    routed_expert_bytes: routedBytes,
    after_load: afterLoad,
    after_first_token: {
      rss_bytes: first.rss_bytes,
      resident_expert_bytes: first.resident_expert_bytes,
      // the first request opens the groups it selects
      time_to_first_token_ms: first.time_to_first_token_ms,
    },
    after_generation: {
      tokens: gen.prompt_tokens + gen.generated_tokens,
      rss_bytes: gen.rss_bytes,
      resident_expert_bytes: gen.resident_expert_bytes,
      resident_fraction: round(gen.resident_expert_bytes / routedBytes),
    },
    decode_tokens_per_s_first_generation: gen.decode_tokens_per_s,
    decode_tokens_per_s_warm: warm.decode_tokens_per_s,
    groups_open: model.experts.openGroups().length,
    evictions: model.experts.evictionCount(),
    peak_rss_bytes: peakRssBytes(),
    peak_rss_over_budget_bytes: memoryBudgetBytes === undefined ? null : peakRssBytes() - memoryBudgetBytes,
  };
  await model.dispose();
  return result;
}

/** Both layouts warm in one process, generations interleaved: decode tokens/s medians. */
async function indirection(): Promise<Record<string, unknown>> {
  const threads = Number(values.threads);
  const layouts = { one_expert_groups: 1, one_group_per_layer: 64 };
  const models = [];
  for (const size of Object.values(layouts))
    models.push(await loadModel(dir, { threads, cacheDir, precision, expertsPerGroup: size }));
  const vocab = models[0].info.vocabSize;
  // warm: every expert opened (prefill of a long prompt routes to all of them)
  for (const m of models) await measureGeneration(m, randomPrompt(256, vocab, 3), 1);
  const runs: number[][] = models.map(() => []);
  for (let r = 0; r < 5; r++) {
    for (const [i, m] of models.entries()) {
      const g = await measureGeneration(m, randomPrompt(16, vocab, 20 + r), 32);
      runs[i].push(g.decode_tokens_per_s);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [lazy, eager] = runs.map(median);
  // one MoE layer's routed experts for one token (6 of 64, the same in both), timed alone and interleaved
  const d = models[0].cfg.hidden_size;
  const E = models[0].cfg.n_routed_experts;
  const k = models[0].cfg.num_experts_per_tok;
  const x = new Float32Array(d).map((_, i) => Math.sin(i));
  const rows = (n: number) => new ort.Tensor('float32', n ? x : new Float32Array(0), [n, d]);
  const layerUs: number[][] = [[], []];
  for (let it = 0; it < 300; it++) {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add((it * 7 + chosen.size * 13) % E);
    let t = performance.now();
    for (const e of chosen) await models[0].experts.run(1, e, { [ExpertsIO.routedIn(e)]: rows(1) });
    layerUs[0].push((performance.now() - t) * 1000);
    const feeds: Record<string, ort.Tensor> = {};
    for (let e = 0; e < E; e++) feeds[ExpertsIO.routedIn(e)] = rows(chosen.has(e) ? 1 : 0);
    t = performance.now();
    await models[1].experts.run(1, 0, feeds);
    layerUs[1].push((performance.now() - t) * 1000);
  }
  for (const m of models) await m.dispose();
  return {
    runs: 5,
    tokens: 32,
    decode_tokens_per_s_median_one_expert_groups: lazy,
    decode_tokens_per_s_median_one_group_per_layer: eager,
    per_token_ms_one_expert_groups: round(1000 / lazy, 2),
    per_token_ms_one_group_per_layer: round(1000 / eager, 2),
    all_runs: runs,
    one_layer_routed_experts_one_token_us_median_one_expert_groups: round(median(layerUs[0]), 1),
    one_layer_routed_experts_one_token_us_median_one_group_per_layer: round(median(layerUs[1]), 1),
  };
}

async function main() {
  if (values.config === 'indirection') {
    process.stdout.write(`${JSON.stringify(await indirection())}\n`);
    return;
  }
  if (values.config) {
    process.stdout.write(`${JSON.stringify(await child(values.config as ConfigName))}\n`);
    return;
  }
  const { built } = writeSyntheticCheckpoint(dir, layers, 32000, qLoraRank);
  log(`checkpoint ${built ? 'written' : 'reused'}: ${dir}`);
  const results: Record<string, unknown> = {};
  for (const name of [...Object.keys(CONFIGS), 'indirection']) {
    log(name);
    const args = [__filename, ...process.argv.slice(2), '--config', name];
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', ...args], { encoding: 'utf8', stdio: 'pipe' });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    results[name] = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    log(JSON.stringify(results[name]));
  }
  const out = {
    benchmark: 'expert-residency',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, load_average_1m: round(loadavg()[0], 1), threads: Number(values.threads) },
    checkpoint: { dir, layers, q_lora_rank: qLoraRank, precision },
    malloc_mmap_threshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
    results,
  };
  const file = values.out ?? join(__dirname, 'results', 'expert-residency.json');
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:expert-residency failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
