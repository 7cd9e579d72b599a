// `npm run bench:engine`: the engine on a synthetic DeepSeek-V2-Lite-shaped BF16 checkpoint it writes itself.
// Side by side in one run: MoE decode (selected experts only) vs a dense baseline computing all 64 experts, resident
// memory after 64 tokens vs checkpoint size, latent-cache bytes per token vs standard multi-head attention, and the
// prefix cache's effect on time to first token. JSON to stdout and to bench/results/engine.json.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureGeneration, randomPrompt, round } from '../engine/runtime/benchmark';
import { loadModel } from '../engine/runtime/load-model';
import { peakRssBytes } from '../engine/runtime/resident';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint';

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
  },
});

const dirSize = (dir: string, filter: (f: string) => boolean = () => true) =>
  readdirSync(dir)
    .filter(filter)
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);

async function main() {
  const layers = Number(values.layers ?? 4);
  const vocab = Number(values.vocab ?? 32000);
  const threads = Number(values.threads ?? 2);
  const promptLen = Number(values.prompt ?? 64);
  const genTokens = Number(values.tokens ?? 64);
  const denseTokens = Number(values['dense-tokens'] ?? 16);
  const root = join(tmpdir(), 'switchyard-bench');
  const dir = values.dir ?? join(root, `v2lite-shaped-${layers}l-bf16`);
  const cacheDir = values['cache-dir'] ?? join(root, 'graphs');
  const log = (s: string) => process.stderr.write(`[bench:engine] ${s}\n`);

  let t = performance.now();
  const { built } = writeSyntheticCheckpoint(dir, layers, vocab);
  const writeS = (performance.now() - t) / 1000;
  log(`checkpoint ${built ? 'written' : 'reused'} (${writeS.toFixed(1)} s): ${dir}`);
  const checkpointBytes = dirSize(dir, (f) => f.endsWith('.safetensors'));

  t = performance.now();
  let model = await loadModel(dir, { threads, cacheDir });
  const firstLoadS = (performance.now() - t) / 1000;
  await model.dispose();
  t = performance.now();
  model = await loadModel(dir, { threads, cacheDir });
  const cachedLoadS = (performance.now() - t) / 1000;
  log(`load: first ${firstLoadS.toFixed(1)} s, from the graph cache ${cachedLoadS.toFixed(1)} s`);
  const cfg = model.cfg;
  const graphDir = readdirSync(cacheDir).map((d) => join(cacheDir, d)).find((d) => d.includes(dir.split('/').pop() as string)) as string;
  const routedBytes = dirSize(graphDir, (f) => f.endsWith('.routed-experts.bin'));
  const graphBytes = dirSize(graphDir, (f) => f.endsWith('.bin'));

  // MoE: only the selected experts run
  const prompt = randomPrompt(promptLen, vocab, 7);
  log(`MoE: prompt ${promptLen}, ${genTokens} tokens`);
  const moe = await measureGeneration(model, prompt, genTokens);
  const rssAfter = process.memoryUsage().rss;

  // prefix cache: a request, then the same text with 8 more tokens; with and without reuse
  const prefixLen = Number(values.prefix ?? 256);
  const base = randomPrompt(prefixLen, vocab, 11);
  const extended = [...base, ...randomPrompt(8, vocab, 12)];
  model.clearPrefixCache();
  await measureGeneration(model, base, 1, { usePrefixCache: true });
  const withCache = await model.generate(extended, { maxTokens: 1, ignoreEos: true });
  const withoutCache = await model.generate(extended, { maxTokens: 1, ignoreEos: true, usePrefixCache: false });
  log(`prefix cache: ${withCache.stats.timeToFirstTokenMs.toFixed(0)} ms vs ${withoutCache.stats.timeToFirstTokenMs.toFixed(0)} ms`);
  await model.dispose();

  // dense baseline: every routed expert on every token (same outputs, weights 0 for unselected experts)
  log(`dense baseline: ${denseTokens} tokens`);
  const dense = await loadModel(dir, { threads, cacheDir, computeAllExperts: true });
  const denseRun = await measureGeneration(dense, prompt, denseTokens);
  await dense.dispose();
  const sameTokens = denseRun.tokens.every((tok, i) => tok === moe.tokens[i]);

  const H = cfg.num_attention_heads;
  const mlaBytes = cfg.num_hidden_layers * (cfg.kv_lora_rank + cfg.qk_rope_head_dim) * 4;
  const mhaBytes = cfg.num_hidden_layers * H * (cfg.qk_nope_head_dim + cfg.qk_rope_head_dim + cfg.v_head_dim) * 4;
  const result = {
    benchmark: 'engine',
    date: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, threads, node: process.version },
    checkpoint: {
      shape: `DeepSeek-V2-Lite (hidden ${cfg.hidden_size}, ${layers} layers, ${cfg.n_routed_experts} routed + ${cfg.n_shared_experts} shared experts of ${cfg.moe_intermediate_size}, top-${cfg.num_experts_per_tok}, kv_lora ${cfg.kv_lora_rank}, vocab ${vocab})`,
      parameters: model.info.parameters,
      dtype: 'BF16',
      bytes: checkpointBytes,
      write_s: round(writeS, 1),
    },
    load: { first_s: round(firstLoadS, 1), from_graph_cache_s: round(cachedLoadS, 2), graph_weight_bytes: graphBytes, precision: 'f32' },
    decode: {
      prompt_tokens: promptLen,
      moe_tokens_per_s: moe.decode_tokens_per_s,
      dense_all_experts_tokens_per_s: denseRun.decode_tokens_per_s,
      moe_speedup: round(moe.decode_tokens_per_s / denseRun.decode_tokens_per_s, 2),
      same_greedy_tokens: sameTokens,
      moe_prefill_tokens_per_s: moe.prefill_tokens_per_s,
      dense_prefill_tokens_per_s: denseRun.prefill_tokens_per_s,
      moe_time_to_first_token_ms: moe.time_to_first_token_ms,
    },
    memory_after_generation: {
      generated_tokens: moe.generated_tokens,
      resident_routed_expert_bytes: moe.resident_expert_bytes,
      routed_expert_bytes: routedBytes,
      resident_fraction_of_routed_experts: round(moe.resident_expert_bytes / routedBytes),
      rss_bytes: rssAfter,
      checkpoint_bytes: checkpointBytes,
      rss_over_checkpoint: round(rssAfter / checkpointBytes),
      peak_rss_bytes: peakRssBytes(),
    },
    latent_cache: {
      mla_bytes_per_token: mlaBytes,
      mha_bytes_per_token: mhaBytes,
      ratio_mha_over_mla: round(mhaBytes / mlaBytes, 2),
      note: 'float32 entries, all layers: MLA caches kv_lora_rank + qk_rope_head_dim per layer; MHA would cache per head K (nope + rope) and V',
    },
    prefix_cache: {
      prompt_tokens: extended.length,
      reused_tokens: withCache.stats.reusedTokens,
      time_to_first_token_ms_with_cache: round(withCache.stats.timeToFirstTokenMs),
      time_to_first_token_ms_without_cache: round(withoutCache.stats.timeToFirstTokenMs),
      speedup: round(withoutCache.stats.timeToFirstTokenMs / withCache.stats.timeToFirstTokenMs, 2),
    },
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
