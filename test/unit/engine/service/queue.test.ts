// The one admission queue both front doors share: the editor's lane starts before the HTTP lane, and the HTTP lane's
// waiting limit bounds only HTTP requests (scripted model at the runtime boundary for the service-level check).
import * as assert from 'node:assert/strict';
import { EngineErrorCodes } from '../../../../engine/protocol';
import { EngineService } from '../../../../engine/service/engine-service';
import { LocalBackend } from '../../../../engine/service/local-backend';
import { RequestQueue } from '../../../../engine/service/queue';
import { ScriptedModel } from '../../../helpers/scripted-model';

describe('request queue: one admission point, editor requests first', () => {
  it('a waiting editor request starts before HTTP requests that queued earlier', async () => {
    const queue = new RequestQueue(1);
    const order: string[] = [];
    let release: (() => void) | undefined;
    const running = queue.run(() => new Promise<void>((r) => (release = r)), undefined, 'http');
    const tasks = [
      queue.run(async () => void order.push('http 1'), undefined, 'http'),
      queue.run(async () => void order.push('http 2'), undefined, 'http'),
      queue.run(async () => void order.push('editor'), undefined, 'editor'),
    ];
    while (!release) await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([running, ...tasks]);
    assert.deepEqual(order, ['editor', 'http 1', 'http 2']);
  });

  it('through the service (scripted model): the editor chat overtakes a queued HTTP chat; a full HTTP lane is Busy, the editor is not', async () => {
    const model = new ScriptedModel(['a', 'b', 'c'], { delayMs: 15 });
    const service = new EngineService();
    await service.useBackend(new LocalBackend(model, '/nonexistent'));
    service.setWaitingLimit('http', 1);
    const http = { lane: 'http' as const };
    const chat = (n: string, stream = {}) =>
      service.chat({ messages: [{ role: 'user', content: n }], maxTokens: 3, streamId: n }, stream);
    const done: string[] = [];
    const first = chat('http-1', http).then(() => done.push('http-1'));
    const second = chat('http-2', http).then(() => done.push('http-2'));
    await assert.rejects(chat('http-3', http), (e: { code?: number }) => e.code === EngineErrorCodes.Busy);
    const editor = chat('editor').then(() => done.push('editor'));
    await Promise.all([first, second, editor]);
    assert.deepEqual(done, ['http-1', 'editor', 'http-2']);
  });
});
