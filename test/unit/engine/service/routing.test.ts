// The server's side of the routing skew, on the real runtime (a fixture checkpoint with a byte-level tokenizer):
// the calibrate request writes and applies a profile, requests then default to the profile's strength, keepExperts
// restricts routing to the ranked experts, a profile for other weights is refused, and `routing/profile` answers with
// the profile applied or why there is none.
import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../../../engine/errors';
import { checkpointFingerprint } from '../../../../engine/routing/checkpoint-fingerprint';
import { defaultProfilePath, parseProfile, saveProfile } from '../../../../engine/routing/profile-file';
import { loadModel } from '../../../../engine/runtime/load-model';
import { routingProfileResult } from '../../../../engine/routing/model-routing';
import { EngineService } from '../../../../engine/service/engine-service';
import { ScriptedModel } from '../../../helpers/scripted-model';
import { testCacheDir } from '../../../helpers/fixture-models';
import { madeUpProfile } from '../../../helpers/routing-profile';
import { textFixtureModel } from '../../../helpers/text-fixture-model';

const CAL = join(__dirname, '../../../../engine/routing/calibration-texts');
const calibrateParams = {
  code: [join(CAL, 'code/bisect.py')],
  math: [join(CAL, 'math')],
  general: [join(CAL, 'general/fastify-Style-Guide.md')],
};

describe('routing in the engine service', () => {
  let dir: string;
  const service = () =>
    new EngineService({ loadModel: (d, o) => loadModel(d, { ...o, cacheDir: testCacheDir() }), threads: 1 });
  before(() => {
    dir = textFixtureModel('v3-tiny');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('calibrates the loaded model on request and applies the profile to the next request', async function () {
    this.timeout(120_000);
    const s = service();
    const info = await s.loadModel({ path: dir });
    assert.equal(info.hasRoutingProfile, false);
    assert.match(
      s.routingProfile().reason ?? '',
      /has no routing profile \(switchyard-routing\.json\); create one with the engine's calibrate command/,
    );
    const req = (strength?: number) => ({
      prefix: 'def f(x):\n    ',
      suffix: '\n',
      languageId: 'python',
      maxTokens: 6,
      temperature: 0,
      routing: strength === undefined ? undefined : { domain: 'code' as const, strength },
    });
    const plain = await s.complete(req());
    const { profilePath } = await s.calibrate(calibrateParams);
    assert.equal(profilePath, defaultProfilePath(dir));
    assert.equal(s.stats().model?.hasRoutingProfile, true);
    // what routing/profile answers is the profile now applied, as written next to the model
    assert.deepEqual(s.routingProfile(), { profile: parseProfile(readFileSync(profilePath, 'utf8'), profilePath) });
    // strength 0 stays the checkpoint's routing (and so may reuse the cached prefix); a strong code bias is another
    // routing (prefilled afresh) and now changes which experts are selected
    const zero = await s.complete(req(0));
    assert.equal(zero.text, plain.text);
    assert.ok(zero.stats.reusedTokens > 0);
    const skewed = await s.complete(req(8));
    assert.equal(skewed.stats.reusedTokens, 0);
    assert.notDeepEqual(skewed.stats.expertCounts, plain.stats.expertCounts);
    assert.equal(skewed.stats.domain, 'code');
    await s.dispose();
  });

  it('loads with keepExperts: only the kept experts are ever selected', async function () {
    this.timeout(120_000);
    const s = service();
    await s.loadModel({ path: dir, keepExperts: 0.25 });
    const r = await s.complete({
      prefix: 'import os\n',
      suffix: '',
      languageId: 'python',
      maxTokens: 8,
      temperature: 0,
    });
    const counts = r.stats.expertCounts as number[][];
    for (const row of counts) assert.ok(row.filter((c) => c > 0).length <= 4, JSON.stringify(row));
    await s.dispose();
  });

  it('refuses keepExperts with a foreign profile, and loads without skew when none is needed', async function () {
    this.timeout(120_000);
    const other = textFixtureModel('v2lite-tiny');
    try {
      copyFileSync(defaultProfilePath(dir), defaultProfilePath(other));
      await assert.rejects(
        service().loadModel({ path: other, keepExperts: 0.5 }),
        (e: unknown) => e instanceof EngineError && /calibrated for another checkpoint/.test(e.message),
      );
      const s = service();
      const logged: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((c: string) => (logged.push(String(c)), true)) as typeof process.stderr.write;
      try {
        const info = await s.loadModel({ path: other });
        assert.equal(info.hasRoutingProfile, false);
        assert.match(s.routingProfile().reason ?? '', /^Routing skew is off: .*calibrated for another checkpoint/);
      } finally {
        process.stderr.write = write;
      }
      assert.match(logged.join(''), /routing skew off: .*calibrated for another checkpoint/);
      await s.dispose();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe("the engine service applies the domain's adaptive expert count", () => {
  let dir: string;
  before(() => {
    dir = textFixtureModel('v3-tiny');
    const profile = madeUpProfile(checkpointFingerprint(dir), { defaultStrength: 0, minExpertWeight: { code: 0.22 } });
    saveProfile(profile, defaultProfilePath(dir));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("code requests compute fewer experts at the profile's τ; the request's 0 computes every selected one", async function () {
    this.timeout(120_000);
    const s = new EngineService({ loadModel: (d, o) => loadModel(d, { ...o, cacheDir: testCacheDir() }), threads: 1 });
    await s.loadModel({ path: dir });
    const req = (routing?: { domain: 'code' | 'general'; minExpertWeight?: number }) => ({
      prefix: 'def f(x):\n    ',
      suffix: '\n',
      languageId: 'python',
      maxTokens: 6,
      temperature: 0,
      routing,
    });
    const computed = (r: { stats: { expertCounts?: number[][] } }) =>
      (r.stats.expertCounts ?? []).flat().reduce((a, b) => a + b, 0);
    const every = await s.complete(req({ domain: 'code', minExpertWeight: 0 }));
    const code = await s.complete(req());
    assert.ok(computed(code) < computed(every), `${computed(code)} vs ${computed(every)}`);
    assert.equal(code.stats.reusedTokens, 0, 'another τ is another routing: no cached prefix of τ 0');
    // general has no τ in the profile: the routing of τ 0, whose cached prompt it reuses
    const general = await s.complete(req({ domain: 'general' }));
    assert.equal(general.text, every.text);
    assert.ok(general.stats.reusedTokens > 0);
    await s.dispose();
  });
});

describe('routing/profile for a remote model', () => {
  it('says the skew cannot travel over the OpenAI API', () => {
    const info = {
      ...new ScriptedModel([]).info,
      path: 'http://gpu-box:8000/v1',
      backend: 'openai-compatible' as const,
    };
    assert.match(
      routingProfileResult(info, undefined).reason ?? '',
      /^Routing skew is off: requests go to http:\/\/gpu-box:8000\/v1 over the OpenAI API/,
    );
  });
});
