import * as assert from 'node:assert/strict';
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDeepseek2Gguf } from '../../../../bench/gguf/deepseek2';
import { EngineError } from '../../../../engine/errors';
import { checkpointFingerprint } from '../../../../engine/routing/checkpoint-fingerprint';
import { PROFILE_VERSION } from '../../../../engine/routing/profile';
import { defaultProfilePath, loadProfileFor, parseProfile, saveProfile } from '../../../../engine/routing/profile-file';
import { validateModel } from '../../../../engine/runtime/load-model';
import { fixtureWeightsCopy, madeUpProfile as profileFor } from '../../../helpers/routing-profile';

const fixtures = join(__dirname, '../../../fixtures/deepseek');

describe('routing profile file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fixtureWeightsCopy();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fingerprints checkpoints by their weights: same files same print, other weights another', () => {
    const a = checkpointFingerprint(dir);
    assert.match(a, /^sha256:[0-9a-f]{64}$/);
    const same = mkdtempSync(join(tmpdir(), 'switchyard-profile-'));
    try {
      for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(dir, f), join(same, f));
      assert.equal(checkpointFingerprint(same), a);
      copyFileSync(join(fixtures, 'v2lite-tiny', 'model.safetensors'), join(same, 'model.safetensors'));
      assert.notEqual(checkpointFingerprint(same), a);
    } finally {
      rmSync(same, { recursive: true, force: true });
    }
  });

  it('loads the profile saved for the checkpoint, and reports none when there is none', () => {
    const shape = { moeLayers: 2, routedExperts: 16 };
    assert.equal(loadProfileFor(dir, shape), undefined);
    saveProfile(profileFor(checkpointFingerprint(dir)), defaultProfilePath(dir));
    const p = loadProfileFor(dir, shape);
    assert.equal(p?.layers.length, 2);
  });

  it('refuses a profile calibrated for a different checkpoint, saying so and how to fix it', () => {
    const other = checkpointFingerprint(join(fixtures, 'v3-tiny-yarn'));
    saveProfile(profileFor(other), defaultProfilePath(dir));
    assert.throws(
      () => loadProfileFor(dir, { moeLayers: 2, routedExperts: 16 }),
      (err: unknown) =>
        err instanceof EngineError &&
        /calibrated for another checkpoint/.test(err.message) &&
        /calibrate --model/.test(err.message),
    );
  });

  it('refuses a profile whose weights changed after calibration', () => {
    saveProfile(profileFor(checkpointFingerprint(dir)), defaultProfilePath(dir));
    const weights = readFileSync(join(dir, 'model.safetensors'));
    weights[weights.length - 1] ^= 1;
    writeFileSync(join(dir, 'model.safetensors'), weights);
    assert.throws(() => loadProfileFor(dir, { moeLayers: 2, routedExperts: 16 }), /another checkpoint/);
  });

  it("a GGUF file's profile sits beside it (one for a split model's shards); its fingerprint is its bytes'", async () => {
    const shape = { moeLayers: 2, routedExperts: 16 };
    const gguf = mkdtempSync(join(tmpdir(), 'switchyard-profile-gguf-'));
    try {
      const file = join(gguf, 'model.gguf');
      writeDeepseek2Gguf(dir, file, 'F32');
      assert.equal(defaultProfilePath(file), `${file}.switchyard-routing.json`);
      const print = checkpointFingerprint(file);
      copyFileSync(file, join(gguf, 'renamed.gguf'));
      assert.equal(checkpointFingerprint(join(gguf, 'renamed.gguf')), print, 'the name is not part of it');
      writeDeepseek2Gguf(dir, join(gguf, 'q8.gguf'), 'Q8_0');
      assert.notEqual(checkpointFingerprint(join(gguf, 'q8.gguf')), print);

      assert.equal((await validateModel(file)).info.hasRoutingProfile, false);
      saveProfile(profileFor(print), defaultProfilePath(file));
      assert.equal(loadProfileFor(file, shape)?.layers.length, 2);
      assert.equal((await validateModel(file)).info.hasRoutingProfile, true);
      assert.throws(() => loadProfileFor(join(gguf, 'q8.gguf'), shape, defaultProfilePath(file)), /another checkpoint/);

      const shard = (i: number) => join(gguf, `m-0000${i}-of-00002.gguf`);
      writeFileSync(shard(1), 'first shard');
      writeFileSync(shard(2), 'second shard');
      assert.equal(defaultProfilePath(shard(2)), `${shard(1)}.switchyard-routing.json`);
      const split = checkpointFingerprint(shard(1));
      assert.equal(checkpointFingerprint(shard(2)), split);
      writeFileSync(shard(2), 'other second shard');
      assert.notEqual(checkpointFingerprint(shard(1)), split, 'every shard is part of it');

      // a file too big to hash whole: its header and metadata (the first megabytes) are part of it
      const big = join(gguf, 'big.gguf');
      copyFileSync(file, big);
      truncateSync(big, 80 * 1024 * 1024);
      const bigPrint = checkpointFingerprint(big);
      const fd = openSync(big, 'r+');
      writeSync(fd, Buffer.from([1]), 0, 1, 4 * 1024 * 1024);
      closeSync(fd);
      assert.notEqual(checkpointFingerprint(big), bigPrint);
    } finally {
      rmSync(gguf, { recursive: true, force: true });
    }
  });

  it('refuses malformed and future-version profiles with the cause named', () => {
    assert.throws(() => parseProfile('{', 'p.json'), /p\.json: not valid JSON/);
    assert.throws(() => parseProfile('{"format":"other"}', 'p.json'), /not a Switchyard routing profile/);
    const future = { ...profileFor('sha256:x'), version: PROFILE_VERSION + 1 };
    assert.throws(() => parseProfile(JSON.stringify(future), 'p.json'), /version \d+ is not supported/);
    const short = profileFor('sha256:x');
    short.layers[1].bias.code = [1, 2];
    assert.throws(
      () => parseProfile(JSON.stringify(short), 'p.json'),
      /layers\[1\]\.bias\.code must be 16 finite numbers/,
    );
  });

  it("reads each domain's τ (minExpertWeight) and refuses one outside [0, 1) or for an unknown domain", () => {
    const ok = { ...profileFor('sha256:x'), minExpertWeight: { code: 0.1, general: 0 } };
    assert.deepEqual(parseProfile(JSON.stringify(ok), 'p.json').minExpertWeight, { code: 0.1, general: 0 });
    assert.equal(parseProfile(JSON.stringify(profileFor('sha256:x')), 'p.json').minExpertWeight, undefined);
    for (const bad of [{ code: 1 }, { math: -0.1 }, { prose: 0.1 }, { code: '0.1' }]) {
      assert.throws(
        () => parseProfile(JSON.stringify({ ...profileFor('sha256:x'), minExpertWeight: bad }), 'p.json'),
        /minExpertWeight\.\w+ must be a number in \[0, 1\)/,
      );
    }
  });

  it('refuses a profile made for another expert layout', () => {
    saveProfile(profileFor(checkpointFingerprint(dir)), defaultProfilePath(dir));
    assert.throws(() => loadProfileFor(dir, { moeLayers: 2, routedExperts: 8 }), /2 MoE layers x 16 experts/);
  });
});
