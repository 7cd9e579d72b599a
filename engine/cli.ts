// `npm run -s engine -- <command> [options]`: the engine from a shell. Each command lives in engine/cli/<command>.ts
// and exports `run(argv): Promise<number>` (the exit code); they are loaded lazily so one command's dependencies
// never slow another's start.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from './errors';

const COMMANDS: Record<string, string> = {
  logits: 'prefill (or --decode) a token list, print logits and selected experts',
  generate: 'generate text from a prompt or token ids',
  bench: 'prefill / decode throughput, time to first token, memory',
  perplexity: 'bits per byte of a model on a file',
  calibrate: 'compute a routing-skew domain profile for a model',
  proof: 'proof check FILE | proof bench FILE.jsonl: check derivations step by step',
  serve: 'OpenAI-compatible HTTP server on loopback',
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, what]) => `  ${name.padEnd(11)} ${what}`);
  return `usage: npm run -s engine -- <command> [options]\n\ncommands:\n${rows.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return command ? 0 : 2;
  }
  if (!(command in COMMANDS)) {
    process.stderr.write(`switchyard engine: unknown command '${command}'\n\n${usage()}`);
    return 2;
  }
  const modulePath = join(__dirname, 'cli', `${command}`);
  if (!existsSync(`${modulePath}.ts`) && !existsSync(`${modulePath}.js`)) {
    process.stderr.write(`switchyard engine: command '${command}' is not built into this version\n`);
    return 2;
  }
  const mod = (await import(modulePath)) as { run(argv: string[]): Promise<number> };
  return mod.run(rest);
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
