// `proof check FILE [--json]`: every step's verdict with its range; `proof bench FILE.jsonl [--json] [--model DIR]`:
// precision / recall / false-alarm rate on the step-error benchmark.
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkProof } from '../math/check';
import { runBench } from '../math/bench';
import { shutdownSmt } from '../math/smt';
import { benchCritic } from '../math/bench-critic';
import type { LoadedModel } from '../runtime/api';
import { CliError } from './errors';

/** The runtime is loaded only for --model, so algebra-only runs never start onnxruntime. */
async function loadCriticModel(dir: string): Promise<LoadedModel> {
  const runtime = '../runtime/load-model'; // resolved at run time: the runtime ships in its own module
  let mod: { loadModel(dir: string, opts?: { threads?: number }): Promise<LoadedModel> };
  try {
    mod = (await import(runtime)) as typeof mod;
  } catch (err) {
    throw new CliError(`--model: the model runtime is not available in this build (${(err as Error).message})`);
  }
  return mod.loadModel(resolve(dir), { threads: 1 });
}

const LANGUAGE_BY_EXTENSION: Record<string, string> = {
  '.tex': 'latex',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.v': 'coq',
  '.lean': 'lean',
};

const USAGE = 'usage: proof check FILE [--json] | proof bench FILE.jsonl [--json] [--model DIR]';

export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      model: { type: 'string' },
      language: { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  const [sub, file] = positionals;
  if (!sub || !file || !['check', 'bench'].includes(sub)) throw new CliError(USAGE);
  try {
    if (sub === 'check') {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const languageId = values.language ?? LANGUAGE_BY_EXTENSION[extname(file).toLowerCase()] ?? 'plaintext';
      const result = await checkProof({
        text,
        languageId,
        filePath: resolve(file),
        timeoutMs: values.timeout ? Number(values.timeout) : undefined,
      });
      if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        for (const s of result.steps) {
          const point =
            s.counterexample && Object.keys(s.counterexample).length
              ? ` at ${Object.entries(s.counterexample)
                  .map(([k, v]) => `${k} = ${v}`)
                  .join(', ')}`
              : '';
          const values = point && s.values ? ` (left side = ${s.values.left}, right side = ${s.values.right})` : '';
          process.stdout.write(
            `${file}:${s.line}:${s.range.start.character + 1}: ${s.verdict}: ${s.text.replace(/\s+/g, ' ')} — ${s.detail}${point}${values}\n`,
          );
        }
        for (const p of result.premises ?? [])
          process.stdout.write(
            `${file}:${p.line}:${p.range.start.character + 1}: ${p.kind}, not checked: ${p.text.replace(/\s+/g, ' ')}\n`,
          );
        for (const d of result.proverDiagnostics ?? [])
          process.stdout.write(
            `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}\n`,
          );
        if (result.prover) process.stdout.write(`${result.prover.name}: ${result.prover.message ?? ''}\n`);
        const count = (v: string) => result.steps.filter((s) => s.verdict === v).length;
        process.stdout.write(
          `${result.steps.length} step${result.steps.length === 1 ? '' : 's'}: ${count('verified')} verified, ${count('wrong')} wrong, ${count('unknown')} not checkable, ${count('unparsed')} unparsed; ${result.premises?.length ?? 0} read as conditions or definitions, not checked\n`,
        );
      }
      return result.steps.some((s) => s.verdict === 'wrong') || result.prover?.proved === false ? 1 : 0;
    }
    const model = values.model ? await loadCriticModel(values.model) : undefined;
    let result;
    try {
      result = await runBench(file, model ? benchCritic(model) : undefined);
    } finally {
      await model?.dispose();
    }
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else
      process.stdout.write(
        `precision ${result.precision}  recall ${result.recall}  false alarms ${result.false_alarm_rate}  ${JSON.stringify(result.counts)}\n`,
      );
    return 0;
  } finally {
    await shutdownSmt();
  }
}
