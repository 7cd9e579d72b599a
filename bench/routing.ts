// `npm run bench:routing [-- --model DIR --max-tokens N --strengths a,b --calibrate]`: the routing-skew grid on the
// held-out texts of bench/routing-texts/: strength 0 / default / high x keep-experts 1 / 0.5 / 0.25, for code (code
// profile), math (math profile) and prose (general: no bias; its keep ranking is general text's), plus prose under
// the code profile (what a wrong domain costs). Every cell is its own process, so the resident expert bytes it reports
// (read from /proc/self/smaps) are that configuration's alone. Writes bench-results/routing.json, prints the JSON, and
// puts a Markdown table into README.md between the routing-table markers.
//
// Then the adaptive expert count (`--taus a,b,…`, default TAUS; `--tau-only` skips the grid above): code, math and
// prose at the default strength, keep 1, per τ: bits/byte with the paired Δ against τ 0, routed
// experts computed per token and layer, distinct (layer, expert) pairs per 1,000 tokens, and decode tok/s (a
// 128-token greedy continuation, the median of --tau-rounds interleaved rounds, default 3). It chooses each domain's
// τ by the issue's quality rule and writes it into the profile (`minExpertWeight`): the largest τ that computes fewer
// experts than τ 0 and whose loss, Δ + 2 SE, is at most 1% of τ 0's bits/byte on held-out code (code), 2% on math
// (math), 1% on prose (general). Writes bench-results/routing-tau.json and the table between the adaptive-table
// markers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { classifyDomain } from '../engine/routing/classifier';
import { expandPaths } from '../engine/routing/corpus-files';
import { defaultProfilePath, parseProfile, saveProfile } from '../engine/routing/profile-file';
import { specialisation } from '../engine/routing/specialisation';
import { noWorse, pairedDelta } from './paired';

const ROOT = resolve(__dirname, '..');
const TEXTS = join(ROOT, 'bench/routing-texts');
const CAL = join(ROOT, 'engine/routing/calibration-texts');
const START = '<!-- routing-table:start -->';
const END = '<!-- routing-table:end -->';
const TAU_START = '<!-- adaptive-table:start -->';
const TAU_END = '<!-- adaptive-table:end -->';

/** τ tried by default; with top-2 a second expert's share is at most 0.5, so 0.49 is nearly top-1 */
const TAUS = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.49];
/** the largest bits/byte loss (Δ + 2 SE, relative to τ 0) a domain's default τ may cost, per text */
const TAU_BUDGET = { code: 0.01, math: 0.02, prose: 0.01 } as const;
/** the issue's quality rule for the default strength: Δ + 2 SE against strength 0, relative to its bits/byte */
const STRENGTH_BUDGET = { code: 0.01, math: 0.02 } as const;
const TAU_DOMAIN = { code: 'code', math: 'math', prose: 'general' } as const;

interface Config {
  text: 'code' | 'math' | 'prose';
  domain: 'code' | 'math' | 'general';
  strength: number;
  keep: number;
}
interface Measured {
  bits_per_byte: number;
  tokens: number;
  bytes: number;
  experts_touched_fraction: number;
  resident_expert_bytes: number;
  decode_tokens_per_s: number;
}
/** what perplexity --json adds for the adaptive expert count */
interface TauExtra {
  experts_per_token: number;
  touched_per_1k_tokens: number;
}
interface Cell extends Config, Measured {
  /** against the same text at strength 0, keep 1 (paired per token) */
  delta_bits_per_byte: number;
  delta_stderr: number;
  no_worse: boolean;
  /** (Δ + 2 SE) / strength 0's bits/byte on the same text */
  loss_bound: number;
}

/** strengths tried when choosing the default (keep 1, code and math) */
const SWEEP = [0.5, 1, 2, 3, 4];

function engine(args: string[]): string {
  return execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'engine/cli.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 26,
    },
  );
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
  for (const split of ['dev', 'test', 'holdout']) {
    const rows = readFileSync(join(ROOT, `engine/routing/data/chat-domains.${split}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { domain: string; text: string });
    out[split] = rows.filter((r) => classifyDomain(r.text) === r.domain).length / rows.length;
  }
  return out;
}

const fmt = (x: number, d: number) => x.toFixed(d);
const signed = (x: number, d: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(d)}`;

function table(cells: Cell[]): string {
  const rows = [
    '| text | profile | strength | keep | bits/byte | Δ vs strength 0 (± 2 SE) | experts touched | resident expert MB | decode tok/s |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cells) {
    const base = c.strength === 0 && c.keep === 1 && c.domain === (c.text === 'prose' ? 'general' : c.text);
    rows.push(
      `| ${c.text} | ${c.domain} | ${c.domain === 'general' ? '–' : fmt(c.strength, 2)} | ${c.keep} | ${fmt(c.bits_per_byte, 4)} | ` +
        `${base ? 'baseline' : `${signed(c.delta_bits_per_byte, 4)} ± ${fmt(2 * c.delta_stderr, 4)}`} | ` +
        `${fmt(100 * c.experts_touched_fraction, 1)}% | ${fmt(c.resident_expert_bytes / 2 ** 20, 2)} | ${fmt(c.decode_tokens_per_s, 1)} |`,
    );
  }
  return rows.join('\n');
}

function writeReadme(markdown: string, start = START, end = END): void {
  const path = join(ROOT, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const block = `${start}\n${markdown}\n${end}`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  const next =
    i >= 0 && j > i ? readme.slice(0, i) + block + readme.slice(j + end.length) : `${readme.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}

interface TauCell {
  text: 'code' | 'math' | 'prose';
  domain: 'code' | 'math' | 'general';
  strength: number;
  tau: number;
  bits_per_byte: number;
  tokens: number;
  /** against τ 0 on the same text, domain and strength (paired per token) */
  delta_bits_per_byte: number;
  delta_stderr: number;
  /** (Δ + 2 SE) / τ 0's bits/byte */
  loss_bound: number;
  experts_per_token: number;
  touched_per_1k_tokens: number;
  /** median over the rounds, and every round's */
  decode_tokens_per_s: number;
  decode_rounds: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function tauTable(cells: TauCell[], chosen: Record<string, number>): string {
  const rows = [
    '| text | profile | τ | bits/byte | Δ vs τ 0 (± 2 SE) | loss bound | experts computed / token | distinct experts / 1k tokens | decode tok/s (median) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cells) {
    const mark = chosen[c.domain] === c.tau ? ' **←**' : '';
    rows.push(
      `| ${c.text} | ${c.domain} | ${c.tau}${mark} | ${fmt(c.bits_per_byte, 4)} | ` +
        `${c.tau === 0 ? 'baseline' : `${signed(c.delta_bits_per_byte, 4)} ± ${fmt(2 * c.delta_stderr, 4)}`} | ` +
        `${c.tau === 0 ? '–' : `${signed(100 * c.loss_bound, 2)}%`} | ${fmt(c.experts_per_token, 3)} | ` +
        `${fmt(c.touched_per_1k_tokens, 1)} | ${fmt(c.decode_tokens_per_s, 1)} |`,
    );
  }
  return rows.join('\n');
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
      taus: { type: 'string' },
      'tau-rounds': { type: 'string', default: '3' },
      'tau-only': { type: 'boolean', default: false },
    },
  });
  const model = resolve(values.model as string);
  const profilePath = defaultProfilePath(model);
  if (values.calibrate || !existsSync(profilePath)) {
    process.stderr.write(`bench:routing: calibrating ${model}\n`);
    engine([
      'calibrate',
      '--model',
      model,
      '--code',
      join(CAL, 'code'),
      '--math',
      join(CAL, 'math'),
      '--general',
      join(CAL, 'general'),
      '--threads',
      values.threads as string,
    ]);
  }
  const outDir = join(ROOT, 'bench-results');
  const bitsDir = join(outDir, 'token-bits');
  mkdirSync(bitsDir, { recursive: true });
  const files = { code: evalFile(outDir, 'code'), math: evalFile(outDir, 'math'), prose: evalFile(outDir, 'general') };

  /** perplexity --json of one held-out text at the bench's token count and threads, per-token bits into bitsFile */
  const scoreArgs = (text: keyof typeof files, bitsFile: string, ...extra: string[]) => [
    'perplexity',
    '--model',
    model,
    '--file',
    files[text],
    '--max-tokens',
    values['max-tokens'] as string,
    '--threads',
    values.threads as string,
    '--token-bits',
    bitsFile,
    '--json',
    ...extra,
  ];
  const measured = new Map<string, Measured & { bits: Float64Array }>();
  const key = (c: Config) => `${c.text}-${c.domain}-${c.strength}-${c.keep}`;
  const measure = (c: Config): Measured & { bits: Float64Array } => {
    const k = key(c);
    const hit = measured.get(k);
    if (hit) return hit;
    const bitsFile = join(bitsDir, `${k}.f64`);
    const args = scoreArgs(c.text, bitsFile);
    if (c.domain !== 'general' || c.keep < 1)
      args.push('--domain', c.domain, '--strength', String(c.strength), '--keep-experts', String(c.keep));
    const r = JSON.parse(engine(args)) as Measured;
    const buf = readFileSync(bitsFile);
    const m = { ...r, bits: new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8) };
    measured.set(k, m);
    process.stderr.write(
      `bench:routing: ${k}: ${r.bits_per_byte.toFixed(4)} bits/byte, ${(100 * r.experts_touched_fraction).toFixed(1)}% touched, ${(r.resident_expert_bytes / 2 ** 20).toFixed(2)} MB\n`,
    );
    return m;
  };
  const cell = (c: Config): Cell => {
    const m = measure(c);
    const base = measure({ text: c.text, domain: c.text === 'prose' ? 'general' : c.text, strength: 0, keep: 1 });
    const d = pairedDelta(base.bits, m.bits, m.bytes);
    const { bits: _bits, ...r } = m;
    const loss_bound = (d.delta + 2 * d.stderr) / base.bits_per_byte;
    return { ...c, ...r, delta_bits_per_byte: d.delta, delta_stderr: d.stderr, no_worse: noWorse(d), loss_bound };
  };

  function grid(): void {
    // The default strength (one for both profiles): the largest of SWEEP at which code (code profile) and math (math
    // profile) each stay within their loss budget, Δ + 2 SE at most 1% (code) / 2% (math) of strength 0's
    // bits/byte, while fewer experts are touched (0 if none qualifies). --strengths a,b skips the choice.
    let defaultStrength: number;
    let high: number;
    const sweep: Cell[] = [];
    if (values.strengths) {
      [defaultStrength, high] = (values.strengths as string).split(',').map(Number);
    } else {
      defaultStrength = 0;
      for (const s of SWEEP) {
        const pair = (['code', 'math'] as const).map((t) => cell({ text: t, domain: t, strength: s, keep: 1 }));
        sweep.push(...pair);
        const zero = (['code', 'math'] as const).map((t) => cell({ text: t, domain: t, strength: 0, keep: 1 }));
        const ok = pair.every(
          (c, i) =>
            c.loss_bound <= STRENGTH_BUDGET[c.text as 'code' | 'math'] &&
            c.experts_touched_fraction < zero[i].experts_touched_fraction,
        );
        if (ok) defaultStrength = s;
      }
      high = defaultStrength > 0 ? Math.min(3 * defaultStrength, Math.max(...SWEEP) * 2) : Math.max(...SWEEP);
      const profile = parseProfile(readFileSync(profilePath, 'utf8'), profilePath);
      profile.defaultStrength = defaultStrength;
      saveProfile(profile, profilePath);
    }
    const profile = parseProfile(readFileSync(profilePath, 'utf8'), profilePath);

    const cells: Cell[] = [];
    for (const text of ['code', 'math'] as const) {
      for (const strength of new Set([0, defaultStrength, high]))
        for (const keep of [1, 0.5, 0.25]) cells.push(cell({ text, domain: text, strength, keep }));
    }
    for (const keep of [1, 0.5, 0.25]) cells.push(cell({ text: 'prose', domain: 'general', strength: 0, keep }));
    cells.push(cell({ text: 'prose', domain: 'code', strength: defaultStrength, keep: 1 }));

    const result = {
      model,
      checkpoint: profile.checkpoint,
      maxTokens: Number(values['max-tokens']),
      strengths: { default: defaultStrength, high, sweep: values.strengths ? undefined : SWEEP },
      specialisation: { code: specialisation(profile, 'code'), math: specialisation(profile, 'math') },
      classifierAccuracy: classifierAccuracy(),
      sweep,
      cells,
    };
    writeFileSync(join(outDir, 'routing.json'), `${JSON.stringify(result, null, 1)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!values['no-readme']) {
      const spec = result.specialisation;
      const sweepLine = sweep.length
        ? `Strength sweep (keep 1; Δ bits/byte vs strength 0, touched): ` +
          sweep
            .map(
              (c) =>
                `${c.text} ${c.strength}: ${signed(c.delta_bits_per_byte, 4)}±${fmt(2 * c.delta_stderr, 4)}, ${fmt(100 * c.experts_touched_fraction, 1)}%`,
            )
            .join('; ') +
          `. Default = the largest strength at which (Δ + 2 SE) is at most ${100 * STRENGTH_BUDGET.code}% of strength 0's ` +
          `bits/byte on code and ${100 * STRENGTH_BUDGET.math}% on math while fewer experts are touched.`
        : '';
      const md = [
        table(cells),
        '',
        `Default model (${profile.checkpoint.fingerprint.slice(0, 19)}…), ${result.maxTokens} held-out tokens per text ` +
          `(\`bench/routing-texts/\`), default strength ${defaultStrength}, high ${high}; one process per row, resident ` +
          `expert bytes read from /proc/self/smaps; Δ is paired per token against strength 0, keep 1 on the same text. ` +
          `Distance of the domains' expert use from general text (total variation per MoE layer): code ` +
          `${spec.code.map((x) => x.toFixed(3)).join(' / ')}, math ${spec.math.map((x) => x.toFixed(3)).join(' / ')}. ` +
          sweepLine,
      ].join('\n');
      writeReadme(md);
    }
  }

  // The adaptive expert count: every τ on the same text under the same (default) routing, the rounds interleaved so
  // that the shared machine's drift spreads over all of them; bits are deterministic, decode speed is the median.
  function adaptive(): void {
    const taus = values.taus ? (values.taus as string).split(',').map(Number) : TAUS;
    if (!taus.includes(0)) taus.unshift(0);
    const rounds = Number(values['tau-rounds']);
    const { defaultStrength: strength, checkpoint } = parseProfile(readFileSync(profilePath, 'utf8'), profilePath);
    const texts = ['code', 'math', 'prose'] as const;
    const runs = new Map<string, { r: Measured & TauExtra; bits: Float64Array; decode: number[] }>();
    for (let round = 0; round < rounds; round++) {
      for (const tau of taus) {
        for (const text of texts) {
          const domain = TAU_DOMAIN[text];
          const k = `${text}-${domain}-${strength}-tau${tau}`;
          const bitsFile = join(bitsDir, `${k}.f64`);
          const args = scoreArgs(text, bitsFile, '--decode-tokens', '128', '--min-expert-weight', String(tau));
          if (domain !== 'general') args.push('--domain', domain, '--strength', String(strength));
          const r = JSON.parse(engine(args)) as Measured & TauExtra;
          const prev = runs.get(k);
          if (prev) prev.decode.push(r.decode_tokens_per_s);
          else {
            const buf = readFileSync(bitsFile);
            const bits = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
            runs.set(k, { r, bits, decode: [r.decode_tokens_per_s] });
          }
          process.stderr.write(
            `bench:routing: ${k} round ${round + 1}: ${r.bits_per_byte.toFixed(4)} bits/byte, ` +
              `${r.experts_per_token.toFixed(3)} experts/token, ${r.decode_tokens_per_s.toFixed(1)} tok/s\n`,
          );
        }
      }
    }
    const cells: TauCell[] = [];
    for (const text of texts) {
      const domain = TAU_DOMAIN[text];
      const at = (tau: number) =>
        runs.get(`${text}-${domain}-${strength}-tau${tau}`) as NonNullable<ReturnType<typeof runs.get>>;
      const base = at(0);
      for (const tau of taus) {
        const m = at(tau);
        const d = pairedDelta(base.bits, m.bits, m.r.bytes);
        cells.push({
          text,
          domain,
          strength,
          tau,
          bits_per_byte: m.r.bits_per_byte,
          tokens: m.r.tokens,
          delta_bits_per_byte: d.delta,
          delta_stderr: d.stderr,
          loss_bound: (d.delta + 2 * d.stderr) / base.r.bits_per_byte,
          experts_per_token: m.r.experts_per_token,
          touched_per_1k_tokens: m.r.touched_per_1k_tokens,
          decode_tokens_per_s: median(m.decode),
          decode_rounds: m.decode,
        });
      }
    }
    // each domain's τ: the largest that computes fewer experts than τ 0 within the domain's loss budget
    const chosen: Record<string, number> = {};
    for (const text of texts) {
      const mine = cells.filter((c) => c.text === text);
      const zero = mine.find((c) => c.tau === 0) as TauCell;
      const ok = mine.filter(
        (c) => c.tau === 0 || (c.loss_bound <= TAU_BUDGET[text] && c.experts_per_token < zero.experts_per_token),
      );
      chosen[TAU_DOMAIN[text]] = Math.max(...ok.map((c) => c.tau));
    }
    if (!values.taus) {
      const profile = parseProfile(readFileSync(profilePath, 'utf8'), profilePath);
      profile.minExpertWeight = chosen;
      saveProfile(profile, profilePath);
    }
    const result = { model, maxTokens: Number(values['max-tokens']), strength, rounds, taus, chosen, cells };
    writeFileSync(join(outDir, 'routing-tau.json'), `${JSON.stringify(result, null, 1)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!values['no-readme']) {
      const md = [
        tauTable(cells, chosen),
        '',
        `Default model, ${result.maxTokens} held-out tokens per text (\`bench/routing-texts/\`), default strength ` +
          `${strength}, keep 1, ${values.threads} thread(s), one process per row and round; Δ is paired per token ` +
          `against τ 0 on the same text; loss bound = (Δ + 2 SE) / τ 0's bits/byte; experts computed are routed ` +
          `experts per token and MoE layer (top-${checkpoint.activeExperts} selected, ${checkpoint.moeLayers} MoE layers × ${checkpoint.routedExperts} experts); distinct experts are (layer, expert) pairs ` +
          `per block of 1,000 tokens; decode tok/s is a 128-token greedy continuation, the median of ${rounds} ` +
          `interleaved rounds. Chosen (**←**, written into the profile's \`minExpertWeight\`): ` +
          `${Object.entries(chosen)
            .map(([d, t]) => `${d} ${t}`)
            .join(', ')}: the largest τ that computes fewer experts than τ 0 with a loss bound of at most ` +
          `${100 * TAU_BUDGET.code}% (code), ${100 * TAU_BUDGET.math}% (math), ${100 * TAU_BUDGET.prose}% (prose).`,
      ].join('\n');
      writeReadme(md, TAU_START, TAU_END);
    }
  }

  if (!values['tau-only']) grid();
  adaptive();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:routing: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
