// npm run bench:completion: replays a typing session (bench/sessions/*.json, a real source file typed back key by key
// in real time) through the inline-completion pipeline (src/completion/pipeline.ts, the code the VS Code provider
// runs) and the real engine subprocess, the way VS Code drives a provider: every keystroke triggers it and cancels the
// previous trigger. Two configurations run side by side on the same session and engine:
//   switchyard: adaptive debounce + cache with type-ahead + cancellation of superseded requests (the product);
//   per-keystroke: no debounce, no cache (what a naive provider does).
// Prints JSON: requests sent vs keystrokes, cache hit rate, p50/p95 from the last keystroke to a suggestion, and why
// the engine's answers ended (each rule of the stop pipeline by name: how often the block ended, the repetition guard
// fired, …).
// Options: --session FILE, --model DIR (default: engine/models/default, else the v3-tiny fixture with the
// made-up tokenizer), --keys N (replay only the first N keys), --out FILE.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { CompleteRequest } from '../engine/protocol';
import { CompletionPipeline, CompletionSettings } from '../src/completion/pipeline';
import { EngineSupervisor } from '../src/engine/supervisor';
import { CHATML_TEMPLATE, CODE_MERGES, writeMadeUpTokenizer } from '../test/helpers/made-up-tokenizer';
import type { TypingSession } from './make-session';

const ROOT = path.resolve(__dirname, '..');
/** the product's default `switchyard.completion.debounceMs`, so the benchmark runs what users get */
const DEFAULT_DEBOUNCE_MS: number = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).contributes
  .configuration.properties['switchyard.completion.debounceMs'].default;

interface RunResult {
  config: string;
  keystrokes: number;
  providerCalls: number;
  requestsSent: number;
  requestsPerKeystroke: number;
  cancelledRequests: number;
  debouncedTriggers: number;
  cacheHits: { exact: number; typeAhead: number; rate: number };
  /** engine or cache answers that arrived for the newest keystroke (possibly empty after the stop rules) */
  answers: number;
  suggestionsShown: number;
  /** suggestions whose first characters are what the user typed next (would have been accepted) */
  suggestionsMatchingNextKeys: number;
  /** last keystroke -> answer (suggestion or nothing to show) */
  answerLatencyMs: Latency;
  /** last keystroke -> a non-empty suggestion */
  suggestionLatencyMs: Latency;
  errors: number;
  /**
   * why the engine's answers ended: the model (`eos`, `length`), the time budget (`time`), or the rule of the engine's
   * stop pipeline that cut them (`block`, `lines`, `stop`, `suffix`; `repetition`: the repetition guard cut or dropped
   * the suggestion)
   */
  stopReasons: Record<string, number>;
}

interface Latency {
  p50: number | null;
  p95: number | null;
  mean: number | null;
  n: number;
}

function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x: number) => +x.toFixed(1);
  if (sorted.length === 0) return { p50: null, p95: null, mean: null, n: 0 };
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    n: sorted.length,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replay(
  name: string,
  session: TypingSession,
  keys: number,
  pipeline: CompletionPipeline,
): Promise<RunResult> {
  const before = session.text.slice(0, session.start);
  const after = session.text.slice(session.start + session.typed.length);
  const answerLatencies: number[] = [];
  const latencies: number[] = [];
  let shown = 0;
  let matching = 0;
  const stopReasons: Record<string, number> = {};
  let current: CancellationTokenSource | undefined;
  const pending: Promise<void>[] = [];
  let keyAt = 0;
  for (let k = 0; k < keys; k++) {
    await sleep(session.gapsMs[k]);
    const typed = session.typed.slice(0, k + 1);
    keyAt = performance.now();
    const thisKeyAt = keyAt;
    pipeline.recordKeystroke(Date.now());
    current?.cancel(); // VS Code cancels the previous provider call on the next keystroke
    const cts = new CancellationTokenSource();
    current = cts;
    const nextText = session.typed.slice(k + 1);
    pending.push(
      pipeline
        .suggest(
          {
            text: before + typed + after,
            offset: before.length + typed.length,
            languageId: session.languageId,
            filePath: session.file,
          },
          cts.token,
        )
        .then((s) => {
          if (s?.result) stopReasons[s.result.stopReason] = (stopReasons[s.result.stopReason] ?? 0) + 1;
          if (!s || cts.token.isCancellationRequested || thisKeyAt !== keyAt) return; // superseded: never shown
          answerLatencies.push(performance.now() - thisKeyAt);
          if (!s.text) return;
          latencies.push(performance.now() - thisKeyAt);
          shown++;
          const probe = Math.min(3, nextText.length, s.text.length);
          if (probe > 0 && s.text.slice(0, probe) === nextText.slice(0, probe)) matching++;
        })
        .catch(() => undefined),
    );
  }
  await Promise.all(pending);
  const c = pipeline.counters;
  const hits = c.exactHits + c.typeAheadHits;
  return {
    config: name,
    keystrokes: keys,
    providerCalls: c.triggers,
    requestsSent: c.requests,
    requestsPerKeystroke: +(c.requests / keys).toFixed(3),
    cancelledRequests: c.cancelled,
    debouncedTriggers: c.debounced,
    cacheHits: { exact: c.exactHits, typeAhead: c.typeAheadHits, rate: +(hits / Math.max(1, c.triggers)).toFixed(3) },
    answers: answerLatencies.length,
    suggestionsShown: shown,
    suggestionsMatchingNextKeys: matching,
    answerLatencyMs: latency(answerLatencies),
    suggestionLatencyMs: latency(latencies),
    errors: c.errors,
    stopReasons,
  };
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : +(a / b).toFixed(2);
}

function defaultModel(): string {
  const bundled = path.join(ROOT, 'engine/models/default');
  if (fs.existsSync(path.join(bundled, 'tokenizer.json'))) return bundled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-model-'));
  for (const f of ['config.json', 'model.safetensors'])
    fs.copyFileSync(path.join(ROOT, 'test/fixtures/deepseek/v3-tiny', f), path.join(dir, f));
  writeMadeUpTokenizer(dir, { family: 'qwen', merges: CODE_MERGES, chatTemplate: CHATML_TEMPLATE });
  return dir;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      session: { type: 'string', default: path.join(ROOT, 'bench/sessions/typescript-cache.json') },
      model: { type: 'string' },
      keys: { type: 'string' },
      out: { type: 'string', default: path.join(ROOT, 'bench-results/completion.json') },
      threads: { type: 'string', default: '1' },
    },
  });
  const session = JSON.parse(fs.readFileSync(values.session!, 'utf8')) as TypingSession;
  const keys = Math.min(session.typed.length, values.keys ? Number(values.keys) : session.typed.length);
  const model = values.model ?? defaultModel();
  const enginePath = path.join(ROOT, 'dist/engine.js');
  if (!fs.existsSync(enginePath)) throw new Error('dist/engine.js is missing: run `node esbuild.js` first');

  const engine = new EngineSupervisor(
    () => ({ spawn: { enginePath, onStderrLine: () => undefined }, modelPath: model, threads: Number(values.threads) }),
    () => undefined,
  );
  try {
    await engine.start();
    const complete = (p: Parameters<typeof engine.request>[1], t: CancellationTokenSource['token']) =>
      engine.request(CompleteRequest, p as never, t) as never;
    const base: CompletionSettings = {
      maxLines: 4,
      maxTokens: 32,
      debounceMinMs: DEFAULT_DEBOUNCE_MS,
      debounceMaxMs: 400,
      window: { maxPrefixChars: 6000, maxSuffixChars: 2000 },
      routing: { domain: 'code', strength: 1 },
      timeBudgetMs: 3000,
    };
    // Warm-up: graphs built and the prefix of the file cached once, outside the measurement, for both configurations.
    await new CompletionPipeline(complete, base).suggest(
      { text: session.text, offset: session.start, languageId: session.languageId },
      new CancellationTokenSource().token,
    );

    const product = await replay('switchyard', session, keys, new CompletionPipeline(complete, base));
    const naivePipeline = new CompletionPipeline(complete, { ...base, debounceMinMs: 0, debounceMaxMs: 0 });
    // no cache: every trigger misses
    naivePipeline.cache.get = () => undefined;
    const naive = await replay('per-keystroke', session, keys, naivePipeline);

    const report = {
      bench: 'completion',
      session: {
        file: session.file,
        note: session.note,
        keystrokes: keys,
        seconds: +(session.gapsMs.slice(0, keys).reduce((a, b) => a + b, 0) / 1000).toFixed(1),
      },
      model: {
        path: path.relative(ROOT, model) || model,
        name: engine.model?.name,
        parameters: engine.model?.parameters,
      },
      machine: { cpus: os.cpus().length, node: process.version, threads: Number(values.threads) },
      runs: [product, naive],
      ratios: {
        requestsSaved: +(1 - product.requestsSent / Math.max(1, naive.requestsSent)).toFixed(3),
        answerP50Speedup: ratio(naive.answerLatencyMs.p50, product.answerLatencyMs.p50),
        answerP95Speedup: ratio(naive.answerLatencyMs.p95, product.answerLatencyMs.p95),
      },
    };
    fs.mkdirSync(path.dirname(values.out!), { recursive: true });
    fs.writeFileSync(values.out!, JSON.stringify(report, null, 2) + '\n');
    console.log(JSON.stringify(report, null, 2));
    return 0;
  } finally {
    await engine.dispose();
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
