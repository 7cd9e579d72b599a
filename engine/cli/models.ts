// `models [--json]`: the models already on this machine (Ollama, LM Studio, the Hugging Face hub cache, llama.cpp's
// cache), runnable ones first, each with what to pass as --model; the others with why not. --json prints the
// models/discover result as the extension receives it.
import { parseArgs } from 'node:util';
import { discoverModels } from '../discovery/discover';
import type { DiscoveredModel, ModelsDiscoverResult } from '../protocol';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const result = await discoverModels();
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : table(result));
  return 0;
}

function gigabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function row(m: DiscoveredModel): string {
  const facts = [m.architecture, m.quantization, gigabytes(m.sizeBytes)].filter(Boolean).join(', ');
  const head = `  ${m.name}  [${m.source}] ${facts}\n    ${m.path}\n`;
  return m.notRunnable ? `${head}    not runnable: ${m.notRunnable.detail}\n` : head;
}

function table(result: ModelsDiscoverResult): string {
  const runnable = result.models.filter((m) => !m.notRunnable);
  const others = result.models.filter((m) => m.notRunnable);
  const looked = result.stores.map(
    (s) =>
      `  ${s.source.padEnd(11)} ${s.root}${s.exists ? '' : ' (absent)'}${s.stoppedEarly ? ` (stopped: ${s.stoppedEarly})` : ''}${s.skipped.length ? ` (${s.skipped.length} entries skipped)` : ''}\n`,
  );
  return [
    `runnable (${runnable.length}):\n`,
    ...runnable.map(row),
    others.length ? `\nnot runnable (${others.length}):\n` : '',
    ...others.map(row),
    '\nlooked in:\n',
    ...looked,
  ].join('');
}
