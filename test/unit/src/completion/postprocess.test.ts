import * as assert from 'node:assert/strict';
import { indentWidth, limitLines, stopAtBlockEnd, trimSuffixOverlap } from '../../../../src/completion/postprocess';

describe('completion/postprocess', () => {
  describe('stopAtBlockEnd', () => {
    it('stops a body suggestion where the enclosing block ends (less indentation)', () => {
      const prefix = 'def f(x):\n    y = x\n    ';
      const completion = 'return y\n\ndef g():\n    pass';
      assert.equal(stopAtBlockEnd(completion, prefix), 'return y');
    });

    it('keeps a block the suggestion opens, up to and including its closer', () => {
      const prefix = 'function main() {\n  ';
      const completion = 'if (x) {\n    run();\n  }\n  other();\n}';
      assert.equal(stopAtBlockEnd(completion, prefix), 'if (x) {\n    run();\n  }');
    });

    it('ends an opened Python block at the next statement of the same level', () => {
      const prefix = 'class A:\n    ';
      const completion = 'def m(self):\n        return 1\n    def n(self):\n        return 2';
      assert.equal(stopAtBlockEnd(completion, prefix), 'def m(self):\n        return 1');
    });

    it('leaves a single-line suggestion alone', () => {
      assert.equal(stopAtBlockEnd('foo(bar)', 'x = '), 'foo(bar)');
    });

    it('counts tabs by the tab size', () => {
      assert.equal(indentWidth('\t  x', 4), 6);
      assert.equal(indentWidth('  \tx', 4), 4);
    });
  });

  describe('trimSuffixOverlap', () => {
    it('drops closing characters the suffix already has on the cursor line', () => {
      assert.equal(trimSuffixOverlap('a, b)', ')'), 'a, b');
      assert.equal(trimSuffixOverlap('hello");', '");\n'), 'hello');
    });

    it('drops whole lines that repeat the code after the cursor', () => {
      const suffix = '\n    return total\n}\n';
      const completion = 'total += x;\n    return total\n}';
      assert.equal(trimSuffixOverlap(completion, suffix), 'total += x;');
    });

    it('keeps a lone closer that the suffix does not continue in the same way', () => {
      const suffix = '\n}\nfunction next() {}\n';
      const completion = 'if (a) {\n  b();\n}';
      // the completion's `}` closes its own `if`; the suffix's `}` is followed by other code
      assert.equal(trimSuffixOverlap(completion, suffix), 'if (a) {\n  b();\n}');
    });

    it('drops a closer the suffix holds when the suggestion did not open it', () => {
      assert.equal(trimSuffixOverlap('  b();\n}', '\n}\n'), '  b();');
    });

    it('returns the completion unchanged when nothing repeats', () => {
      assert.equal(trimSuffixOverlap('x + 1', '\nprint(y)\n'), 'x + 1');
    });

    it('returns nothing when the suggestion is exactly the suffix', () => {
      assert.equal(trimSuffixOverlap('return 1', 'return 1\n'), '');
    });
  });

  it('limitLines keeps at most n lines', () => {
    assert.equal(limitLines('a\nb\nc\nd', 2), 'a\nb');
    assert.equal(limitLines('a\nb', 5), 'a\nb');
  });
});
