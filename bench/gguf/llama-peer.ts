// llama.cpp as a peer, in a process of its own (a malformed GGUF aborts the process that loads it): node-llama-cpp's
// prebuilt CPU build, installed by test/setup/install-llama-cpp.sh into .cache/llama-cpp/. Prints one JSON line.
//   tsx bench/gguf/llama-peer.ts logits --model F.gguf --tokens 1,2,3 [--threads N]   -> {"logits": [[...], ...]}
//   tsx bench/gguf/llama-peer.ts bench --model F.gguf --tokens 1,2,3 --generate 64 [--runs 3] [--threads N]
//     -> {"load_s", "runs": [{"prefill_tokens_per_s", "decode_tokens_per_s", "tokens"}], "rss_bytes", "peak_rss_bytes"}
// Both with an F32 KV cache and flash attention off: llama.cpp's defaults (an F16 cache, CPU flash attention) cost ~1e-2
// against the reference logits, and the engine's latent cache is float32 too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(__dirname, '..', '..');
export const LLAMA_CPP_PACKAGE = join(ROOT, '.cache/llama-cpp/node_modules/node-llama-cpp/dist/index.js');

interface Sequence {
  evaluate(tokens: number[], options: { temperature: number }): AsyncGenerator<number, void, void>;
  clearHistory(): Promise<void>;
  controlledEvaluate(
    input: [number, { generateNext: { logits: true } }][],
  ): Promise<({ next?: { logits?: Map<number, number> } } | undefined)[]>;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      tokens: { type: 'string' },
      threads: { type: 'string', default: '2' },
      generate: { type: 'string', default: '64' },
      runs: { type: 'string', default: '1' },
    },
  });
  const command = positionals[0];
  if ((command !== 'logits' && command !== 'bench') || !values.model || !values.tokens) {
    throw new Error('usage: llama-peer.ts logits|bench --model F.gguf --tokens IDS');
  }
  const tokens = values.tokens.split(',').map(Number);
  const generate = command === 'bench' ? Number(values.generate) : 0;
  const loadStarted = performance.now();
  const { getLlama } = (await import(pathToFileURL(LLAMA_CPP_PACKAGE).href)) as {
    getLlama(
      o: object,
    ): Promise<{ loadModel(o: object): Promise<{ createContext(o: object): Promise<{ getSequence(): Sequence }> }> }>;
  };
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: values.model, gpuLayers: 0 });
  const context = await model.createContext({
    // room beyond the prompt: with the context exactly full, the last position's logits come out wrong
    contextSize: tokens.length + generate + 64,
    batchSize: tokens.length + 64,
    threads: Number(values.threads),
    flashAttention: false,
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
  });
  const sequence = context.getSequence();
  const loadS = (performance.now() - loadStarted) / 1000;
  if (command === 'bench') {
    const runs = [];
    for (let r = 0; r < Number(values.runs); r++) {
      await sequence.clearHistory();
      const started = performance.now();
      let firstAt = 0;
      const out: number[] = [];
      // greedy, as the engine's benchmark; the first token ends the prefill
      for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
        if (out.length === 0) firstAt = performance.now();
        out.push(token);
        if (out.length >= generate) break;
      }
      const ended = performance.now();
      runs.push({
        prefill_tokens_per_s: (tokens.length * 1000) / (firstAt - started),
        decode_tokens_per_s: ((out.length - 1) * 1000) / (ended - firstAt),
        tokens: out,
      });
    }
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    await emit({ load_s: loadS, runs, rss_bytes: kb('VmRSS'), peak_rss_bytes: kb('VmHWM') });
    return;
  }
  const out = await sequence.controlledEvaluate(tokens.map((t) => [t, { generateNext: { logits: true } }]));
  const logits = out.map((r, i) => {
    const m = r?.next?.logits;
    if (!m) throw new Error(`llama.cpp returned no logits at position ${i}`);
    const row = new Array<number>(m.size);
    for (const [id, v] of m) row[id] = v;
    return row;
  });
  await emit({ logits });
}

/** One JSON line; exit only once it is out (a pipe takes a large one in pieces, and process.exit would cut it). */
function emit(value: unknown): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(value)}\n`, () => resolve()));
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`llama-peer: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
