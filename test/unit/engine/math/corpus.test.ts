import assert from 'node:assert/strict';
import { join } from 'node:path';
import { shutdownSmt } from '../../../../engine/math/smt';
import { plantedErrorCases, readManifest } from '../../../helpers/proof-corpus';

const dir = join(__dirname, '../../../fixtures/proofs');
const manifest = readManifest(dir);

describe('Check Proof on the derivation corpus (test/fixtures/proofs)', function () {
  this.timeout(120_000);
  after(shutdownSmt);

  it('has at least 80 derivations, half of them with one planted error of varied kinds', () => {
    assert.ok(manifest.length >= 80);
    const planted = manifest.filter((m) => m.plantedError);
    assert.equal(planted.length * 2, manifest.length);
    assert.ok(new Set(planted.map((m) => m.plantedError!.kind)).size >= 10);
    assert.deepEqual(new Set(manifest.map((m) => m.language)), new Set(['latex', 'markdown', 'plaintext']));
  });

  plantedErrorCases(dir, manifest, { everyDocumentHasSteps: true });
});
