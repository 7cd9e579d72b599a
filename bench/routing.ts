// `npm run bench:routing [-- --model DIR --max-tokens N --strengths a,b --calibrate]`: the routing-skew grid on the
// held-out texts of bench/routing-texts/: strength 0 / default / high x keep-experts 1 / 0.5 / 0.25, for code (code
// profile), math (math profile) and prose (general: no bias; its keep ranking is general text's), plus prose under
// the code profile (what a wrong domain costs). Every cell is its own process, so the resident expert bytes it reports
// (read from /proc/self/smaps) are that configuration's alone. Writes bench-results/routing.json, prints the JSON, and
// puts a Markdown table into README.md between the routing-table markers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { classifyDomain } from '../engine/routing/classifier';
import { expandPaths } from '../engine/routing/corpus-files';
import { parseProfile } from '../engine/routing/profile-file';
import { specialisation } from '../engine/routing/specialisation';

const ROOT = resolve(__dirname, '..');
const TEXTS = join(ROOT, 'bench/routing-texts');
const CAL = join(ROOT, 'engine/routing/calibration-texts');
const START = '<!-- routing-table:start -->';
const END = '<!-- routing-table:end -->';

interface Cell {
  text: 'code' | 'math' | 'prose';
  domain: 'code' | 'math' | 'general';
  strength: number;
  keep: number;
  bits_per_byte: number;
  tokens: number;
  experts_touched_fraction: number;
  resident_expert_bytes: number;
  decode_tokens_per_s: number;
}

function engine(args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'engine/cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
}

/** The held-out texts of one domain, concatenated into one file (one scoring run per cell). */
function evalFile(dir: string, domain: string): string {
  const text = expandPaths(join(TEXTS, domain))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n\n');
  const path = join(dir, `${domain}.txt`);
  writeFileSync(path, text);
  return path;
}

function classifierAccuracy(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const split of ['dev', 'test']) {
    const rows = readFileSync(join(ROOT, `engine/routing/data/chat-domains.${split}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { domain: string; text: string });
    out[split] = rows.filter((r) => classifyDomain(r.text) === r.domain).length / rows.length;
  }
  return out;
}

const fmt = (x: number, d: number) => x.toFixed(d);

function table(cells: Cell[]): string {
  const rows = [
    '| text | profile | strength | keep | bits/byte | experts touched | resident expert MB | decode tok/s |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cells) {
    rows.push(
      `| ${c.text} | ${c.domain} | ${c.domain === 'general' ? '–' : fmt(c.strength, 2)} | ${c.keep} | ${fmt(c.bits_per_byte, 4)} | ` +
        `${fmt(100 * c.experts_touched_fraction, 1)}% | ${fmt(c.resident_expert_bytes / 2 ** 20, 2)} | ${fmt(c.decode_tokens_per_s, 1)} |`,
    );
  }
  return rows.join('\n');
}

function writeReadme(markdown: string): void {
  const path = join(ROOT, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const block = `${START}\n${markdown}\n${END}`;
  const i = readme.indexOf(START);
  const j = readme.indexOf(END);
  const next = i >= 0 && j > i ? readme.slice(0, i) + block + readme.slice(j + END.length) : `${readme.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: join(ROOT, 'engine/models/default') },
      'max-tokens': { type: 'string', default: '3000' },
      strengths: { type: 'string' },
      calibrate: { type: 'boolean', default: false },
      threads: { type: 'string', default: '1' },
      'no-readme': { type: 'boolean', default: false },
    },
  });
  const model = resolve(values.model as string);
  const profilePath = join(model, 'switchyard-routing.json');
  if (values.calibrate || !existsSync(profilePath)) {
    process.stderr.write(`bench:routing: calibrating ${model}\n`);
    engine(['calibrate', '--model', model, '--code', join(CAL, 'code'), '--math', join(CAL, 'math'), '--general', join(CAL, 'general'), '--threads', values.threads as string]);
  }
  const profile = parseProfile(readFileSync(profilePath, 'utf8'), profilePath);
  const [, defaultStrength, high] = values.strengths
    ? [0, ...(values.strengths as string).split(',').map(Number)]
    : [0, profile.defaultStrength, 3 * profile.defaultStrength];
  const outDir = join(ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const files = { code: evalFile(outDir, 'code'), math: evalFile(outDir, 'math'), prose: evalFile(outDir, 'general') };

  const plan: Omit<Cell, 'bits_per_byte' | 'tokens' | 'experts_touched_fraction' | 'resident_expert_bytes' | 'decode_tokens_per_s'>[] = [];
  for (const text of ['code', 'math'] as const) {
    for (const strength of [0, defaultStrength, high]) for (const keep of [1, 0.5, 0.25]) plan.push({ text, domain: text, strength, keep });
  }
  for (const keep of [1, 0.5, 0.25]) plan.push({ text: 'prose', domain: 'general', strength: 0, keep });
  plan.push({ text: 'prose', domain: 'code', strength: defaultStrength, keep: 1 });

  const cells: Cell[] = [];
  for (const p of plan) {
    const args = ['perplexity', '--model', model, '--file', files[p.text], '--max-tokens', values['max-tokens'] as string, '--threads', values.threads as string, '--json'];
    if (p.domain !== 'general' || p.keep < 1) args.push('--domain', p.domain, '--strength', String(p.strength), '--keep-experts', String(p.keep));
    const r = JSON.parse(engine(args)) as Omit<Cell, 'text' | 'domain' | 'strength' | 'keep'>;
    cells.push({ ...p, ...r });
    process.stderr.write(`bench:routing: ${p.text} ${p.domain} s=${p.strength} keep=${p.keep}: ${r.bits_per_byte.toFixed(4)} bits/byte, ${(100 * r.experts_touched_fraction).toFixed(1)}% touched\n`);
  }
  const result = {
    model,
    checkpoint: profile.checkpoint,
    maxTokens: Number(values['max-tokens']),
    strengths: { default: defaultStrength, high },
    specialisation: { code: specialisation(profile, 'code'), math: specialisation(profile, 'math') },
    classifierAccuracy: classifierAccuracy(),
    cells,
  };
  writeFileSync(join(outDir, 'routing.json'), `${JSON.stringify(result, null, 1)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!values['no-readme']) {
    const spec = result.specialisation;
    const md = [
      table(cells),
      '',
      `Default model, ${result.maxTokens} held-out tokens per text (\`bench/routing-texts/\`), default strength ` +
        `${defaultStrength}, high ${high}; one process per row (resident bytes from /proc/self/smaps). ` +
        `Distance of the domains' expert use from general text (total variation, per MoE layer): code ` +
        `${spec.code.map((x) => x.toFixed(3)).join(' / ')}, math ${spec.math.map((x) => x.toFixed(3)).join(' / ')}.`,
    ].join('\n');
    writeReadme(md);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:routing: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
