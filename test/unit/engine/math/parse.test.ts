import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAscii, parseLatex, ParseFailure } from '../../../../engine/math/parse';

describe('math parsing', () => {
  it('runs the pinned Compute Engine 0.140.0 (a plain install on Node 20 picks 0.27, which misreads d/dx)', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../../node_modules/@cortex-js/compute-engine/package.json'), 'utf8'));
    assert.equal(pkg.version, '0.140.0');
    const lock = JSON.parse(readFileSync(join(__dirname, '../../../../package-lock.json'), 'utf8'));
    assert.equal(lock.packages['node_modules/@cortex-js/compute-engine'].version, '0.140.0');
    assert.deepEqual(parseLatex('\\frac{d}{dx} x^3'), ['D', ['Power', 'x', 3], 'x']);
  });

  it('reads ASCII math with implicit products, ** powers and thousands separators', () => {
    assert.deepEqual(parseAscii('2x + 1'), ['Add', ['Multiply', 2, 'x'], 1]);
    assert.deepEqual(parseAscii('x**2'), ['Power', 'x', 2]);
    assert.equal(parseAscii('12,000'), 12000);
    assert.deepEqual(parseAscii('sqrt(x) * ln(x)'), ['Multiply', ['Sqrt', 'x'], ['Ln', 'x']]);
  });

  it('refuses malformed input with a message naming it instead of guessing', () => {
    assert.throws(() => parseLatex('\\frac{1}{'), ParseFailure);
    assert.throws(() => parseAscii('3 * (4 +'), (e: Error) => e instanceof ParseFailure && /cannot parse '3 \* \(4 \+'/.test(e.message));
  });
});
