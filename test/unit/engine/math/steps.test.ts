import assert from 'node:assert/strict';
import { checkProof, extractClaims } from '../../../../engine/math/check';
import { shutdownSmt } from '../../../../engine/math/smt';

const check = (text: string, languageId = 'markdown') => checkProof({ text, languageId });
const slice = (
  text: string,
  r: { start: { line: number; character: number }; end: { line: number; character: number } },
) => {
  const lines = text.split('\n');
  if (r.start.line === r.end.line) return lines[r.start.line]!.slice(r.start.character, r.end.character);
  return [
    lines[r.start.line]!.slice(r.start.character),
    ...lines.slice(r.start.line + 1, r.end.line),
    lines[r.end.line]!.slice(0, r.end.character),
  ].join('\n');
};

describe('steps from text', function () {
  this.timeout(60_000);
  after(shutdownSmt);

  it('splits a chain a = b = c into one step per link, each on its exact range', async () => {
    const text = 'Intro line\nSo $(x+1)^2 = x^2 + 2x + 1 = x^2 + 1$ holds.';
    const { steps } = await check(text);
    assert.equal(steps.length, 2);
    assert.deepEqual(
      steps.map((s) => slice(text, s.range)),
      ['(x+1)^2 = x^2 + 2x + 1', 'x^2 + 2x + 1 = x^2 + 1'],
    );
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['verified', 'wrong'],
    );
    assert.equal(steps[0]!.line, 2);
  });

  it('counts columns in UTF-16 code units (an astral character before the math takes two)', async () => {
    const text = '𝔸 λ: $2 + 2 = 5$';
    const { steps } = await check(text);
    assert.equal(steps[0]!.range.start.character, 7); // 𝔸 (2) + " λ: $" (5)
    assert.equal(slice(text, steps[0]!.range), '2 + 2 = 5');
  });

  it('continues an align row from the previous right-hand side and reports the row itself', async () => {
    const text =
      '\\begin{align*}\n(a+b)^2 &= a^2 + 2ab + b^2 \\\\\n  &= a^2 + b^2 + 2ba \\\\\n  &= a^2 + b^2\n\\end{align*}';
    const { steps } = await check(text, 'latex');
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict]),
      [
        [2, 'verified'],
        [3, 'verified'],
        [4, 'wrong'],
      ],
    );
    assert.equal(slice(text, steps[2]!.range), '= a^2 + b^2');
    assert.equal(steps[2]!.sides!.left, 'a^2 + b^2 + 2ba');
  });

  it('checks inequality chains link by link: a ≤ b < c', async () => {
    const { steps } = await check('$$x^2 + 1 \\le x^2 + 2 < x^2 + 1$$');
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['verified', 'wrong'],
    );
  });

  it('reports malformed LaTeX as unparsed with its range, never guessing', async () => {
    const text = 'Then $\\frac{1}{x = 2$ and $x^2 = @@$.';
    const { steps } = await check(text);
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['unparsed', 'unparsed'],
    );
    assert.equal(slice(text, steps[0]!.range), '\\frac{1}{x = 2');
  });

  it('skips code fences and inline code in Markdown, and does not read prices as math', async () => {
    const text = '```\n$1 + 1 = 3$\n```\nIt costs $5 and $10 now; `$2 = 3$`.\n\n$1 + 1 = 2$';
    const { steps } = await check(text);
    assert.equal(steps.length, 1);
    assert.equal(steps[0]!.line, 6);
  });

  it('ignores LaTeX comments, labels and \\text annotations', async () => {
    const text = '% $1 = 2$\n\\begin{equation}\\label{eq:1}\n  2 + 2 = 4 \\quad \\text{(by counting)}\n\\end{equation}';
    const { steps } = await check(text, 'latex');
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict, slice(text, s.range)]),
      [[3, 'verified', '2 + 2 = 4']],
    );
  });

  it('treats definitions and equations to solve as premises, not as false identities', async () => {
    const { steps } = await check("Let $f(x) = x^3$ and solve $2x + 3 = 7$. Then $f'(x) = 3x^2$.");
    assert.deepEqual(
      steps.map((s) => [s.text, s.verdict]),
      [["f'(x) = 3x^2", 'verified']],
    );
  });

  it('reads plain-text math and code comments, with `= …` lines continuing the chain', async () => {
    const text = '// (x + 2)^2 = x^2 + 4*x + 4\n//   = x*(x + 4) + 4\n# 7 * 8 = 54\nprint("not math")';
    const { steps } = await check(text, 'python');
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict]),
      [
        [1, 'verified'],
        [2, 'verified'],
        [3, 'wrong'],
      ],
    );
    assert.equal(slice(text, steps[2]!.range), '7 * 8 = 54');
  });

  it('shifts ranges by the origin of a selection', async () => {
    const { steps } = await checkProof({
      text: 'x $1 + 1 = 2$\n$2 = 3$',
      languageId: 'markdown',
      origin: { line: 10, character: 4 },
    });
    assert.deepEqual(steps[0]!.range.start, { line: 10, character: 7 });
    assert.deepEqual(steps[1]!.range.start, { line: 11, character: 1 });
    assert.equal(steps[1]!.line, 12);
  });

  it('extracts implications with their premises and \\text{or} conclusions', () => {
    const { claims } = extractClaims('$$x^2 = 4 \\implies x = 2 \\text{ or } x = -2$$', 'markdown');
    assert.equal(claims.length, 1);
    const c = claims[0]!;
    assert.equal(c.kind, 'implication');
    if (c.kind === 'implication') assert.equal(c.conclusion.length, 2);
  });

  it('checks arithmetic in plain-text prose, a lone x between numbers being a times sign', async () => {
    const text = 'She buys 3 bags at $4 each, so 3 * $4 = $13 in total.\nThen 5 x 4 = 20 and x = 5.';
    const { steps } = await check(text, 'plaintext');
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict, slice(text, s.range)]),
      [
        [1, 'wrong', '3 * $4 = $13'],
        [2, 'verified', '5 x 4 = 20'],
      ],
    );
  });

  it('reads calculator annotations <<expr=value>> as arithmetic claims', async () => {
    const { steps } = await check('She has 3 + 4 = <<3+4=7>>7 and 6 * 7 = <<6*7=43>>43 apples.', 'plaintext');
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['verified', 'wrong'],
    );
    assert.equal(steps[1]!.text, '6*7=43');
  });
});
