// `calibrate --model DIR --code PATHS --math PATHS --general PATHS [--out FILE]`: runs the model over each domain's
// texts and writes its routing profile (default: DIR/switchyard-routing.json). PATHS are comma-separated files or
// folders; each flag may be repeated.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrateFiles } from '../routing/calibrate-files';
import { DEFAULT_MAX_TOKENS_PER_DOMAIN, DEFAULT_WINDOW } from '../routing/calibration';
import { specialisation } from '../routing/specialisation';
import { CALIBRATION_DOMAINS } from '../routing/stats';
import { loadModel } from '../runtime/load-model';
import { CliError } from './errors';
import { cacheLimit, memoryBudget } from './model-options';

const USAGE =
  'usage: calibrate --model DIR --code PATHS --math PATHS --general PATHS [--out FILE] [--max-tokens N] ' +
  '[--window N] [--description TEXT] [--default-strength S] [--threads N] [--cache-dir DIR] [--cache-limit 32GiB] ' +
  '[--memory-budget SIZE] [--json]';

function positiveInt(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`--${name} must be a positive integer, got '${v}'`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      code: { type: 'string', multiple: true },
      math: { type: 'string', multiple: true },
      general: { type: 'string', multiple: true },
      out: { type: 'string' },
      'max-tokens': { type: 'string' },
      window: { type: 'string' },
      description: { type: 'string' },
      'default-strength': { type: 'string' },
      threads: { type: 'string' },
      'cache-dir': { type: 'string' },
      'cache-limit': { type: 'string' },
      'memory-budget': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.model || !values.code || !values.math || !values.general) throw new CliError(USAGE);
  const dir = resolve(values.model);
  const maxTokens = positiveInt('max-tokens', values['max-tokens'], DEFAULT_MAX_TOKENS_PER_DOMAIN);
  const windowTokens = positiveInt('window', values.window, DEFAULT_WINDOW.tokens);
  const window = { tokens: windowTokens, context: Math.min(DEFAULT_WINDOW.context, Math.floor(windowTokens / 4)) };
  let defaultStrength: number | undefined;
  if (values['default-strength'] !== undefined) {
    defaultStrength = Number(values['default-strength']);
    if (!(defaultStrength >= 0)) throw new CliError(`--default-strength must be a number >= 0`);
  }
  const model = await loadModel(dir, {
    threads: values.threads ? positiveInt('threads', values.threads, 1) : undefined,
    cacheDir: values['cache-dir'],
    cacheLimitBytes: cacheLimit(values['cache-limit']),
    memoryBudgetBytes: memoryBudget(values['memory-budget']),
  });
  try {
    const started = Date.now();
    const { profile, path: out } = await calibrateFiles(model, dir, {
      paths: { code: values.code, math: values.math, general: values.general },
      out: values.out,
      maxTokensPerDomain: maxTokens,
      window,
      description: values.description,
      defaultStrength,
      onProgress: (d, n) => process.stderr.write(`\rcalibrate: ${d} ${n} tokens   `),
    });
    process.stderr.write('\n');
    const summary = {
      profile: out,
      seconds: (Date.now() - started) / 1000,
      tokens: Object.fromEntries(CALIBRATION_DOMAINS.map((d) => [d, profile.corpus[d].tokens])),
      specialisation: { code: specialisation(profile, 'code'), math: specialisation(profile, 'math') },
      scoreSpread: profile.layers.map((l) => l.scoreSpread),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`wrote ${out} (${summary.seconds.toFixed(1)} s)\n`);
      profile.layers.forEach((l, i) => {
        process.stdout.write(
          `layer ${l.layer}: score spread ${l.scoreSpread.toFixed(4)}, distance from general text: ` +
            `code ${summary.specialisation.code[i].toFixed(3)}, math ${summary.specialisation.math[i].toFixed(3)}\n`,
        );
      });
    }
    return 0;
  } finally {
    await model.dispose();
  }
}
