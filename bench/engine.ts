// `npm run bench:engine`: the engine on a synthetic DeepSeek-V2-Lite-shaped BF16 checkpoint it writes itself.
// Side by side in one run: llama.cpp on the same weights as GGUF at the matching precision (F32, every matrix Q8_0,
// every matrix Q4_0), interleaved runs on the same prompt ids, medians and ratios (--runs N, default 3; --no-llama
// skips it; llama.cpp reads the V2-Lite layout only at 27 layers, so use --layers 27 or --q-lora-rank R); --shape full
// is the full-depth model at int4 (see SHAPES), first load (a fresh build, --fresh), cached load, graph-cache bytes
// and RSS beside llama.cpp's; MoE decode (selected experts only) vs a dense baseline computing all 64 experts, resident
// memory after 1 and 64 tokens vs checkpoint size, f32 vs int8 / int4 (every matrix; speed, logits deviation), latent-cache
// bytes per token vs standard multi-head attention, and the prefix cache's effect on time to first token.
// JSON to stdout and to bench/results/engine.json. The first run writes the checkpoint (~4 GB) and its graphs (~8 GB
// per precision) under the temp folder; later runs reuse them.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureGeneration, randomPrompt, round } from '../engine/runtime/benchmark';
import type { ModelConfig } from '../engine/checkpoint/config';
import type { WeightPrecision } from '../engine/protocol';
import { type DeepseekLoadedModel, loadModel } from '../engine/runtime/load-model';
import { argmax } from '../engine/runtime/sampling';
import { peakRssBytes } from '../engine/runtime/resident';
import { ggufOf, GGUF_FOR, llamaCppRefuses, llamaRun, median, type PeerRun } from './llama-side-by-side';
import { allExperts } from './dense-experts';
import {
  BENCH_GRAPH_CACHE,
  BENCH_ROOT,
  syntheticCheckpointDir,
  writeSyntheticCheckpoint,
} from './synthetic-checkpoint';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    'cache-dir': { type: 'string' },
    out: { type: 'string' },
    layers: { type: 'string' },
    vocab: { type: 'string' },
    threads: { type: 'string' },
    prompt: { type: 'string' },
    tokens: { type: 'string' },
    'dense-tokens': { type: 'string' },
    prefix: { type: 'string' },
    precisions: { type: 'string' },
    'q-lora-rank': { type: 'string' },
    runs: { type: 'string' },
    llama: { type: 'boolean', default: true },
    shape: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    dense: { type: 'boolean' },
  },
  allowNegative: true,
});

/** A request, then the same prompt with 8 more tokens (one more line typed): time to first token with and without reuse. */
async function measurePrefixCache(
  model: DeepseekLoadedModel,
  vocab: number,
  prefixLen: number,
): Promise<Record<string, unknown>> {
  const base = randomPrompt(prefixLen, vocab, 11);
  const extended = [...base, ...randomPrompt(8, vocab, 12)];
  model.clearPrefixCache();
  await measureGeneration(model, base, 1, { usePrefixCache: true });
  const withCache = await model.generate(extended, { maxTokens: 1, ignoreEos: true });
  const withoutCache = await model.generate(extended, { maxTokens: 1, ignoreEos: true, usePrefixCache: false });
  return {
    prompt_tokens: extended.length,
    reused_tokens: withCache.stats.reusedTokens,
    time_to_first_token_ms_with_cache: round(withCache.stats.timeToFirstTokenMs),
    time_to_first_token_ms_without_cache: round(withoutCache.stats.timeToFirstTokenMs),
    speedup: round(withoutCache.stats.timeToFirstTokenMs / withCache.stats.timeToFirstTokenMs, 2),
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const dirSize = (dir: string, filter: (f: string) => boolean = () => true) =>
  readdirSync(dir)
    .filter(filter)
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);

/**
 * `--shape full`: DeepSeek-Coder-V2-Lite at full depth (27 layers, the first dense, 15.4B parameters with the 32k
 * vocabulary; ~31 GB of BF16, ~8.5 GB of int4 graphs, ~8.7 GB of Q4_0 GGUF), at int4 against all-Q4_0, a 64-token
 * prompt and 32 tokens, one run, a fresh graph build (first load is a build), no float32 dense baseline (its graphs
 * would take ~62 GB). Each default gives way to its flag.
 */
const SHAPES: Record<string, Record<string, string | boolean>> = {
  full: { layers: '27', precisions: 'int4', prompt: '64', tokens: '32', runs: '1', fresh: true, dense: false },
};

/** The full shape's checkpoint, int4 graphs and Q4_0 GGUF together. */
const FULL_SHAPE_DISK_BYTES = (31 + 8.5 + 8.7) * 1e9;

/** Fails before writing tens of GB into a disk that cannot hold them (a full disk fails everyone on the machine). */
function needDisk(dir: string, bytes: number, log: (s: string) => void): void {
  mkdirSync(dir, { recursive: true });
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  log(`disk: ${(free / 1e9).toFixed(1)} GB free under ${dir}, the full shape needs ${(bytes / 1e9).toFixed(1)} GB`);
  if (free < bytes)
    throw new Error(
      `${dir}: ${(free / 1e9).toFixed(1)} GB free, the full shape needs ${(bytes / 1e9).toFixed(1)} GB (checkpoint, graphs, GGUF)`,
    );
}

async function main() {
  const preset = values.shape === undefined ? {} : SHAPES[values.shape];
  if (!preset) throw new Error(`--shape ${values.shape}: known shapes are ${Object.keys(SHAPES).join(', ')}`);
  const opt = (name: keyof typeof values) => (values[name] ?? preset[name]) as string | undefined;
  const layers = Number(opt('layers') ?? 4);
  const vocab = Number(values.vocab ?? 32000);
  const threads = Number(values.threads ?? 2);
  const promptLen = Number(opt('prompt') ?? 64);
  const genTokens = Number(opt('tokens') ?? 64);
  const denseTokens = Number(values['dense-tokens'] ?? 16);
  const prefixLen = Number(values.prefix ?? 256);
  const precisions = (opt('precisions') ?? 'f32,int8').split(',') as WeightPrecision[];
  const qLoraRank = Number(values['q-lora-rank'] ?? 0);
  const runs = Number(opt('runs') ?? 3);
  // the default shape's first load may reuse an earlier run's graphs; --fresh (and --shape full) removes them first
  const fresh = values.fresh || preset.fresh === true;
  const denseBaseline = values.dense ?? preset.dense !== false;
  const dir = values.dir ?? syntheticCheckpointDir(layers, qLoraRank);
  const cacheDir = values['cache-dir'] ?? BENCH_GRAPH_CACHE;
  const log = (s: string) => process.stderr.write(`[bench:engine] ${s}\n`);

  if (preset.layers && !existsSync(join(dir, '.complete'))) needDisk(BENCH_ROOT, FULL_SHAPE_DISK_BYTES, log);
  let t = performance.now();
  const { built } = writeSyntheticCheckpoint(dir, layers, vocab, qLoraRank);
  const writeS = (performance.now() - t) / 1000;
  log(`checkpoint ${built ? 'written' : 'reused'} (${writeS.toFixed(1)} s): ${dir}`);
  const checkpointBytes = dirSize(dir, (f) => f.endsWith('.safetensors'));
  const prompt = randomPrompt(promptLen, vocab, 7);
  const probe = randomPrompt(16, vocab, 5);

  const perPrecision: Record<string, Record<string, unknown>> = {};
  let f32Probe: Float32Array[] | undefined;
  let f32Tokens: number[] = [];
  let prefix: Record<string, unknown> = {};
  let cfg: ModelConfig | undefined;
  let parameters = 0;
  const graphDirOf = (precision: WeightPrecision) =>
    existsSync(cacheDir)
      ? readdirSync(cacheDir)
          .map((d) => join(cacheDir, d))
          .find((d) => d.includes(`${basename(dir)}-${precision}-`) && !d.includes('.tmp-'))
      : undefined;
  for (const precision of precisions) {
    const stale = graphDirOf(precision);
    if (fresh && stale) rmSync(stale, { recursive: true, force: true });
    const built = !graphDirOf(precision);
    t = performance.now();
    const cpu = process.cpuUsage(); // the quantize workers' time included (threads of this process)
    let model = await loadModel(dir, { threads, cacheDir, precision });
    const firstLoadS = (performance.now() - t) / 1000;
    const firstLoadCpu = process.cpuUsage(cpu);
    const firstLoadPeakRss = peakRssBytes();
    await model.dispose();
    t = performance.now();
    model = await loadModel(dir, { threads, cacheDir, precision });
    const cachedLoadS = (performance.now() - t) / 1000;
    cfg = model.cfg;
    parameters = model.info.parameters;
    log(
      `${precision}: load ${firstLoadS.toFixed(1)} s (${built ? 'a build' : 'graphs reused'}), from the graph cache ${cachedLoadS.toFixed(1)} s`,
    );
    const graphDir = graphDirOf(precision) as string;
    const routedBytes = dirSize(graphDir, (f) => /\.routed-experts-g\d+\.bin$/.test(f));
    // one token in, one out: only the experts those two tokens chose are paged in
    const first = await measureGeneration(model, [prompt[0]], 1);
    log(`${precision}: MoE decode, prompt ${promptLen}, ${genTokens} tokens`);
    const moe = await measureGeneration(model, prompt, genTokens);
    const probeLogits = (await model.forward(probe)).logits;
    const refuses = values.llama ? llamaCppRefuses(model.cfg) : 'not asked for (--no-llama)';
    let llamaCpp: Record<string, unknown> = { skipped: refuses };
    if (!refuses) {
      // interleaved: engine, llama.cpp, engine, llama.cpp, ... on the same prompt ids, greedy
      const gguf = ggufOf(dir, precision, log);
      const engineRuns = [moe];
      const peerRuns: PeerRun[] = [];
      for (let r = 0; r < runs; r++) {
        log(`${precision}: run ${r + 1}/${runs}: the engine, then llama.cpp ${GGUF_FOR[precision]}`);
        if (r > 0) engineRuns.push(await measureGeneration(model, prompt, genTokens)); // run 1's is the measurement above
        peerRuns.push(llamaRun(gguf.file, prompt, genTokens, threads));
      }
      const e = {
        decode: median(engineRuns.map((m) => m.decode_tokens_per_s)),
        prefill: median(engineRuns.map((m) => m.prefill_tokens_per_s)),
      };
      const l = {
        decode: median(peerRuns.map((m) => m.decode_tokens_per_s)),
        prefill: median(peerRuns.map((m) => m.prefill_tokens_per_s)),
      };
      const sameTokens = peerRuns[0].tokens.filter((tok, i) => tok === moe.tokens[i]).length;
      llamaCpp = {
        gguf: GGUF_FOR[precision],
        gguf_bytes: gguf.bytes,
        ...(gguf.write_s !== undefined ? { gguf_write_s: gguf.write_s } : {}),
        runs,
        engine_decode_tokens_per_s_median: round(e.decode, 1),
        engine_prefill_tokens_per_s_median: round(e.prefill, 1),
        llama_decode_tokens_per_s_median: round(l.decode, 1),
        llama_prefill_tokens_per_s_median: round(l.prefill, 1),
        decode_ratio_engine_over_llama: round(e.decode / l.decode, 2),
        prefill_ratio_engine_over_llama: round(e.prefill / l.prefill, 2),
        llama_peak_rss_bytes: median(peerRuns.map((m) => m.peak_rss_bytes)),
        greedy_tokens_equal_before_first_difference:
          sameTokens === genTokens ? genTokens : peerRuns[0].tokens.findIndex((tok, i) => tok !== moe.tokens[i]),
      };
      log(`${precision} vs llama.cpp ${GGUF_FOR[precision]}: ${JSON.stringify(llamaCpp)}`);
    }
    const row: Record<string, unknown> = {
      load_first_s: round(firstLoadS, 1),
      load_first_built_graphs: built,
      load_first_cpu_s: round((firstLoadCpu.user + firstLoadCpu.system) / 1e6, 1),
      peak_rss_bytes_after_first_load: firstLoadPeakRss,
      load_from_graph_cache_s: round(cachedLoadS, 2),
      graph_cache_bytes: dirSize(graphDir),
      graph_weight_bytes: dirSize(graphDir, (f) => f.endsWith('.bin')),
      routed_expert_bytes: routedBytes,
      decode_tokens_per_s: moe.decode_tokens_per_s,
      prefill_tokens_per_s: moe.prefill_tokens_per_s,
      time_to_first_token_ms: moe.time_to_first_token_ms,
      resident_routed_expert_bytes_after_first_token: first.resident_expert_bytes,
      resident_routed_expert_bytes_after_generation: moe.resident_expert_bytes,
      resident_fraction_after_generation: round(moe.resident_expert_bytes / routedBytes),
      rss_bytes_after_generation: moe.rss_bytes,
      rss_over_checkpoint_bytes: round(moe.rss_bytes / checkpointBytes),
      llama_cpp: llamaCpp,
    };
    if (precision === 'f32') {
      f32Probe = probeLogits;
      f32Tokens = moe.tokens;
      prefix = await measurePrefixCache(model, vocab, prefixLen);
      log(`prefix cache: ${JSON.stringify(prefix)}`);
    } else if (f32Probe) {
      const ref = f32Probe;
      row.max_abs_logit_deviation_vs_f32 = round(Math.max(...probeLogits.map((r, i) => maxAbsDiff(r, ref[i]))), 4);
      row.argmax_agreement_vs_f32 = round(
        probeLogits.filter((r, i) => argmax(r) === argmax(ref[i])).length / probe.length,
      );
    }
    perPrecision[precision] = row;
    await model.dispose();
  }
  if (!cfg) throw new Error('no precision measured');

  // dense baseline: every routed expert on every token (same outputs, weights 0 for unselected experts); float32
  let denseRun: Awaited<ReturnType<typeof measureGeneration>> | undefined;
  if (denseBaseline) {
    log(`dense baseline: ${denseTokens} tokens`);
    const dense = await loadModel(dir, { threads, cacheDir, expertDispatch: allExperts });
    denseRun = await measureGeneration(dense, prompt, denseTokens);
    await dense.dispose();
  }
  const moeF32 = perPrecision.f32;

  const H = cfg.num_attention_heads;
  const mlaBytes = cfg.num_hidden_layers * (cfg.kv_lora_rank + cfg.qk_rope_head_dim) * 4;
  const mhaBytes = cfg.num_hidden_layers * H * (cfg.qk_nope_head_dim + cfg.qk_rope_head_dim + cfg.v_head_dim) * 4;
  const result = {
    benchmark: 'engine',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, load_average_1m: round(loadavg()[0], 1), threads, node: process.version },
    checkpoint: {
      shape: `DeepSeek-V2-Lite (hidden ${cfg.hidden_size}, ${layers} layers, ${cfg.n_routed_experts} routed + ${cfg.n_shared_experts} shared experts of ${cfg.moe_intermediate_size}, top-${cfg.num_experts_per_tok}, kv_lora ${cfg.kv_lora_rank}, vocab ${vocab})`,
      parameters,
      dtype: 'BF16',
      bytes: checkpointBytes,
      write_s: round(writeS, 1),
    },
    decode_f32: moeF32 &&
      denseRun && {
        prompt_tokens: promptLen,
        moe_tokens_per_s: moeF32.decode_tokens_per_s,
        dense_all_experts_tokens_per_s: denseRun.decode_tokens_per_s,
        moe_speedup: round((moeF32.decode_tokens_per_s as number) / denseRun.decode_tokens_per_s, 2),
        same_greedy_tokens: denseRun.tokens.every((tok, i) => tok === f32Tokens[i]),
        moe_prefill_tokens_per_s: moeF32.prefill_tokens_per_s,
        dense_prefill_tokens_per_s: denseRun.prefill_tokens_per_s,
      },
    precisions: perPrecision,
    peak_rss_bytes: peakRssBytes(),
    latent_cache: {
      mla_bytes_per_token: mlaBytes,
      mha_bytes_per_token: mhaBytes,
      ratio_mha_over_mla: round(mhaBytes / mlaBytes, 2),
      note: 'float32 entries, all layers: MLA caches kv_lora_rank + qk_rope_head_dim per layer; MHA would cache per head K (nope + rope) and V',
    },
    prefix_cache: prefix,
  };
  const out = values.out ?? join(__dirname, 'results', 'engine.json');
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:engine failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
