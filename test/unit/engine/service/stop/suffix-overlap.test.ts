// Ported from the client's postprocess tests: the rule now runs in the engine, on the whole text once it has ended.
import * as assert from 'node:assert/strict';
import { suffixOverlapRule, trimSuffixOverlap } from '../../../../../engine/service/stop/suffix-overlap';
import { streamThroughRule as stream } from '../../../../helpers/stream-rule';

describe('stop pipeline: suffix overlap', () => {
  it('drops closing characters the suffix already has on the cursor line', () => {
    assert.equal(trimSuffixOverlap('a, b)', ')'), 'a, b');
    assert.equal(trimSuffixOverlap('hello");', '");\n'), 'hello');
  });

  it('drops whole lines that repeat the code after the cursor', () => {
    assert.equal(trimSuffixOverlap('total += x;\n    return total\n}', '\n    return total\n}\n'), 'total += x;');
  });

  it('keeps a lone closer that the suffix does not continue in the same way', () => {
    // the completion's `}` closes its own `if`; the suffix's `}` is followed by other code
    assert.equal(trimSuffixOverlap('if (a) {\n  b();\n}', '\n}\nfunction next() {}\n'), 'if (a) {\n  b();\n}');
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

  it('as a rule: cuts when the stream ends, says `suffix`, and never streams what it cuts', () => {
    const r = stream(suffixOverlapRule('\n    return total\n}\n'), 'total += x;\n    return total\n}', {
      monotone: false,
    });
    assert.deepEqual([r.kept, r.reason], ['total += x;', 'suffix']);
    assert.ok(r.kept.startsWith(r.shownBeforeStop), r.shownBeforeStop);
    const closer = stream(suffixOverlapRule(')\n'), 'a, b)', { monotone: false });
    assert.deepEqual([closer.kept, closer.shownBeforeStop], ['a, b', 'a, b']);
  });
});
