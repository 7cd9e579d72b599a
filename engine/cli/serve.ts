// `npm run -s engine -- serve --model DIR [--host 127.0.0.1] [--port 8012] [--api-key-file F]`: the engine as an
// OpenAI-compatible server on loopback, for tools that already speak that API.
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelLoadParams } from '../protocol';
import { isLoopbackHost } from '../openai/server/loopback';
import { OpenAIServer } from '../openai/server/server';
import { noTokenizer } from '../checkpoint/tokenizer';
import { loadModel } from '../runtime/load-model';
import { EngineService } from '../service/engine-service';
import { CliError } from './errors';
import { cacheLimit, memoryBudget } from './model-options';

const USAGE = `usage: npm run -s engine -- serve --model DIR [--host 127.0.0.1] [--port 8012] [--api-key-file F]
                                  [--allow-origin URL]... [--model-id NAME] [--queue 8] [--threads N] [--precision auto]
                                  [--cache-dir DIR] [--cache-limit 32GiB] [--memory-budget SIZE]

  --model DIR     checkpoint folder (config.json, *.safetensors, tokenizer.json) or a deepseek2 .gguf file
  --host H        address to bind (default 127.0.0.1: this machine only)
  --port P        TCP port (default 8012; 0 picks a free one)
  --api-key-file F  require "Authorization: Bearer K" on every /v1 request, K being the file's first line
                  (or set SWITCHYARD_API_KEY; --api-key K works too, but shows K to anyone who can list processes)
  --allow-origin URL  a browser origin (e.g. http://localhost:3000) allowed to call the server; none by default
  --model-id ID   the name clients send as "model" (default: the folder's name)
  --queue N       requests that may wait behind the one running; more get HTTP 503 (default 8)
  --threads N     onnxruntime intra-op threads
  --precision P   auto (default: float32 for small models, else int8 experts when they fit a third of memory,
                  else int4), f32, int8 or int4
  --cache-dir DIR   where the model's graphs are cached (default $XDG_CACHE_HOME/switchyard/graphs)
  --cache-limit S   trim the graph cache to S after loading, least recently used first: bytes, or 20GB, 512MiB,
                  20G (default 32GiB; models in use by a running engine are kept)
  --memory-budget SIZE  bytes the model's weights may keep resident (e.g. 4GB, 6GiB): the dense part plus the
                  routed experts used most recently (default: 3/4 of the memory available at load)
`;

function integer(value: string | undefined, name: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

/** The key from --api-key-file, --api-key or SWITCHYARD_API_KEY (in that order); an empty key is an error. */
function readApiKey(
  flag: string | undefined,
  file: string | undefined,
  log: (line: string) => void,
): string | undefined {
  let key: string | undefined;
  let from: string;
  if (file !== undefined) {
    try {
      key = readFileSync(file, 'utf8').split(/\r?\n/)[0].trim();
    } catch (err) {
      throw new CliError(`--api-key-file ${file}: ${(err as Error).message}`);
    }
    from = `--api-key-file ${file}`;
  } else if (flag !== undefined) {
    log(
      'warning: --api-key shows the key to anyone who can list processes: prefer --api-key-file or SWITCHYARD_API_KEY',
    );
    key = flag.trim();
    from = '--api-key';
  } else {
    key = process.env.SWITCHYARD_API_KEY?.trim();
    from = 'SWITCHYARD_API_KEY';
  }
  if (key === '') throw new CliError(`the API key from ${from} is empty: give a key, or none to serve without one`);
  return key;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string' },
        'api-key': { type: 'string' },
        'api-key-file': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'model-id': { type: 'string' },
        queue: { type: 'string' },
        threads: { type: 'string' },
        precision: { type: 'string', default: 'auto' },
        'cache-dir': { type: 'string' },
        'cache-limit': { type: 'string' },
        'memory-budget': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.model) throw new CliError(`serve needs --model DIR\n${USAGE}`);
  const port = integer(values.port, 'port', 0, 8012);
  if (port > 65535) throw new CliError(`--port must be at most 65535, got ${port}`);
  const queue = integer(values.queue, 'queue', 0, 8);
  const threads = integer(values.threads, 'threads', 1, 0) || undefined;
  const host = values.host ?? '127.0.0.1';
  const log = (line: string) => process.stderr.write(`[serve ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
  const apiKey = readApiKey(values['api-key'], values['api-key-file'], log);
  if (!isLoopbackHost(host) && !apiKey) {
    log(`warning: listening on ${host} without --api-key: anyone who can reach this address can use the model`);
  }

  const dir = resolve(values.model);
  const cacheLimitBytes = cacheLimit(values['cache-limit']);
  const service = new EngineService({ loadModel, threads, cacheDir: values['cache-dir'], cacheLimitBytes });
  const started = Date.now();
  const precision = values.precision ?? 'auto';
  if (!['auto', 'f32', 'int8', 'int4'].includes(precision))
    throw new CliError(`--precision must be auto, f32, int8 or int4, got '${precision}'`);
  let quarter = 0;
  const info = await service.loadModel(
    {
      path: dir,
      precision: precision as ModelLoadParams['precision'],
      memoryBudgetBytes: memoryBudget(values['memory-budget']),
    },
    (done, total) => {
      // a checkpoint's first load builds its graphs (minutes for a real one): say so every quarter
      const q = Math.floor((4 * done) / total);
      if (q > quarter || done === 1) log(`building graphs (first load only): ${done} of ${total}`);
      quarter = Math.max(quarter, q);
    },
  );
  const modelId = values['model-id'] ?? basename(dir);
  log(
    `loaded ${info.name} (${info.modelType}, ${info.parameters} parameters, ${info.precision}) in ${Date.now() - started} ms`,
  );
  if (!info.hasTokenizer) log(`warning: ${noTokenizer(dir)}: text requests will fail`);

  const server = new OpenAIServer(service, { modelId, apiKey, queue, log, allowOrigins: values['allow-origin'] });
  let address;
  try {
    address = await server.listen(port, host);
  } catch (err) {
    await service.dispose();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(`port ${port} on ${host} is already in use: pick another with --port`);
    throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  const { url } = address;
  // The one stdout line: tools (and the extension) read the address from it.
  process.stdout.write(`${JSON.stringify({ url, model: modelId, auth: apiKey !== undefined })}\n`);
  log(`serving '${modelId}' at ${url}${apiKey ? ' (bearer key required)' : ''}`);

  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      log(`${signal}: closing`);
      void server
        .close()
        .then(() => service.dispose())
        .finally(done);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
