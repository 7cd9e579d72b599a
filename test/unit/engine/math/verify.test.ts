import assert from 'node:assert/strict';
import { checkProof } from '../../../../engine/math/check';
import { evaluate } from '../../../../engine/math/evaluate';
import { formatValue } from '../../../../engine/math/values';
import { parseLatex } from '../../../../engine/math/parse';
import { shutdownSmt } from '../../../../engine/math/smt';

const verdicts = async (text: string, languageId = 'markdown') =>
  (await checkProof({ text, languageId })).steps.map((s) => s.verdict);
const one = async (text: string) => (await checkProof({ text, languageId: 'markdown' })).steps[0]!;

describe('verification engine', function () {
  this.timeout(60_000);
  after(shutdownSmt);

  it('evaluates exactly at rational points (no floating-point noise)', () => {
    const v = evaluate(parseLatex('\\frac{1}{3} + \\frac{1}{6} + \\sqrt{\\frac{9}{4}}'), new Map());
    assert.equal(formatValue(v), '2');
    assert.equal(evaluate(parseLatex('\\ln(-1)'), new Map()), undefined);
    assert.equal(evaluate(parseLatex('\\frac{1}{0}'), new Map()), undefined);
  });

  it('verifies identities and refutes a wrong one with an exact rational counterexample', async () => {
    assert.deepEqual(await verdicts('$$\\frac{x^2-1}{x-1} = x + 1 = (x+1)^1$$'), ['verified', 'verified']);
    assert.equal((await one('$$(a+b)^3 = a^3 + 3a^2b + 3ab^2 + b^3 = a^3 + b^3$$')).verdict, 'verified');
    const wrong = (
      await checkProof({ text: '$$(a+b)^3 = a^3 + 3a^2b + 3ab^2 + b^3 = a^3 + b^3$$', languageId: 'markdown' })
    ).steps[1]!;
    assert.equal(wrong.verdict, 'wrong');
    assert.match(wrong.counterexample!.a!, /^-?\d+(\/\d+)?$/);
    assert.notEqual(wrong.values!.left, wrong.values!.right);
  });

  it('respects stated domains: ln(ab) = ln a + ln b holds for positives and is a domain error for negatives', async () => {
    assert.deepEqual(await verdicts('For $a, b > 0$: $\\ln(ab) = \\ln a + \\ln b$'), ['verified']);
    const s = (await checkProof({ text: 'For $a, b < 0$: $\\ln(ab) = \\ln a + \\ln b$', languageId: 'markdown' }))
      .steps[0]!;
    assert.equal(s.verdict, 'wrong');
    assert.match(s.detail, /undefined/);
    assert.ok(Number(eval(s.counterexample!.a!)) < 0);
  });

  it('says "cannot check" when too few sample points are in the domain, never "verified"', async () => {
    const s = await one('For $x > 0$: $\\sqrt{-x} + 1 = \\sqrt{-x} + 1 + 0 = 1 + \\sqrt{-x}$');
    assert.equal(s.verdict, 'unknown');
    assert.match(s.detail, /cannot check/);
  });

  it('samples sum indices and bounds as integers', async () => {
    assert.deepEqual(await verdicts('$$\\sum_{k=1}^{n} (2k - 1) = n^2$$'), ['verified']);
    assert.deepEqual(await verdicts('$$\\prod_{k=1}^{n} \\frac{k+1}{k} = n + 1$$'), ['verified']);
    const s = await one('$$\\sum_{k=1}^{n} (2k - 1) = n^2 + 1$$');
    assert.equal(s.verdict, 'wrong');
    assert.match(s.counterexample!.n!, /^\d+$/);
  });

  it('sums convergent infinite series numerically and refuses divergent ones', async () => {
    assert.deepEqual(
      await verdicts(
        '$$\\sum_{k=1}^{\\infty} \\frac{1}{k^2} = \\frac{\\pi^2}{6}$$ and $$\\sum_{k=0}^{\\infty} \\frac{1}{3^k} = 2$$',
      ),
      ['verified', 'wrong'],
    );
    const s = await one('$$\\sum_{k=1}^{\\infty} \\frac{1}{k} = 10$$');
    assert.equal(s.verdict, 'unknown');
  });

  it('takes derivatives before substituting points (d/dx of x^3 is not d/dx of a number)', async () => {
    assert.deepEqual(await verdicts('$$\\frac{d}{dx} x^3 = 3x^2$$'), ['verified']);
    assert.deepEqual(await verdicts('$$\\frac{d}{dx} x^3 = 0$$'), ['wrong']);
  });

  it('checks indefinite integrals by differentiating: a dropped constant is fine, a wrong antiderivative is not', async () => {
    assert.deepEqual(await verdicts('$$\\int \\cos x\\,dx = \\sin x$$'), ['verified']);
    assert.deepEqual(await verdicts('$$\\int \\cos x\\,dx = -\\sin x + C$$'), ['wrong']);
  });

  it('proves inequalities with the SMT solver and refutes false ones with a model', async () => {
    assert.deepEqual(await verdicts('$$x^2 - 2x + 1 \\ge 0$$'), ['verified']);
    const s = await one('$$x^2 + y^2 \\ge 3xy$$');
    assert.equal(s.verdict, 'wrong');
    assert.ok(s.counterexample!.x && s.counterexample!.y);
  });

  it('checks implications and equivalences by their solution sets', async () => {
    assert.deepEqual(await verdicts('$$x^2 - 1 = 0 \\iff x = 1 \\text{ or } x = -1$$'), ['verified']);
    const s = await one('$$x^2 - 1 = 0 \\iff x = 1$$');
    assert.equal(s.verdict, 'wrong');
    assert.equal(s.counterexample!.x, '-1');
  });

  it('checks equation rows without arrows as solving steps, and leaves systems and value lists alone', async () => {
    const solving = '$$\\begin{aligned}\n3x + 1 &= 10 \\\\\n3x &= 9 \\\\\nx &= 4\n\\end{aligned}$$';
    const { steps } = await checkProof({ text: solving, languageId: 'markdown' });
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict]),
      [
        [3, 'verified'],
        [4, 'wrong'],
      ],
    );
    assert.equal(steps[1]!.counterexample!.x, '3');
    const system =
      '$$\\begin{aligned}\nx + y &= 5 \\\\\nx - y &= 1\n\\end{aligned}$$\n\n$$\\begin{aligned}\nx &= 2 \\\\\nx &= 3\n\\end{aligned}$$';
    assert.deepEqual((await checkProof({ text: system, languageId: 'markdown' })).steps, []);
  });

  it('asks the critic only about steps algebra cannot decide, labelled as a model opinion', async () => {
    const asked: string[] = [];
    const critic = async (step: { text: string }) => {
      asked.push(step.text);
      return 'looks plausible';
    };
    const { steps } = await checkProof(
      {
        text: '$$1 + 1 = 2$$\n\n$$1 + 1 = 3$$\n\n$$\\Gamma(x) = \\Gamma(x)$$',
        languageId: 'markdown',
        withModelCritique: true,
      },
      { critic },
    );
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['verified', 'wrong', 'unknown'],
    );
    assert.deepEqual(asked, ['\\Gamma(x) = \\Gamma(x)']);
    assert.match(steps[2]!.modelOpinion!, /^model opinion/);
    assert.equal(steps[1]!.modelOpinion, undefined);
  });

  it('keeps every verdict when the critic fails (fake critic that throws), saying why the opinion is missing', async () => {
    const critic = async (): Promise<string> => {
      throw new Error('prompt of 420 tokens does not fit the context');
    };
    const { steps } = await checkProof(
      { text: '$$1 + 1 = 3$$\n\n$$\\Gamma(x) = \\Gamma(x)$$', languageId: 'markdown', withModelCritique: true },
      { critic },
    );
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['wrong', 'unknown'],
    );
    assert.equal(steps[1]!.modelOpinion, undefined);
    assert.match(steps[1]!.detail, /model could not be asked: prompt of 420 tokens/);
  });

  it('checks approximations to the precision written', async () => {
    assert.deepEqual(await verdicts('$$\\pi \\approx 3.14$$ and $$\\sqrt{2} \\approx 1.5$$'), ['verified', 'wrong']);
  });

  it('reports the steps past its time budget as not checked instead of hanging', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `$$(x+${i})^2 = x^2 + ${2 * i}x + ${i * i}$$`).join('\n\n');
    const { steps } = await checkProof({ text, languageId: 'markdown', timeoutMs: 1 });
    assert.equal(steps.length, 40);
    assert.ok(steps.some((s) => /time budget/.test(s.detail)));
    assert.ok(steps.every((s) => s.verdict !== 'wrong'));
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(checkProof({ text: '$1 = 1$', languageId: 'markdown' }, { signal: controller.signal }), {
      name: 'AbortError',
    });
  });
});
