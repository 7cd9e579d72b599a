import * as assert from 'node:assert/strict';
import { pendingStopPrefix, stopStringsRule } from '../../../../../engine/service/stop/stop-strings';
import { streamThroughRule as stream } from '../../../../helpers/stream-rule';

describe('stop pipeline: stop strings', () => {
  it('cut before the first match and hold back a possible start of one', () => {
    const rule = stopStringsRule(['\n\n', 'END']);
    assert.equal(rule.safeLength('abc EN'), 4);
    assert.deepEqual(rule.check('abc END more'), { keep: 4, reason: 'stop' });
  });

  it('never stream any part of a stop string', () => {
    const r = stream(stopStringsRule(['</answer>']), 'x < y </ans and </answer> rest');
    assert.deepEqual([r.kept, r.reason], ['x < y </ans and ', 'stop']);
    assert.ok(!r.shownBeforeStop.includes('</'.concat('answer')), r.shownBeforeStop);
  });

  it('release a held tail once it can no longer become a stop string', () => {
    const rule = stopStringsRule(['END']);
    assert.equal(rule.safeLength('abc E'), 4);
    assert.equal(rule.safeLength('abc Ex'), 6);
  });

  it('ignore empty stop strings', () => {
    assert.equal(stopStringsRule(['']).check('abc'), undefined);
    assert.equal(pendingStopPrefix('abc', ['', 'cd']), 1);
  });
});
