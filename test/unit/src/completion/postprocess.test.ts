// The client's only trimming: what the user typed since the suggestion was made. Every other rule (block end, line
// limit, suffix overlap) is the engine's stop pipeline, tested in test/unit/engine/service/stop/.
import * as assert from 'node:assert/strict';
import { afterTyping } from '../../../../src/completion/postprocess';

describe('completion/postprocess', () => {
  it('serves the rest of a suggestion the user is typing along', () => {
    assert.equal(afterTyping('compute(x)', 'comp'), 'ute(x)');
  });

  it('serves nothing once the typing went another way', () => {
    assert.equal(afterTyping('compute(x)', 'cont'), undefined);
  });

  it('serves nothing once the suggestion is used up', () => {
    assert.equal(afterTyping('x)', 'x)'), undefined);
    assert.equal(afterTyping('x', 'x)'), undefined);
  });
});
