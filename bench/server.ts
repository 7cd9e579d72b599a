// `npm run bench:server`: what the OpenAI-compatible local server adds over calling the engine directly. The same
// checkpoint is loaded twice: in this process (direct calls to the engine service) and in an `engine serve` child
// process on loopback, reached over HTTP + SSE by the remote backend the extension uses. Interleaved in one run, the
// same chat requests in the same order go both ways (so both prefix caches see the same history). Reports time to
// first token and decode tokens/s side by side, then throughput with 4 concurrent HTTP clients against the same work
// done sequentially by direct calls. JSON to stdout and to bench/results/server.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChatMessage } from '../engine/protocol';
import { connectRemoteBackend } from '../engine/openai/client/remote-backend';
import { loadModel } from '../engine/runtime/load-model';
import { EngineService } from '../engine/service/engine-service';
import { LocalBackend } from '../engine/service/local-backend';
import { fixtureWithMadeUpTokenizer } from '../test/helpers/made-up-tokenizer';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    requests: { type: 'string' },
    tokens: { type: 'string' },
    clients: { type: 'string' },
    threads: { type: 'string' },
    out: { type: 'string' },
  },
});

const REQUESTS = Number(values.requests ?? 12);
const MAX_TOKENS = Number(values.tokens ?? 48);
const CLIENTS = Number(values.clients ?? 4);
const THREADS = Number(values.threads ?? 1);
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

interface Sample {
  ttftMs: number;
  decodeTokensPerS: number;
  totalMs: number;
  tokens: number;
}

/** One chat request timed from the caller's side: first delta, last delta, pieces received. */
async function timed(service: EngineService, messages: ChatMessage[]): Promise<Sample> {
  const start = performance.now();
  let first: number | undefined;
  let last = start;
  const result = await service.chat(
    { messages, maxTokens: MAX_TOKENS, temperature: 0, streamId: 'bench' },
    {
      onDelta: () => {
        last = performance.now();
        first ??= last;
      },
    },
  );
  const end = performance.now();
  const tokens = result.stats.generatedTokens;
  const decodeMs = last - (first ?? last);
  return {
    ttftMs: (first ?? end) - start,
    decodeTokensPerS: tokens > 1 && decodeMs > 0 ? ((tokens - 1) * 1000) / decodeMs : 0,
    totalMs: end - start,
    tokens,
  };
}

function summary(samples: Sample[]) {
  const sorted = (f: (s: Sample) => number) => samples.map(f).sort((a, b) => a - b);
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];
  return {
    requests: samples.length,
    generated_tokens_mean: round(samples.reduce((n, s) => n + s.tokens, 0) / samples.length, 1),
    time_to_first_token_ms_p50: round(median(sorted((s) => s.ttftMs))),
    time_to_first_token_ms_mean: round(samples.reduce((n, s) => n + s.ttftMs, 0) / samples.length),
    decode_tokens_per_s_p50: round(median(sorted((s) => s.decodeTokensPerS)), 1),
  };
}

const prompt = (i: number): ChatMessage[] => [{ role: 'user', content: `Request ${i}: x` }];

/** `engine serve` on a free loopback port; resolves with its base URL once it prints its address line. */
function startServer(dir: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(__dirname, '..', 'engine', 'cli.ts'),
      'serve',
      '--model',
      dir,
      '--port',
      '0',
      '--threads',
      String(THREADS),
      '--queue',
      '64',
      '--model-id',
      'bench',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stderr.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n'))
        resolve({
          url: (JSON.parse(out.slice(0, out.indexOf('\n'))) as { url: string }).url,
          stop: () => child.kill('SIGTERM'),
        });
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGTERM') reject(new Error(`engine serve exited with ${code}:\n${log}`));
    });
  });
}

async function main(): Promise<void> {
  const defaultModel = join(__dirname, '..', 'engine', 'models', 'default');
  const dir =
    values.model ??
    (existsSync(join(defaultModel, 'tokenizer.json')) ? defaultModel : fixtureWithMadeUpTokenizer({ family: 'none' }));
  const model = await loadModel(dir, { threads: THREADS });
  const direct = new EngineService();
  await direct.useBackend(new LocalBackend(model, dir));
  const server = await startServer(dir);
  const connect = async () => {
    const service = new EngineService();
    await service.useBackend(
      await connectRemoteBackend({ baseUrl: server.url, model: 'bench' }, new AbortController().signal),
    );
    return service;
  };
  const remote = await connect();

  // warm-up: graphs, JIT, sockets
  await timed(direct, prompt(-1));
  await timed(remote, prompt(-2));

  // Latency: the same prompt both ways, order alternating so drift in machine load hits both.
  const viaDirect: Sample[] = [];
  const viaServer: Sample[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const order: [EngineService, Sample[]][] =
      i % 2 === 0
        ? [
            [direct, viaDirect],
            [remote, viaServer],
          ]
        : [
            [remote, viaServer],
            [direct, viaDirect],
          ];
    for (const [service, into] of order) into.push(await timed(service, prompt(i)));
  }
  const d = summary(viaDirect);
  const s = summary(viaServer);

  // Throughput: CLIENTS concurrent HTTP clients, each its own connection, versus the same requests sequentially direct.
  const work = Array.from({ length: CLIENTS * 3 }, (_, i) => prompt(100 + i));
  let t = performance.now();
  let directTokens = 0;
  for (const m of work) directTokens += (await timed(direct, m)).tokens;
  const sequentialS = (performance.now() - t) / 1000;
  const clients = await Promise.all(Array.from({ length: CLIENTS }, connect));
  t = performance.now();
  const perClient = await Promise.all(
    clients.map(async (c, k) => {
      const mine: Sample[] = [];
      for (let j = k; j < work.length; j += CLIENTS) mine.push(await timed(c, work[j]));
      return mine;
    }),
  );
  const concurrentS = (performance.now() - t) / 1000;
  const concurrentSamples = perClient.flat();
  const concurrentTokens = concurrentSamples.reduce((n, x) => n + x.tokens, 0);
  const latencies = concurrentSamples.map((x) => x.totalMs).sort((a, b) => a - b);

  const report = {
    benchmark: 'server',
    model: { path: dir, name: model.info.name, parameters: model.info.parameters },
    setup:
      'direct = engine service in this process; server = `engine serve` child process on loopback, via the remote backend (HTTP + SSE)',
    machine: { cpus: cpus().length, load_average_1m: round(loadavg()[0], 1), threads: THREADS, node: process.version },
    settings: { requests_each_way: REQUESTS, max_tokens: MAX_TOKENS, temperature: 0 },
    latency: {
      direct: d,
      server: s,
      added_time_to_first_token_ms_p50: round(s.time_to_first_token_ms_p50 - d.time_to_first_token_ms_p50),
      decode_tokens_per_s_ratio_server_over_direct: round(s.decode_tokens_per_s_p50 / d.decode_tokens_per_s_p50, 3),
    },
    throughput: {
      clients: CLIENTS,
      requests: work.length,
      sequential_direct: {
        seconds: round(sequentialS),
        tokens: directTokens,
        tokens_per_s: round(directTokens / sequentialS, 1),
      },
      concurrent_server: {
        seconds: round(concurrentS),
        tokens: concurrentTokens,
        tokens_per_s: round(concurrentTokens / concurrentS, 1),
        requests_per_s: round(work.length / concurrentS),
        request_latency_ms_p50: round(latencies[Math.floor(latencies.length / 2)]),
        request_latency_ms_p95: round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))]),
      },
      ratio_concurrent_server_over_sequential_direct: round(
        concurrentTokens / concurrentS / (directTokens / sequentialS),
        3,
      ),
      note: 'the local engine runs one generation at a time; concurrent clients queue, so the ratio shows the serving overhead under load, not batching',
    },
  };
  const text = JSON.stringify(report, null, 2);
  process.stdout.write(`${text}\n`);
  const out = values.out ?? join(__dirname, 'results', 'server.json');
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${text}\n`);

  for (const c of clients) await c.dispose();
  await remote.dispose();
  server.stop();
  await direct.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
