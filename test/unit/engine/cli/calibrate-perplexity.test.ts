// The calibrate and perplexity commands end to end on a fixture checkpoint with a byte-level tokenizer, on the
// project's shipped calibration and evaluation texts (capped, so the test stays fast).
import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeDeepseek2Gguf } from '../../../../bench/gguf/deepseek2';
import { run as calibrate } from '../../../../engine/cli/calibrate';
import { run as perplexity } from '../../../../engine/cli/perplexity';
import { EngineError } from '../../../../engine/errors';
import { checkpointFingerprint } from '../../../../engine/routing/checkpoint-fingerprint';
import { defaultProfilePath, parseProfile } from '../../../../engine/routing/profile-file';
import { tempDir, testCacheDir } from '../../../helpers/fixture-models';
import { textFixtureModel } from '../../../helpers/text-fixture-model';

const ROOT = join(__dirname, '../../../..');
const CAL = join(ROOT, 'engine/routing/calibration-texts');
const EVAL = join(ROOT, 'bench/routing-texts');

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (out += String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return { code: await fn(), out };
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
}

describe('calibrate and perplexity commands', () => {
  let dir: string;
  const calArgs = (d: string) => [
    '--model',
    d,
    '--code',
    join(CAL, 'code'),
    '--math',
    join(CAL, 'math'),
    '--general',
    join(CAL, 'general'),
    '--max-tokens',
    '600',
    '--window',
    '128',
    '--threads',
    '1',
    '--json',
    '--cache-dir',
    testCacheDir(),
  ];
  before(() => {
    dir = textFixtureModel('v3-tiny');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a versioned profile next to the model with the corpus and the checkpoint fingerprint', async () => {
    const { code, out } = await capture(() => calibrate(calArgs(dir)));
    assert.equal(code, 0);
    const summary = JSON.parse(out) as {
      profile: string;
      tokens: Record<string, number>;
      specialisation: { code: number[] };
    };
    assert.equal(summary.profile, defaultProfilePath(dir));
    assert.deepEqual(summary.tokens, { code: 600, math: 600, general: 600 });
    const profile = parseProfile(readFileSync(summary.profile, 'utf8'), summary.profile);
    assert.match(profile.checkpoint.fingerprint, /^sha256:/);
    assert.ok(profile.corpus.code.files.some((f) => f.endsWith('heapq.py')));
    assert.ok(
      !profile.corpus.general.files.some((f) => /README\.md$/.test(f) && f.includes('calibration-texts/README')),
    );
    assert.equal(profile.layers.length, 2);
  });

  it("prints the issue's JSON for plain, skewed and reduced runs", async () => {
    const file = join(EVAL, 'code/engine-runtime-generate.ts');
    const base = [
      '--model',
      dir,
      '--file',
      file,
      '--max-tokens',
      '300',
      '--decode-tokens',
      '4',
      '--threads',
      '1',
      '--json',
      '--cache-dir',
      testCacheDir(),
    ];
    const plain = JSON.parse((await capture(() => perplexity(base))).out) as Record<string, number>;
    assert.deepEqual(Object.keys(plain).sort(), [
      'bits_per_byte',
      'bytes',
      'decode_tokens_per_s',
      'experts_per_token',
      'experts_touched_fraction',
      'resident_expert_bytes',
      'tokens',
      'touched_per_1k_tokens',
    ]);
    assert.equal(plain.experts_per_token, 4, 'v3-tiny: top-4, every selected expert computed at τ 0');
    // a random-weight model over 256 byte tokens: about 8 bits per byte or worse, never less than 0
    assert.ok(plain.bits_per_byte > 4 && plain.tokens === 300, JSON.stringify(plain));
    const zero = JSON.parse(
      (await capture(() => perplexity([...base, '--domain', 'code', '--strength', '0']))).out,
    ) as Record<string, number>;
    assert.equal(zero.bits_per_byte, plain.bits_per_byte);
    const quarter = JSON.parse(
      (await capture(() => perplexity([...base, '--domain', 'code', '--strength', '1', '--keep-experts', '0.25']))).out,
    ) as Record<string, number>;
    // 4 of 16 experts kept per layer: at most a quarter of the (layer, expert) pairs can be touched
    assert.ok(quarter.experts_touched_fraction <= 0.25, JSON.stringify(quarter));
    assert.ok(plain.experts_touched_fraction > 0.25);
    // the adaptive expert count: fewer experts computed, never fewer than the top one
    const skipping = JSON.parse(
      (await capture(() => perplexity([...base, '--min-expert-weight', '0.22']))).out,
    ) as Record<string, number>;
    assert.ok(skipping.experts_per_token < 4 && skipping.experts_per_token >= 1, JSON.stringify(skipping));
    assert.notEqual(skipping.bits_per_byte, plain.bits_per_byte);
  });

  it('on a GGUF file: the profile is written beside it, fingerprinted, and perplexity --domain applies it', async () => {
    const file = join(tempDir('calibrate-gguf'), 'v3-tiny.gguf');
    writeDeepseek2Gguf(dir, file, 'F32');
    const { code, out } = await capture(() => calibrate(calArgs(file)));
    assert.equal(code, 0);
    const summary = JSON.parse(out) as { profile: string; tokens: Record<string, number> };
    assert.equal(summary.profile, `${file}.switchyard-routing.json`);
    assert.deepEqual(summary.tokens, { code: 600, math: 600, general: 600 });
    const profile = parseProfile(readFileSync(summary.profile, 'utf8'), summary.profile);
    assert.equal(profile.checkpoint.fingerprint, checkpointFingerprint(file));
    const args = ['--model', file, '--file', join(EVAL, 'code/engine-runtime-generate.ts'), '--max-tokens', '100'];
    const run = async (...more: string[]) =>
      JSON.parse(
        (await capture(() => perplexity([...args, ...more, '--json', '--cache-dir', testCacheDir()]))).out,
      ) as {
        experts_touched_fraction: number;
      };
    const kept = await run('--domain', 'code', '--keep-experts', '0.25');
    assert.ok(kept.experts_touched_fraction <= 0.25, JSON.stringify(kept));
  });

  it('refuses, with the cause, a profile made for another checkpoint', async () => {
    const other = textFixtureModel('v2lite-tiny');
    try {
      copyFileSync(defaultProfilePath(dir), defaultProfilePath(other));
      const args = [
        '--model',
        other,
        '--file',
        join(EVAL, 'general/typescript-SECURITY.md'),
        '--domain',
        'code',
        '--json',
      ];
      await assert.rejects(
        () => perplexity(args),
        (e: unknown) => e instanceof EngineError && /calibrated for another checkpoint/.test(e.message),
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('says what is missing when there is no profile yet', async () => {
    const bare = textFixtureModel('v3-tiny');
    try {
      const args = ['--model', bare, '--file', join(EVAL, 'general/typescript-SECURITY.md'), '--keep-experts', '0.5'];
      await assert.rejects(
        () => perplexity(args),
        /switchyard-routing\.json does not exist: run `npm run -s engine -- calibrate/,
      );
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
