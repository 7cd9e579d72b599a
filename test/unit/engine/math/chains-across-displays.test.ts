import assert from 'node:assert/strict';
import { checkProof } from '../../../../engine/math/check';
import { shutdownSmt } from '../../../../engine/math/smt';

const verdicts = async (text: string, languageId: string) =>
  (await checkProof({ text, languageId })).steps.map((s) => [s.line, s.verdict]);

describe('chains continued across displays, as people write them', function () {
  this.timeout(60_000);
  after(shutdownSmt);

  it('Markdown: one $$…$$ per line, each continuation starting with "="; the wrong last step is found', async () => {
    const text =
      '# Cube\n\n$$(a-b)^3 = (a-b)(a-b)^2$$\n$$= (a-b)(a^2-2ab+b^2)$$\n\n$$= a^3-2a^2b+ab^2-a^2b+2ab^2-b^3$$\n$$= a^3-3a^2b+3ab^2+b^3$$\n';
    const { steps } = await checkProof({ text, languageId: 'markdown' });
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict]),
      [
        [3, 'verified'],
        [4, 'verified'],
        [6, 'verified'],
        [7, 'wrong'],
      ],
    );
    assert.equal(steps[3]!.sides!.left, 'a^3-2a^2b+ab^2-a^2b+2ab^2-b^3');
    assert.ok(steps[3]!.counterexample!.a);
  });

  it('LaTeX: \\[…\\] blocks and equation environments one per line', async () => {
    assert.deepEqual(
      await verdicts('We expand:\n\\[ (x+1)^2 = x^2+2x+1 \\]\nand regroup\n\\[ = x(x+2)+2 \\]\n', 'latex'),
      [
        [2, 'verified'],
        [4, 'wrong'],
      ],
    );
    const env =
      '\\begin{equation}\n  (x+1)(x-1) = x^2 - 1\n\\end{equation}\n\\begin{equation}\n  = (x-1)^2\n\\end{equation}\n';
    assert.deepEqual(await verdicts(env, 'latex'), [
      [2, 'verified'],
      [5, 'wrong'],
    ]);
  });

  it('prose with an inline $= …$ continuation, and a mention like $x$ in between does not break the chain', async () => {
    const text = 'We have $(x+1)^2 = x^2+2x+1$ for every real $x$, which gives $= x^2+2x+2$.';
    const { steps } = await checkProof({ text, languageId: 'markdown' });
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['verified', 'wrong'],
    );
    assert.equal(steps[1]!.text, '= x^2+2x+2');
    assert.equal(steps[1]!.sides!.left, 'x^2+2x+1');
  });

  it('prose that names an expression and continues it with $= …$ on the next line: the first step is checked too', async () => {
    const text =
      'Start from $(2y+3)^2 - (2y-3)^2$. Expanding both squares gives\n$= 4y^2 + 12y + 9 - (4y^2 + 12y + 9)$, and collecting terms leaves\n$= 0$.';
    const { steps } = await checkProof({ text, languageId: 'markdown' });
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict]),
      [
        [2, 'wrong'],
        [3, 'verified'],
      ],
    );
    assert.equal(steps[0]!.sides!.left, '(2y+3)^2 - (2y-3)^2');
    // a bare symbol is a mention, not the start of a chain: nothing to continue, nothing claimed about $f$
    assert.deepEqual(await verdicts('Let $f$ be the function. Then $= 2x + 1$.', 'markdown'), [[1, 'unparsed']]);
    // nor an expression the prose transforms first: the derivative is not claimed equal to $x^3 + 2x$
    assert.deepEqual(await verdicts('Differentiating $x^3 + 2x$ term by term gives\n$= 3x^2 + 2$.', 'markdown'), [
      [2, 'unparsed'],
    ]);
  });

  it('an \\implies that opens the next display takes the previous display as its premise', async () => {
    assert.deepEqual(await verdicts('$$2x + 3 = 11$$\n$$\\implies x = 5$$', 'markdown'), [[2, 'wrong']]);
  });

  it('a display that does not start with a relation starts a new chain', async () => {
    const { steps } = await checkProof({
      text: '$$(x+1)^2 = x^2+2x+1$$\n$$x^2 - 1 = (x-1)(x+1)$$',
      languageId: 'markdown',
    });
    assert.deepEqual(
      steps.map((s) => s.sides!.left),
      ['(x+1)^2', 'x^2 - 1'],
    );
  });

  it('an evaluation bracket inside a chain: a wrong antiderivative in it and wrong arithmetic after it are found, the correct chain verified', async () => {
    const verdicts = async (text: string) =>
      (await checkProof({ text, languageId: 'latex' })).steps.map((s) => s.verdict);
    assert.deepEqual(await verdicts('\\[ \\int_1^3 2x\\,dx = \\left[x^2\\right]_1^3 = 9 - 1 = 8 \\]'), [
      'verified',
      'verified',
      'verified',
    ]);
    assert.deepEqual(await verdicts('\\[ \\int_1^3 2x\\,dx = \\left[x^2\\right]_1^3 = 9 - 1 = 9 \\]'), [
      'verified',
      'verified',
      'wrong',
    ]);
    assert.deepEqual(await verdicts('\\[ \\int_0^{\\pi} \\sin x\\,dx = \\left[\\cos x\\right]_0^{\\pi} \\]'), [
      'wrong',
    ]);
  });
});
