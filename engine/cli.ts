// `npm run -s engine -- <command> [options]`: the engine from a shell. Each command lives in engine/cli/<command>.ts
// and exports `run(argv): Promise<number>` (the exit code). They are imported lazily, so one command's dependencies
// (onnxruntime, the CAS, the prover adapters) never slow another's start, and statically, so the bundle
// (dist/cli.js) contains every one of them.
import { EngineError } from './errors';

interface Command {
  what: string;
  load(): Promise<{ run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  logits: {
    what: 'prefill (or --decode) a token list, print logits and selected experts',
    load: () => import('./cli/logits'),
  },
  generate: { what: 'generate text from a prompt or token ids', load: () => import('./cli/generate') },
  bench: { what: 'prefill / decode throughput, time to first token, memory', load: () => import('./cli/bench') },
  perplexity: { what: 'bits per byte of a model on a file', load: () => import('./cli/perplexity') },
  calibrate: { what: 'compute a routing-skew domain profile for a model', load: () => import('./cli/calibrate') },
  proof: {
    what: 'proof check FILE | proof bench FILE.jsonl: check derivations step by step',
    load: () => import('./cli/proof'),
  },
  serve: { what: 'OpenAI-compatible HTTP server on loopback', load: () => import('./cli/serve') },
  cache: {
    what: 'the graph cache: its models, sizes and last use (--clear: remove those not in use)',
    load: () => import('./cli/cache'),
  },
  tokenize: {
    what: 'a text\'s token ids under the model\'s tokenizer (--json: {"tokens": [...]})',
    load: () => import('./cli/tokenize'),
  },
  models: {
    what: 'the models Ollama, LM Studio, the Hugging Face cache and llama.cpp downloaded, runnable first (--json)',
    load: () => import('./cli/models'),
  },
  detokenize: { what: 'the text of token ids (--json: {"content": ...})', load: () => import('./cli/detokenize') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(11)} ${c.what}`);
  return `usage: npm run -s engine -- <command> [options]\n\ncommands:\n${rows.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return command ? 0 : 2;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) {
    process.stderr.write(`switchyard engine: unknown command '${command}'\n\n${usage()}`);
    return 2;
  }
  return (await entry.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Expected failures (bad checkpoint, bad arguments) print one clear line; anything else is a bug: show the stack.
    if (err instanceof EngineError) process.stderr.write(`switchyard engine: ${err.message}\n`);
    else process.stderr.write(`switchyard engine: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
