import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clampNumber,
  NUMBER_SETTINGS,
  readByteSize,
  readNumber,
  type NumberSetting,
} from '../../../../src/util/setting-bounds';

interface Declared {
  type: string | string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  restricted?: boolean;
}
const pkg = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Declared> } };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[]; description: string } };
};
const props = pkg.contributes.configuration.properties;

describe('settings: bounds and workspace trust', () => {
  it('clamps whatever a settings.json holds: 1e12 ms, negative threads, NaN, strings', () => {
    assert.equal(
      readNumber(() => 1e12, 'remote.timeoutMs'),
      600_000,
    );
    assert.equal(
      readNumber(() => 1e12, 'proof.timeoutMs'),
      600_000,
    );
    assert.ok(readNumber(() => 1e12, 'proof.timeoutMs') <= 2 ** 31 - 1, 'fits setTimeout');
    assert.equal(
      readNumber(() => 1e6, 'engine.threads'),
      256,
    );
    assert.equal(
      readNumber(() => -4, 'engine.threads'),
      0,
    );
    assert.equal(
      readNumber(() => 2.6, 'engine.threads'),
      3,
    );
    assert.equal(
      readNumber(() => Number.NaN, 'chat.maxTokens'),
      1024,
    );
    assert.equal(
      readNumber(() => '5000', 'completion.maxTokens'),
      96,
    );
    assert.equal(
      readNumber(() => undefined, 'server.port'),
      8012,
    );
    assert.equal(
      readNumber(() => 70_000, 'server.port'),
      65535,
    );
    assert.equal(clampNumber(Infinity, { min: 0, max: 2, fallback: 0.7 }), 0.7);
  });

  it('reads the graph cache limit as bytes or a size with a unit, clamped; a bad size falls back, saying why', () => {
    const read = (v: unknown) => readByteSize(() => v, 'engine.graphCacheLimit');
    assert.deepEqual(read('20GB'), { bytes: 20e9 });
    assert.deepEqual(read('512MiB'), { bytes: 512 * 2 ** 20 });
    assert.deepEqual(read(1e6), { bytes: 1e6 });
    assert.deepEqual(read(-5), { bytes: 0 });
    assert.deepEqual(read('9000PB'), { bytes: 2 ** 50 });
    assert.deepEqual(read(undefined), { bytes: 32 * 2 ** 30 });
    const bad = read('lots');
    assert.equal(bad.bytes, 32 * 2 ** 30);
    assert.match(
      bad.error ?? '',
      /^switchyard\.engine\.graphCacheLimit must be a byte count or a size such as 20GB, 512MiB or 20G, got "lots"; using the default, 32\.0 GiB$/,
    );
    assert.equal(props['switchyard.engine.graphCacheLimit'].default, '32GiB');
    assert.equal(
      read(props['switchyard.engine.graphCacheLimit'].default).bytes,
      NUMBER_SETTINGS['engine.graphCacheLimit'].fallback,
    );
  });

  it('every numeric setting in package.json is clamped on read, with the bounds and default package.json declares', () => {
    const numeric = Object.entries(props).filter(([, v]) =>
      [v.type].flat().some((t) => t === 'number' || t === 'integer'),
    );
    assert.ok(numeric.length >= 10);
    for (const [key, v] of numeric) {
      const b = NUMBER_SETTINGS[key.replace(/^switchyard\./, '') as NumberSetting];
      assert.ok(b, `${key} has no bounds in src/util/setting-bounds.ts`);
      assert.equal(v.minimum, b.min, `${key} minimum`);
      assert.equal(v.maximum, b.max, `${key} maximum`);
      if (typeof v.default === 'number') assert.equal(v.default, b.fallback, `${key} default`);
      assert.ok(b.fallback >= b.min && b.fallback <= b.max, `${key} fallback in range`);
    }
  });

  it('a workspace cannot start the local server, choose its port or set the system prompt (restricted settings)', () => {
    for (const key of [
      'switchyard.server.enabled',
      'switchyard.server.port',
      'switchyard.server.host',
      'switchyard.chat.systemPrompt',
      'switchyard.proof.coqcPath',
      'switchyard.proof.leanPath',
    ]) {
      assert.equal(props[key]?.restricted, true, `${key} is restricted`);
      assert.ok(
        pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key),
        `${key} listed in restrictedConfigurations`,
      );
    }
    for (const key of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations)
      assert.equal(props[key]?.restricted, true, `${key} is declared restricted`);
    assert.match(pkg.capabilities.untrustedWorkspaces.description, /coqc or lean/);
  });
});
