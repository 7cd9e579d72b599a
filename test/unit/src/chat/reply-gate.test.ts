import * as assert from 'node:assert/strict';
import { ReplyGate, type ReplySlot } from '../../../../src/chat/reply-gate';
import { Composer } from '../../../../src/chat/webview/composer';

describe('chat: Stop and New Chat never drop what the user typed', () => {
  it('a message sent while a reply runs is refused (not silently dropped); one sent after Stop waits and goes', async () => {
    const gate = new ReplyGate();
    let cancelled = 0;
    const first = (await gate.enter(() => cancelled++))!;
    assert.ok(first);
    assert.equal(await gate.enter(() => undefined), undefined, 'refused while the reply runs');
    gate.stop();
    assert.equal(cancelled, 1);
    assert.equal(first.cancelled, true);
    const got: { slot?: ReplySlot } = {};
    const waiting = gate.enter(() => undefined).then((s) => (got.slot = s));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.slot, undefined, 'waits for the stopped reply to settle');
    first.release();
    await waiting;
    const second = got.slot!;
    assert.ok(second);
    assert.equal(second.cancelled, false);
    assert.equal(gate.busy, true);
    second.release();
    assert.equal(gate.busy, false);
  });

  it('the input keeps its text until the host accepts; a refused message stays; newer typing is not cleared', () => {
    const c = new Composer();
    assert.equal(c.submit('   '), undefined);
    const m = c.submit(' hello ')!;
    assert.deepEqual(m, { id: 1, text: 'hello' });
    assert.equal(c.submit('again'), undefined, 'one send awaits its answer at a time');
    c.refused(m.id);
    assert.equal(c.waiting, false);
    const m2 = c.submit('hello')!;
    assert.equal(c.accepted(m2.id + 5, 'hello'), 'hello', 'an answer for another message changes nothing');
    assert.equal(c.accepted(m2.id, 'hello'), '');
    const m3 = c.submit('one')!;
    assert.equal(c.accepted(m3.id, 'one and more'), 'one and more');
  });
});
