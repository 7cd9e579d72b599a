// The composed pipelines: the engine service on a scripted model (a fake at the runtime boundary) meets each rule
// through `complete` and `chat`, and the pipeline's final round applies the rules to what an earlier cut kept.
import * as assert from 'node:assert/strict';
import { EngineService } from '../../../../../engine/service/engine-service';
import { LocalBackend } from '../../../../../engine/service/local-backend';
import { completionStops } from '../../../../../engine/service/stop/pipeline';
import { streamThroughRule as stream } from '../../../../helpers/stream-rule';
import { ScriptedModel } from '../../../../helpers/scripted-model';

async function service(reply: string[]) {
  const s = new EngineService();
  await s.useBackend(new LocalBackend(new ScriptedModel(reply), '/nonexistent'));
  return s;
}

describe('stop pipeline: composition', () => {
  it("applies the rules again to what the earliest cut kept (block end, then the suffix's closer)", () => {
    const rules = completionStops({ prefix: 'def f(x):\n    return max(', suffix: ')', maxLines: 4 });
    assert.deepEqual(rules.final('a, b)\n\nprint(1)'), { keep: 4, reason: 'block' });
    const block = completionStops({ prefix: 'def f(x):\n    return (', suffix: '\n)', maxLines: 4 });
    const r = stream(block, 'a + b\n)\n\nprint(1)');
    assert.deepEqual([r.kept, r.reason], ['a + b', 'block']);
  });

  it('tidies a completion: nothing but white space is nothing, trailing white space with a line break goes', () => {
    const rules = completionStops({ prefix: 'x = ', suffix: '', maxLines: 4 });
    assert.equal(rules.tidy('  \n '), '');
    assert.equal(rules.tidy('y  \n'), 'y');
    assert.equal(rules.tidy('y  '), 'y  ');
  });
});

describe('stop pipeline in the engine service (scripted model)', () => {
  it('ends a completion at the end of its block (ported from the client: `a + b)` then `print(1)`)', async () => {
    const r = await (
      await service(['a + b)', '\n', '\n', 'print(1)'])
    ).complete({
      prefix: 'def add(a, b):\n    return (',
      suffix: '\n',
      languageId: 'python',
      maxTokens: 16,
      maxLines: 4,
    });
    assert.deepEqual([r.text, r.stopReason], ['a + b)', 'block']);
  });

  it('never returns a completion that only repeats the suffix (ported from the client)', async () => {
    const r = await (await service([')'])).complete({ prefix: 'f(', suffix: ')', languageId: 'c', maxTokens: 8 });
    assert.deepEqual([r.text, r.stopReason], ['', 'suffix']);
  });

  it("measures the block with the request's tab size", async () => {
    const req = { prefix: 'if a:\n\t', suffix: '\n', languageId: 'python', maxTokens: 16, maxLines: 8 };
    const reply = ['x()\n', '  y()\n', 'z()\n'];
    assert.equal((await (await service(reply)).complete({ ...req, tabSize: 2 })).text, 'x()\n  y()');
    assert.equal((await (await service(reply)).complete({ ...req, tabSize: 4 })).text, 'x()');
  });

  it('stops a chat reply at its stop strings and streams no part of them', async () => {
    const s = await service(['The answer', ' is 4.', ' <', '/ans', 'wer> more']);
    const deltas: string[] = [];
    const r = await s.chat(
      { messages: [{ role: 'user', content: '2+2?' }], maxTokens: 20, streamId: 's', stop: ['</answer>'] },
      { onDelta: (d) => deltas.push(d) },
    );
    assert.deepEqual([r.text, r.stopReason], ['The answer is 4. ', 'stop']);
    assert.equal(deltas.join(''), r.text);
  });
});
