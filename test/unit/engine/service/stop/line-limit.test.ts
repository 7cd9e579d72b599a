import * as assert from 'node:assert/strict';
import { lineLimitRule } from '../../../../../engine/service/stop/line-limit';
import { streamThroughRule as stream } from '../../../../helpers/stream-rule';

describe('stop pipeline: line limit', () => {
  it('keeps at most maxLines lines, and says so', () => {
    const r = stream(lineLimitRule(2), 'a = 1\nb = 2\nc = 3\n');
    assert.deepEqual([r.kept, r.reason], ['a = 1\nb = 2', 'lines']);
    assert.equal(stream(lineLimitRule(1), 'foo(1)\nbar()').kept, 'foo(1)');
  });

  it('drops the blank lines before the cut and never shows them', () => {
    const r = stream(lineLimitRule(2), 'a\n\nb\n');
    assert.equal(r.kept, 'a');
    assert.equal(r.shownBeforeStop, 'a');
  });

  it('lets shorter text through, and no limit (0 or undefined) lets everything through', () => {
    assert.equal(stream(lineLimitRule(5), 'a\nb').kept, 'a\nb');
    assert.equal(stream(lineLimitRule(0), 'a\nb\nc').kept, 'a\nb\nc');
    assert.equal(stream(lineLimitRule(undefined), 'a\nb\nc').reason, undefined);
  });
});
