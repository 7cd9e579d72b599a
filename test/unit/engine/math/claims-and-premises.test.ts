import assert from 'node:assert/strict';
import { checkProof } from '../../../../engine/math/check';
import { shutdownSmt } from '../../../../engine/math/smt';
import { refutes } from './reevaluate';

const check = (text: string, languageId = 'markdown') => checkProof({ text, languageId });

describe('a lone equation is a claim unless the text reads it as a condition or a definition', function () {
  this.timeout(60_000);
  after(shutdownSmt);

  for (const claim of [
    '\\ln(ab) = \\ln a \\cdot \\ln b',
    '(x-2)^2 = x^2-4',
    '\\sin(2x) = 2\\sin x',
    '\\sqrt{x+y} = \\sqrt{x} + \\sqrt{y}',
    '\\sin^2 x = \\sin x^2',
  ]) {
    it(`reports the false identity $$${claim}$$ on its own as wrong, with a counterexample that re-evaluates`, async () => {
      const { steps, premises } = await check(`Is this right?\n\n$$${claim}$$\n`);
      assert.deepEqual(
        steps.map((s) => [s.line, s.verdict]),
        [[3, 'wrong']],
      );
      assert.ok(refutes(steps[0]!, 'latex'), JSON.stringify(steps[0]));
      assert.equal(premises, undefined);
    });
  }

  it('verifies a true identity written on its own', async () => {
    const { steps } = await check('$$\\sin(2x) = 2\\sin x \\cos x$$\n\n$$\\ln(ab) = \\ln a + \\ln b$$ for $a, b > 0$.');
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['verified', 'verified'],
    );
  });

  it('reads an equation after "setting … equal" or "equating" as a condition (an equation to solve), not a false identity', async () => {
    const { steps, premises } = await check(
      'Setting the derivative equal to zero:\n\n$$2x - 6 = x$$\n\nEquating coefficients, $3a + b = a - b$.',
    );
    assert.deepEqual(steps, []);
    assert.deepEqual(
      premises!.map((p) => [p.line, p.kind, p.cue]),
      [
        [3, 'condition', { by: 'word', word: 'setting' }],
        [5, 'condition', { by: 'word', word: 'equating' }],
      ],
    );
  });

  it('reads equations after "solve", "find", "if", "when", "where", "let" as conditions, with the word as the cue', async () => {
    const text = [
      'Solve $x^2 = 5x - 6$.',
      'Find all $x$ with $x^3 = x$.',
      'If $a^2 = b^2$ we may take square roots.',
      'When $x + y = 2y$, the two agree.',
      'Let $x + y = 10$ and $x - y = 2$.',
      'Here $u = v^2$ where $v^2 = w + 1$.',
    ].join('\n');
    const { steps, premises } = await check(text);
    assert.deepEqual(steps, []);
    assert.deepEqual(
      premises!.map((p) => [p.line, p.kind, p.cue]),
      [
        [1, 'condition', { by: 'word', word: 'solve' }],
        [2, 'condition', { by: 'word', word: 'find' }],
        [3, 'condition', { by: 'word', word: 'if' }],
        [4, 'condition', { by: 'word', word: 'when' }],
        [5, 'condition', { by: 'word', word: 'let' }],
        [5, 'condition', { by: 'word', word: 'let' }],
        [6, 'definition', { by: 'shape', shape: 'named left side' }],
        [6, 'condition', { by: 'word', word: 'where' }],
      ],
    );
  });

  it('a "then" ends the condition: "if $x = 1$ then $(x-2)^2 = x^2 - 4$" still checks the claim', async () => {
    const { steps } = await check('If $x > 3$, then $(x-2)^2 = x^2-4$.');
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['wrong'],
    );
  });

  it('a `\\text{for …}` that gives a domain (`x \\ge 0`, `a, b > 0`, "all t") keeps the claim a claim, checked on that domain', async () => {
    for (const claim of [
      '\\sqrt{x^2} = -x \\quad \\text{for } x \\ge 0',
      '\\ln(ab) = \\ln a \\cdot \\ln b \\quad \\text{for } a, b > 0',
      '\\cos^2 t = 1 - \\sin t \\quad \\text{for all } t',
    ]) {
      const { steps, premises } = await check(`\\[ ${claim} \\]`, 'latex');
      assert.deepEqual(
        steps.map((s) => s.verdict),
        ['wrong'],
        claim,
      );
      assert.ok(refutes(steps[0]!, 'latex'), JSON.stringify(steps[0]));
      assert.equal(premises, undefined);
    }
    const { steps } = await check('\\[ \\sqrt{x^2} = x \\quad \\text{for } x \\ge 0 \\]', 'latex');
    assert.deepEqual(
      steps.map((s) => s.verdict),
      ['verified'],
    );
  });

  it('reads `:=` as a definition and `\\text{for …}` after an equation as its condition', async () => {
    const text = "\\[ g(x) := x^2 + 1 \\]\n\\[ x^2 = 2x - 1 \\quad \\text{for } x = 1 \\]\n\\[ g'(x) = 2x \\]";
    const { steps, premises } = await check(text, 'latex');
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict]),
      [[3, 'verified']],
    );
    assert.deepEqual(
      premises!.map((p) => [p.line, p.kind, p.cue]),
      [
        [1, 'definition', { by: 'word', word: ':=' }],
        [2, 'condition', { by: 'word', word: '\\text{for}' }],
      ],
    );
  });

  it('reads shapes: a constant side is a condition, f(x) = … and y = … are definitions', async () => {
    const { steps, premises } = await check('$$2x + 3 = 7$$\n\n$$f(x) = x^3 - x$$\n\n$$y = 3x + 1$$');
    assert.deepEqual(steps, []);
    assert.deepEqual(
      premises!.map((p) => [p.kind, p.cue]),
      [
        ['condition', { by: 'shape', shape: 'constant side' }],
        ['definition', { by: 'shape', shape: 'named left side' }],
        ['definition', { by: 'shape', shape: 'named left side' }],
      ],
    );
  });

  it('an equation the next rows solve is a condition; a wrong solving step is still wrong', async () => {
    const ok = await check('\\begin{align*}\n2x + 3 &= x + 7 \\\\\nx &= 4\n\\end{align*}', 'latex');
    assert.deepEqual(
      ok.steps.map((s) => s.verdict),
      ['verified'],
    );
    assert.deepEqual(
      ok.premises!.map((p) => [p.line, p.kind, p.cue]),
      [
        [2, 'condition', { by: 'shape', shape: 'solved below' }],
        [3, 'definition', { by: 'shape', shape: 'named left side' }],
      ],
    );
    const bad = await check('$$3x - 1 = x + 5$$\n$$2x = 4$$', 'markdown');
    assert.deepEqual(
      bad.steps.map((s) => [s.line, s.verdict]),
      [[2, 'wrong']],
    );
    const prose = await check('We get $x^2 + 1 = 2x$, so $x = 1$.');
    assert.deepEqual(prose.steps, []);
    assert.deepEqual(
      prose.premises!.map((p) => p.cue),
      [
        { by: 'shape', shape: 'solved below' },
        { by: 'shape', shape: 'named left side' },
      ],
    );
  });

  it('a system of equations written row under row is a set of conditions, not false identities', async () => {
    const { steps, premises } = await check(
      '\\begin{align*}\nx + y &= 2y - x + 4 \\\\\nx - y &= 1\n\\end{align*}',
      'latex',
    );
    assert.deepEqual(
      steps.filter((s) => s.verdict === 'wrong'),
      [],
    );
    assert.ok(premises!.every((p) => p.kind === 'condition'));
  });

  it('plain text: a label or the prose of the paragraph ("Solve the equation:") makes a lone equation a condition', async () => {
    const text = 'Solve the equation:\n3*x - 1 = x + 5\n\nFind x: x^2 = 3*x - 2\n\nClaim: (x - 2)^2 = x^2 - 4\n';
    const { steps, premises } = await check(text, 'plaintext');
    assert.deepEqual(
      steps.map((s) => [s.line, s.verdict]),
      [[6, 'wrong']],
    );
    assert.ok(refutes(steps[0]!, 'ascii'));
    assert.deepEqual(
      premises!.map((p) => [p.line, p.kind, p.cue]),
      [
        [2, 'condition', { by: 'word', word: 'equation' }],
        [4, 'condition', { by: 'word', word: 'find' }],
      ],
    );
  });
});
