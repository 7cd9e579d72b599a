import * as assert from 'node:assert/strict';
import { combineRules, completionRule, stopStringsRule } from '../../../../engine/service/stop-rules';
import { streamThroughRule as stream } from '../../../helpers/stream-rule';

describe('completion stop rules', () => {
  it('ends a Python body at the next statement of the enclosing level', () => {
    const rule = completionRule({ prefix: 'def f(x):\n    ' });
    const r = stream(rule, 'y = x * 2\n    return y\n\ndef g():\n    pass\n');
    assert.equal(r.kept, 'y = x * 2\n    return y');
    assert.equal(r.reason, 'lines');
    assert.ok(r.kept.startsWith(r.shownBeforeStop), 'nothing shown that the cut removed');
    assert.ok(!r.shownBeforeStop.endsWith('\n\n'), 'blank lines before the cut are held back');
  });

  it('keeps the closing brace of a block opened on the cursor line, then stops', () => {
    const rule = completionRule({ prefix: 'function f(a) {\n  if (a) ' });
    assert.equal(stream(rule, '{\n    return 1;\n  }\n  return 0;\n}\n').kept, '{\n    return 1;\n  }');
  });

  it('continues through else / except at the same level', () => {
    const rule = completionRule({ prefix: '    ' });
    assert.equal(stream(rule, 'if a:\n        x()\n    else:\n        y()\n    z = 1\n').kept, 'if a:\n        x()\n    else:\n        y()');
  });

  it('stops before a line indented less than the cursor line', () => {
    assert.equal(stream(completionRule({ prefix: 'class A:\n    def m(self):\n        ' }), 'return 1\n    def n(self):').kept, 'return 1');
  });

  it('judges the unfinished last line when the stream ends', () => {
    const r = stream(completionRule({ prefix: 'def f():\n    ' }), 'return 1\ndef g():');
    assert.equal(r.kept, 'return 1');
    assert.equal(r.shownBeforeStop, 'return 1');
  });

  it('honours a line limit', () => {
    const r = stream(completionRule({ prefix: '', maxLines: 2 }), 'a = 1\nb = 2\nc = 3\n');
    assert.equal(r.kept, 'a = 1\nb = 2');
    assert.equal(stream(completionRule({ prefix: 'x = ', maxLines: 1 }), 'foo(1)\nbar()').kept, 'foo(1)');
  });

  it('stop strings cut before the match and hold back a possible start of one', () => {
    const rule = stopStringsRule(['\n\n', 'END']);
    assert.equal(rule.safeLength('abc EN'), 4);
    assert.deepEqual(rule.check('abc END more'), { keep: 4, reason: 'stop' });
    const both = combineRules([completionRule({ prefix: '' }), rule]);
    assert.equal(stream(both, 'x = 1\ny = 2\n\nz').kept, 'x = 1\ny = 2');
  });
});
