// The default model ships with its routing profile: calibrated on exactly the shipped weights, with a non-zero default
// strength the routing benchmark chose. When the model is retrained, this fails until the profile is made again.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModelRouting } from '../../../../engine/routing/model-routing';
import { readConfig } from '../../../../engine/checkpoint/config';
import { moeLayerCount } from '../../../../engine/checkpoint/config';

const DEFAULT_MODEL = join(__dirname, '../../../../engine/models/default');

describe("the default model's routing profile", () => {
  it('belongs to the shipped weights (else: npm run bench:routing -- --calibrate)', function () {
    if (!existsSync(join(DEFAULT_MODEL, 'config.json'))) this.skip();
    const cfg = readConfig(DEFAULT_MODEL);
    const routing = ModelRouting.load(DEFAULT_MODEL, {
      moeLayers: moeLayerCount(cfg),
      routedExperts: cfg.n_routed_experts,
    });
    assert.ok(routing, 'engine/models/default/switchyard-routing.json is missing');
    // the model is trained for domain-specialised experts (engine/train/specialise.py), so skew pays on it: a strength
    // of 0 here means the benchmark found none within the quality budget, i.e. the specialisation was lost
    assert.ok(routing.defaultStrength > 0, `default strength ${routing.defaultStrength}`);
    for (const d of ['code', 'math', 'general'] as const) assert.ok(routing.profile.corpus[d].tokens > 1000, d);
  });
});
