import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  checkArithmetic,
  checkSimplification,
  findArithmetic,
  findSimplifications,
} from '../../../../engine/math/arithmetic';
import { runBench } from '../../../../engine/math/bench';

const root = join(__dirname, '../../../..');
const benchFile = join(root, 'test/fixtures/step-errors/public.jsonl');
const run = promisify(execFile);

describe('arithmetic claims and the step-error benchmark', function () {
  this.timeout(120_000);

  it('accepts a stated value rounded to its own decimals and rejects anything else', () => {
    assert.equal(checkArithmetic('10/3', '3.33').verdict, 'verified');
    assert.equal(checkArithmetic('10/3', '3.34').verdict, 'verified'); // ceiling, as in "3.34 buses"
    assert.equal(checkArithmetic('10/3', '3.5').verdict, 'wrong');
    assert.equal(checkArithmetic('$1,200 * 12%', '144').verdict, 'verified');
    assert.equal(checkArithmetic('5 x 4', '21').verdict, 'wrong');
  });

  it('finds arithmetic in prose without cutting expressions in half', () => {
    const found = (s: string) => findArithmetic(s).map((c) => `${c.expr.trim()}=${c.value}`);
    assert.deepEqual(found('She pays $2400 + $4000 = $6400 in total.'), ['$2400 + $4000=$6400']);
    assert.deepEqual(found('So 2 + 3 = 5 + 1 = 6.'), ['2 + 3=5 + 1', '5 + 1=6']);
    assert.equal(checkArithmetic('2 + 3', '5 + 1').verdict, 'verified'); // a running total, as people write them
    assert.equal(checkArithmetic('200 + (20 * 3)', '200 + 60').verdict, 'verified');
    assert.equal(checkArithmetic('$400,000 - $60,000 * 20', '$400,000 - $12,000').verdict, 'wrong');
    assert.deepEqual(found('3375 gallons * 1/3 = 1125 gallons'), []);
    assert.deepEqual(found('X + X + 80 + 2*X + 80*2 = 1920'), []);
    assert.deepEqual(found('with 12 = 3x and 4 = 2 * y'), []);
  });

  it('checks simplifications in one unknown, but not equations to solve', () => {
    const found = (t: string) =>
      findSimplifications(t).map((c) => [c.lhs, c.rhs, checkSimplification(c.lhs, c.rhs, c.variable).verdict]);
    assert.deepEqual(found('the length is (16 + x) * 18 = 288 + 18x feet'), [
      ['(16 + x) * 18', '288 + 18x', 'verified'],
    ]);
    assert.deepEqual(found('So 14 = 14 + (8 - x) = 22 - 2x.'), [['14 + (8 - x)', '22 - 2x', 'wrong']]);
    assert.deepEqual(found('we can set up the equation 5x + 20 = 300, and x + 3 = 2(x/2)'), []);
    assert.deepEqual(found('a total of 5 x 4 = 20 apples'), []);
  });

  it('measures the public half: no false alarm on reference solutions except a real typo, every arithmetic error found', async () => {
    const r = await runBench(benchFile);
    assert.equal(r.counts.items, 690);
    // gsm8k-test-1024's reference writes "$32 - $20 = $300" (it means $320 - $20): a true arithmetic error.
    const alarms = r.items.filter(
      (it, i) =>
        it.predicted_first_error_step !== -1 &&
        JSON.parse(readFileSync(benchFile, 'utf8').split('\n')[i]!).first_error_step === -1,
    );
    assert.deepEqual(
      alarms.map((a) => a.id),
      ['gsm8k-test-1024'],
    );
    assert.ok(r.false_alarm_rate <= 0.0025);
    assert.ok(r.recall >= 0.15, `recall ${r.recall}`);
    assert.ok(r.precision >= 0.7, `precision ${r.precision}`);
    // Every calculator annotation whose value is off is flagged, at or before its step.
    const items = readFileSync(benchFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { steps: string[] });
    for (const [i, item] of items.entries()) {
      const firstBad = item.steps.findIndex((s) =>
        [...s.matchAll(/<<([^<>=]+)=([^<>=]+)>>/g)].some((m) => checkArithmetic(m[1]!, m[2]!).verdict === 'wrong'),
      );
      if (firstBad >= 0) {
        const p = r.items[i]!.predicted_first_error_step;
        assert.ok(p !== -1 && p <= firstBad + 1, `${r.items[i]!.id}`);
      }
    }
  });

  it('prints the documented JSON shapes from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proof-cli-'));
    const bench = join(dir, 'b.jsonl');
    writeFileSync(
      bench,
      [
        JSON.stringify({ id: 'a', steps: ['2 + 2 = <<2+2=4>>4', '4 * 3 = <<4*3=13>>13'], first_error_step: 2 }),
        JSON.stringify({ id: 'b', steps: ['5 - 1 = <<5-1=4>>4'], first_error_step: -1 }),
      ].join('\n'),
    );
    const out = JSON.parse(
      (await run('npx', ['tsx', 'engine/cli.ts', 'proof', 'bench', bench, '--json'], { cwd: root })).stdout,
    );
    assert.deepEqual(Object.keys(out).slice(0, 3), ['precision', 'recall', 'false_alarm_rate']);
    assert.deepEqual(
      out.items.map((i: { id: string; predicted_first_error_step: number }) => [i.id, i.predicted_first_error_step]),
      [
        ['a', 2],
        ['b', -1],
      ],
    );
    assert.equal(out.precision, 1);
    assert.equal(out.recall, 1);
    assert.equal(out.false_alarm_rate, 0);

    const tex = join(dir, 'd.tex');
    writeFileSync(tex, 'Note\n\\[ (x-1)^2 = x^2 - 2x + 1 = x^2 + 1 \\]\n');
    const failed = await run('npx', ['tsx', 'engine/cli.ts', 'proof', 'check', tex, '--json'], { cwd: root }).catch(
      (e: { stdout: string; code: number }) => e,
    );
    assert.equal((failed as { code?: number }).code, 1, 'exit 1 when a step is wrong');
    const result = JSON.parse((failed as { stdout: string }).stdout);
    assert.deepEqual(
      result.steps.map((s: { line: number; verdict: string }) => [s.line, s.verdict]),
      [
        [2, 'verified'],
        [2, 'wrong'],
      ],
    );
    const wrong = result.steps[1];
    assert.deepEqual(Object.keys(wrong.range), ['start', 'end']);
    assert.equal(typeof wrong.text, 'string');
    assert.ok(wrong.counterexample.x);
    assert.equal(typeof wrong.detail, 'string');

    const missing = await run('npx', ['tsx', 'engine/cli.ts', 'proof', 'check', join(dir, 'nope.md')], {
      cwd: root,
    }).catch((e: { stderr: string; code: number }) => e);
    assert.equal((missing as { code?: number }).code, 1);
    assert.match((missing as { stderr: string }).stderr, /^switchyard engine: cannot read .*nope\.md/m);
  });
});
