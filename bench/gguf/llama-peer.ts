// llama.cpp as a peer, in a process of its own (a malformed GGUF aborts the process that loads it): node-llama-cpp's
// prebuilt CPU build, installed by test/setup/install-llama-cpp.sh into .cache/llama-cpp/. Prints one JSON line.
//   tsx bench/gguf/llama-peer.ts logits --model F.gguf --tokens 1,2,3 [--threads N]   -> {"logits": [[...], ...]}
// (every position's logits, with an F32 KV cache and flash attention off: llama.cpp's defaults, an F16 cache and CPU
// flash attention, cost ~1e-2 against the reference)
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(__dirname, '..', '..');
export const LLAMA_CPP_PACKAGE = join(ROOT, '.cache/llama-cpp/node_modules/node-llama-cpp/dist/index.js');

interface Sequence {
  controlledEvaluate(input: [number, { generateNext: { logits: true } }][]): Promise<({ next?: { logits?: Map<number, number> } } | undefined)[]>;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { model: { type: 'string' }, tokens: { type: 'string' }, threads: { type: 'string', default: '2' } },
  });
  if (positionals[0] !== 'logits' || !values.model || !values.tokens) throw new Error('usage: llama-peer.ts logits --model F.gguf --tokens IDS');
  const tokens = values.tokens.split(',').map(Number);
  const { getLlama } = (await import(pathToFileURL(LLAMA_CPP_PACKAGE).href)) as {
    getLlama(o: object): Promise<{ loadModel(o: object): Promise<{ createContext(o: object): Promise<{ getSequence(): Sequence }> }> }>;
  };
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: values.model, gpuLayers: 0 });
  const context = await model.createContext({
    // room beyond the prompt: with the context exactly full, the last position's logits come out wrong
    contextSize: tokens.length + 64,
    batchSize: tokens.length + 64,
    threads: Number(values.threads),
    flashAttention: false,
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
  });
  const out = await context.getSequence().controlledEvaluate(tokens.map((t) => [t, { generateNext: { logits: true } }]));
  const logits = out.map((r, i) => {
    const m = r?.next?.logits;
    if (!m) throw new Error(`llama.cpp returned no logits at position ${i}`);
    const row = new Array<number>(m.size);
    for (const [id, v] of m) row[id] = v;
    return row;
  });
  // exit only once the line is out: a pipe takes a large one in pieces, and process.exit would cut it
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify({ logits })}\n`, () => resolve()));
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
