import * as assert from 'node:assert/strict';
import { blockEndRule, indentWidth } from '../../../../../engine/service/stop/block-end';
import { streamThroughRule as stream } from '../../../../helpers/stream-rule';

describe('stop pipeline: block end', () => {
  it('ends a Python body at the next statement of the enclosing level', () => {
    const rule = blockEndRule({ prefix: 'def f(x):\n    ' });
    const r = stream(rule, 'y = x * 2\n    return y\n\ndef g():\n    pass\n');
    assert.equal(r.kept, 'y = x * 2\n    return y');
    assert.equal(r.reason, 'block');
    assert.ok(r.kept.startsWith(r.shownBeforeStop), 'nothing shown that the cut removed');
    assert.ok(!r.shownBeforeStop.endsWith('\n\n'), 'blank lines before the cut are held back');
  });

  it('stops a body suggestion where the enclosing block ends, after a blank line', () => {
    assert.equal(
      stream(blockEndRule({ prefix: 'def f(x):\n    y = x\n    ' }), 'return y\n\ndef g():\n    pass').kept,
      'return y',
    );
  });

  it('keeps the closing brace of a block opened on the cursor line, then stops', () => {
    const rule = blockEndRule({ prefix: 'function f(a) {\n  if (a) ' });
    assert.equal(stream(rule, '{\n    return 1;\n  }\n  return 0;\n}\n').kept, '{\n    return 1;\n  }');
  });

  it('keeps a block the suggestion opens, up to and including its closer', () => {
    const rule = blockEndRule({ prefix: 'function main() {\n  ' });
    assert.equal(stream(rule, 'if (x) {\n    run();\n  }\n  other();\n}').kept, 'if (x) {\n    run();\n  }');
  });

  it('ends an opened Python block at the next statement of the same level', () => {
    const rule = blockEndRule({ prefix: 'class A:\n    ' });
    assert.equal(
      stream(rule, 'def m(self):\n        return 1\n    def n(self):\n        return 2').kept,
      'def m(self):\n        return 1',
    );
  });

  it('continues through else / except at the same level', () => {
    const rule = blockEndRule({ prefix: '    ' });
    assert.equal(
      stream(rule, 'if a:\n        x()\n    else:\n        y()\n    z = 1\n').kept,
      'if a:\n        x()\n    else:\n        y()',
    );
  });

  it('stops before a line indented less than the cursor line', () => {
    assert.equal(
      stream(blockEndRule({ prefix: 'class A:\n    def m(self):\n        ' }), 'return 1\n    def n(self):').kept,
      'return 1',
    );
  });

  it('judges the unfinished last line when the stream ends', () => {
    const r = stream(blockEndRule({ prefix: 'def f():\n    ' }), 'return 1\ndef g():');
    assert.equal(r.kept, 'return 1');
    assert.equal(r.shownBeforeStop, 'return 1');
  });

  it('leaves a single-line suggestion alone', () => {
    const r = stream(blockEndRule({ prefix: 'x = ' }), 'foo(bar)');
    assert.deepEqual([r.kept, r.reason], ['foo(bar)', undefined]);
  });

  it("counts tabs to the next tab stop of the editor's tab size", () => {
    assert.equal(indentWidth('\t  x', 4), 6);
    assert.equal(indentWidth('  \tx', 4), 4);
    assert.equal(indentWidth('\tx', 2), 2);
    // a tab-indented cursor line at tab size 2 is as deep as two spaces: a 2-space line is still inside the block
    const rule = (tabSize: number) => blockEndRule({ prefix: 'if a:\n\t', tabSize });
    assert.equal(stream(rule(2), 'x()\n  y()\nz()').kept, 'x()\n  y()');
    assert.equal(stream(rule(4), 'x()\n  y()\nz()').kept, 'x()');
  });
});
