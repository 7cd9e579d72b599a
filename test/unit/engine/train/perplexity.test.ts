// `engine perplexity` on the default model: bits per byte equal PyTorch's on a held-out text, every token is scored
// once, the command prints the documented JSON, and bad input gets a one-line error.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measurePerplexity } from '../../../../engine/cli/perplexity';
import type { LoadedModel } from '../../../../engine/runtime/api';
import { loadModel } from '../../../../engine/runtime/load-model';
import { testCacheDir } from '../../../helpers/fixture-models';
import { DEFAULT_MODEL, ROOT, readParity } from '../../../helpers/default-model';

describe('perplexity of the default model', () => {
  const fx = readParity();
  let model: LoadedModel;
  before(async function () {
    this.timeout(180_000);
    model = await loadModel(DEFAULT_MODEL, { threads: 1, cacheDir: testCacheDir() });
  });
  after(() => model?.dispose());

  it('matches PyTorch bits per byte on held-out code and scores every token once', async () => {
    const r = await measurePerplexity(model, [fx.perplexity.text], { context: fx.context });
    assert.equal(r.tokens, fx.perplexity.tokens);
    assert.equal(r.bytes, fx.perplexity.bytes);
    assert.ok(
      Math.abs(r.bits_per_byte - fx.perplexity.bits_per_byte) < 1e-4,
      `${r.bits_per_byte} vs ${fx.perplexity.bits_per_byte}`,
    );
    assert.ok(r.bits_per_byte < 2.5, `held-out code at ${r.bits_per_byte} bits/byte`);
  });

  it('scores a repetitive text far better than random bytes, and a shorter context costs bits', async () => {
    const easy = 'for (let i = 0; i < n; i++) {\n  total += values[i];\n}\n'.repeat(12);
    const noise = Array.from({ length: 600 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('');
    const e = await measurePerplexity(model, [easy], { context: fx.context });
    const n = await measurePerplexity(model, [noise], { context: fx.context });
    assert.ok(e.bits_per_byte < 0.5 * n.bits_per_byte, `${e.bits_per_byte} vs ${n.bits_per_byte}`);
    const short = await measurePerplexity(model, [fx.perplexity.text], { context: 8 });
    assert.ok(short.bits_per_byte > fx.perplexity.bits_per_byte, `context 8: ${short.bits_per_byte}`);
    assert.ok(e.experts_touched_fraction > 0 && e.experts_touched_fraction <= 1);
  });

  it('the CLI prints {"bits_per_byte", "tokens"} as JSON and rejects a missing file in one line', function () {
    this.timeout(180_000);
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-ppl-'));
    const file = join(dir, 'sample.py');
    writeFileSync(file, fx.perplexity.text);
    const env = { ...process.env, XDG_CACHE_HOME: testCacheDir() };
    const cli = join(ROOT, 'engine', 'cli.ts');
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const ok = spawnSync(
      tsx,
      [cli, 'perplexity', '--model', DEFAULT_MODEL, '--file', file, '--json', '--threads', '1'],
      { env, encoding: 'utf8' },
    );
    assert.equal(ok.status, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as { bits_per_byte: number; tokens: number };
    assert.ok(Math.abs(out.bits_per_byte - fx.perplexity.bits_per_byte) < 1e-4);
    assert.equal(out.tokens, fx.perplexity.tokens);
    const bad = spawnSync(
      tsx,
      [cli, 'perplexity', '--model', DEFAULT_MODEL, '--file', join(dir, 'missing.txt'), '--json'],
      { env, encoding: 'utf8' },
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr.trim(), /^switchyard engine: .*missing\.txt: no such file$/);
  });
});
