import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { headOf } from '../../../../engine/math/mathjson';
import { parseAscii, parseLatex, ParseFailure } from '../../../../engine/math/parse';

describe('math parsing', () => {
  it('runs the pinned Compute Engine 0.140.0 (a plain install on Node 20 picks 0.27, which misreads d/dx)', () => {
    const pkg = JSON.parse(
      readFileSync(join(__dirname, '../../../../node_modules/@cortex-js/compute-engine/package.json'), 'utf8'),
    );
    assert.equal(pkg.version, '0.140.0');
    const lock = JSON.parse(readFileSync(join(__dirname, '../../../../package-lock.json'), 'utf8'));
    assert.equal(lock.packages['node_modules/@cortex-js/compute-engine'].version, '0.140.0');
    assert.deepEqual(parseLatex('\\frac{d}{dx} x^3'), ['D', ['Power', 'x', 3], 'x']);
  });

  it('refuses a sum or product with nothing after it, before the CAS trips over it (and logs to stderr)', () => {
    const logged: unknown[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      for (const text of ['x + \\sum_{i=1}^{n}', '\\sum_{i=1}^{n}', '\\prod_{k=1}^{3}'])
        assert.throws(
          () => parseLatex(text),
          (e: Error) => e instanceof ParseFailure && /with nothing after it/.test(e.message),
          text,
        );
      assert.deepEqual(parseLatex('\\sum_{i=1}^{n} i'), ['Sum', 'i', ['Limits', 'i', 1, 'n']]);
    } finally {
      console.error = error;
    }
    assert.deepEqual(logged, []);
  });

  it('reads ASCII math with implicit products, ** powers and thousands separators', () => {
    assert.deepEqual(parseAscii('2x + 1'), ['Add', ['Multiply', 2, 'x'], 1]);
    assert.deepEqual(parseAscii('x**2'), ['Power', 'x', 2]);
    assert.equal(parseAscii('12,000'), 12000);
    assert.deepEqual(parseAscii('sqrt(x) * ln(x)'), ['Multiply', ['Sqrt', 'x'], ['Ln', 'x']]);
  });

  it('refuses malformed input with a message naming it instead of guessing', () => {
    assert.throws(() => parseLatex('\\frac{1}{'), ParseFailure);
    assert.throws(
      () => parseAscii('3 * (4 +'),
      (e: Error) => e instanceof ParseFailure && /cannot parse '3 \* \(4 \+'/.test(e.message),
    );
  });
});

describe('functions written without parentheses, read as a reader means them', () => {
  const reads = (latex: string, json: unknown) => assert.deepEqual(parseLatex(latex), json, latex);

  it('\\ln a \\cdot \\ln b is a product of two logarithms, not ln(a · ln b)', () => {
    reads('\\ln a \\cdot \\ln b', ['Multiply', ['Ln', 'a'], ['Ln', 'b']]);
    reads('\\ln a + \\ln b', ['Add', ['Ln', 'a'], ['Ln', 'b']]);
    reads('\\ln x \\ln y', ['Multiply', ['Ln', 'x'], ['Ln', 'y']]);
    reads('\\sin x \\times \\cos x', ['Multiply', ['Sin', 'x'], ['Cos', 'x']]);
    reads('\\exp x \\cdot \\exp y', ['Multiply', ['Power', 'ExponentialE', 'x'], ['Power', 'ExponentialE', 'y']]);
  });

  it('\\sin^2 x is (sin x)^2; \\sin 2x, \\ln ab, \\sin \\pi x and \\sin x^2 take the whole factor', () => {
    reads('\\sin^2 x', ['Power', ['Sin', 'x'], 2]);
    reads('\\sin^2 x \\cdot \\cos x', ['Multiply', ['Cos', 'x'], ['Power', ['Sin', 'x'], 2]]);
    reads('\\sin 2x', ['Sin', ['Multiply', 2, 'x']]);
    reads('\\ln ab', ['Ln', ['Multiply', 'a', 'b']]);
    reads('\\sin \\pi x', ['Sin', ['Multiply', 'Pi', 'x']]);
    reads('\\sin x^2', ['Sin', ['Power', 'x', 2]]);
    reads('\\ln \\frac{a}{b}', ['Ln', ['Divide', 'a', 'b']]);
  });

  it('implicit products of functions, \\cdot and \\times', () => {
    reads('2\\sin x\\cos x', ['Multiply', 2, ['Sin', 'x'], ['Cos', 'x']]);
    reads('x\\ln x - x', ['Add', ['Negate', 'x'], ['Multiply', 'x', ['Ln', 'x']]]);
    reads('\\frac{1}{2}\\sin 2x', ['Multiply', ['Rational', 1, 2], ['Sin', ['Multiply', 2, 'x']]]);
    reads('a \\times b \\cdot c', ['Multiply', 'a', 'b', 'c']);
    reads('\\sin\\theta\\cos\\theta', ['Multiply', ['Sin', 'theta'], ['Cos', 'theta']]);
  });

  it('leaves parenthesized and absolute-value arguments and integrals as written', () => {
    reads('\\sin(x)\\cos(x)', ['Multiply', ['Sin', 'x'], ['Cos', 'x']]);
    reads('\\ln|x|', ['Ln', ['Abs', 'x']]);
    reads('\\log_2 8', ['Log', 8, 2]);
    assert.equal(headOf(parseLatex('\\int \\sin x \\, dx')), 'Integrate');
  });
});

describe('evaluation brackets of a definite integral, read as F(b) - F(a)', () => {
  it('\\left[F\\right]_a^b, \\Big[F\\Big]_{a}^{b} and [F]_a^b become the difference; an interval [0, 1] stays a list', () => {
    assert.deepEqual(parseLatex('\\left[x^2\\right]_1^3'), ['Add', ['Power', 3, 2], ['Negate', ['Power', 1, 2]]]);
    assert.deepEqual(parseLatex('\\Big[x^2\\Big]_{1}^{3}'), parseLatex('\\left[x^2\\right]_1^3'));
    assert.deepEqual(parseLatex('[x^2]_1^3 + 1'), ['Add', ['Add', ['Power', 3, 2], ['Negate', ['Power', 1, 2]]], 1]);
    assert.deepEqual(parseLatex('\\left[-\\cos x\\right]_0^{\\pi}'), [
      'Add',
      ['Negate', ['Cos', 'Pi']],
      ['Negate', ['Negate', ['Cos', 0]]],
    ]);
    assert.deepEqual(parseLatex('[0, 1]'), ['List', 0, 1]);
  });

  it('a bracket with a parameter besides its variable is not guessed at', () => {
    assert.throws(() => parseLatex('\\left[\\frac{t^2}{2} + c\\right]_0^1'), ParseFailure);
  });
});
