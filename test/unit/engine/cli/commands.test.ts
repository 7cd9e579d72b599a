// The command-line face, run as a user would (`tsx engine/cli.ts ...` as `npm run -s engine --` does): the JSON shapes
// of logits / generate / bench, and one-line errors with exit code 1.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeDeepseek2Gguf } from '../../../../bench/gguf/deepseek2';
import { FIXTURES, goldenTensor, maxAbsDiff, readGolden, tempDir, testCacheDir } from '../../../helpers/fixture-models';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';

const ROOT = join(__dirname, '..', '..', '..', '..');
function engine(...args: string[]) {
  const r = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'tsx'),
    [join(ROOT, 'engine', 'cli.ts'), ...args, '--threads', '1', '--cache-dir', testCacheDir()],
    { encoding: 'utf8', cwd: ROOT },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('engine CLI', function () {
  this.timeout(120_000);
  const v2 = join(FIXTURES, 'v2lite-tiny');
  const golden = readGolden('v2lite-tiny');
  const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

  it('logits --json prints the logits of every position and the experts per MoE layer and token', () => {
    const tokens = golden.prompts[0].tokens;
    const r = engine('logits', '--model', v2, '--tokens', tokens.join(','), '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { logits: number[][]; experts: number[][][] };
    assert.deepEqual(Object.keys(out), ['logits', 'experts']);
    assert.equal(out.logits.length, tokens.length);
    assert.ok(maxAbsDiff(out.logits.flat(), goldenTensor('v2lite-tiny', 'p0.prefill_logits')) <= 1e-4);
    assert.equal(out.experts.length, 2);
    assert.deepEqual(out.experts[0].map(sorted), golden.prompts[0].routing[0].expert_indices.map(sorted));
  });

  it('--model takes a GGUF file: logits --json of the converted fixture are the reference logits', () => {
    const file = join(tempDir('cli-gguf'), 'v2lite-tiny.gguf');
    writeDeepseek2Gguf(v2, file, 'F32');
    const r = engine('logits', '--model', file, '--tokens', golden.prompts[0].tokens.join(','), '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { logits: number[][] };
    assert.ok(maxAbsDiff(out.logits.flat(), goldenTensor('v2lite-tiny', 'p0.prefill_logits')) <= 1e-4);
  });

  it('logits --decode computes the same positions one token at a time', () => {
    const r = engine('logits', '--model', v2, '--tokens', '5,17,3', '--json', '--decode');
    const p = engine('logits', '--model', v2, '--tokens', '5,17,3', '--json');
    const [a, b] = [JSON.parse(r.stdout), JSON.parse(p.stdout)] as { logits: number[][]; experts: unknown }[];
    assert.equal(a.logits.length, 3);
    assert.ok(maxAbsDiff(a.logits.flat(), b.logits.flat()) <= 1e-4);
    assert.deepEqual(a.experts, b.experts);
  });

  it('generate --tokens --json gives the greedy continuation with throughput figures', () => {
    const r = engine(
      'generate',
      '--model',
      v2,
      '--tokens',
      golden.prompts[1].tokens.join(','),
      '--max-tokens',
      '16',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of ['tokens', 'text', 'prefill_tokens_per_s', 'decode_tokens_per_s']) assert.ok(k in out, k);
    // the model's EOS (1) would stop it early; the golden continuation has none
    assert.deepEqual(out.tokens, golden.prompts[1].greedy.new_tokens);
  });

  it('generate --prompt streams text through the tokenizer; seeded sampling repeats', () => {
    const dir = fixtureWithMadeUpTokenizer();
    const args = [
      'generate',
      '--model',
      dir,
      '--prompt',
      'def f(x):',
      '--max-tokens',
      '6',
      '--temperature',
      '0.9',
      '--seed',
      '4',
    ];
    const a = engine(...args, '--json');
    const b = engine(...args, '--json');
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(JSON.parse(a.stdout).tokens, JSON.parse(b.stdout).tokens);
    const streamed = engine(...args);
    assert.equal(streamed.stdout.replace(/\n$/, ''), JSON.parse(a.stdout).text as string);
  });

  it('generate --prompt on a GGUF file reads the text with the tokenizer in its metadata, as from its folder', () => {
    const dir = fixtureWithMadeUpTokenizer();
    const file = join(tempDir('cli-gguf-prompt'), 'v3-tiny.gguf');
    writeDeepseek2Gguf(dir, file, 'F32');
    const args = ['--prompt', 'def f(x):', '--max-tokens', '4', '--json'];
    const fromFile = engine('generate', '--model', file, ...args);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const fromDir = engine('generate', '--model', dir, ...args);
    const [a, b] = [fromFile, fromDir].map((r) => JSON.parse(r.stdout) as { tokens: number[]; text: string });
    assert.deepEqual([a.tokens, a.text], [b.tokens, b.text]);
  });

  it('bench --json reports throughput, first-token time and memory per prompt length', () => {
    const r = engine('bench', '--model', v2, '--prompt-lengths', '16,64', '--max-tokens', '4', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { runs: Record<string, number>[] };
    assert.deepEqual(
      out.runs.map((x) => x.prompt_tokens),
      [16, 64],
    );
    for (const run of out.runs) {
      for (const k of [
        'prefill_tokens_per_s',
        'decode_tokens_per_s',
        'time_to_first_token_ms',
        'peak_rss_bytes',
        'resident_expert_bytes',
      ]) {
        assert.ok(run[k] > 0, k);
      }
    }
  });

  it('bench --memory-budget runs the model within it and reports it; a budget below the dense part is one clear line', () => {
    const r = engine(
      'bench',
      '--model',
      v2,
      '--prompt-lengths',
      '16',
      '--max-tokens',
      '2',
      '--memory-budget',
      '4MiB',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { memory_budget_bytes: number; runs: Record<string, number>[] };
    assert.equal(out.memory_budget_bytes, 4 * 2 ** 20);
    assert.ok(out.runs[0].resident_expert_bytes > 0);
    const small = engine('bench', '--model', v2, '--max-tokens', '1', '--memory-budget', '100kB');
    assert.equal(small.code, 1);
    assert.match(
      small.stderr,
      /^switchyard engine: memory budget 97\.7 KiB is too small for v2lite-tiny: its dense part .* takes [\d.]+ [KMG]iB, .* at least [\d.]+ MiB\n$/,
    );
    const bad = engine('bench', '--model', v2, '--memory-budget', 'lots');
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^switchyard engine: --memory-budget must be a byte count or a size such as 20GB, 512MiB or 20G, got "lots"\n$/,
    );
  });

  it('prints one clear line and exits 1 on bad input', () => {
    const cases: [string[], RegExp][] = [
      [
        ['logits', '--model', v2, '--tokens', '5,999'],
        /^switchyard engine: token id 999 is out of range \(vocab_size 512\)\n$/,
      ],
      [
        ['logits', '--model', '/nonexistent/model', '--tokens', '1'],
        /^switchyard engine: \/nonexistent\/model: model folder does not exist\n$/,
      ],
      [['logits', '--model', v2, '--tokens', 'a,b'], /^switchyard engine: --tokens must be comma-separated/],
      [['generate', '--model', v2, '--prompt', 'hello'], /has no tokenizer\.json: use --tokens IDS\n$/],
      [
        ['logits', '--model', v2, '--tokens', '1', '--cache-limit', '20 parsecs'],
        /^switchyard engine: --cache-limit must be a byte count or a size such as 20GB, 512MiB or 20G, got "20 parsecs"\n$/,
      ],
    ];
    for (const [args, msg] of cases) {
      const r = engine(...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, msg);
    }
  });
});
