// The wire format between extension and engine: vscode-jsonrpc's Content-Length framing over a byte stream, run
// here over in-memory pipes (a fake boundary: both ends are the real library with the real protocol types).
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { emptyStats } from '../../../engine/service/backend';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  CompleteParams,
  CompleteRequest,
  CompleteResult,
  EngineErrorCodes,
  GenerationDeltaNotification,
} from '../../../engine/protocol';

function pipePair() {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const wire: Buffer[] = [];
  toServer.on('data', (b: Buffer) => wire.push(b));
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const server = createMessageConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  return { client, server, wire };
}

const params = (prefix: string): CompleteParams => ({ prefix, suffix: '', languageId: 'python', maxTokens: 8 });
const stats = emptyStats();

describe('engine/framing (in-memory pipes)', () => {
  it('frames messages by byte length, so multi-byte FIM markers arrive intact', async () => {
    const { client, server, wire } = pipePair();
    server.onRequest(CompleteRequest, (p): CompleteResult => ({ text: p.prefix, stopReason: 'eos', stats }));
    server.listen();
    client.listen();
    const marker = '<｜fim▁begin｜>def f(): 𝔽';
    const r = await client.sendRequest(CompleteRequest, params(marker));
    assert.equal(r.text, marker);
    const raw = Buffer.concat(wire).toString('utf8');
    const m = /^Content-Length: (\d+)\r\n\r\n/.exec(raw)!;
    const body = Buffer.concat(wire).subarray(Buffer.byteLength(m[0]));
    assert.equal(Number(m[1]), body.length, 'Content-Length counts bytes');
    assert.ok(body.length > JSON.stringify(JSON.parse(body.toString())).length - 1);
    client.dispose();
    server.dispose();
  });

  it('turns a cancelled token into $/cancelRequest that the engine side observes', async () => {
    const { client, server, wire } = pipePair();
    let sawCancel = false;
    server.onRequest(CompleteRequest, async (_p, token) => {
      await new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
      sawCancel = true;
      throw new ResponseError(EngineErrorCodes.Cancelled, 'cancelled');
    });
    server.listen();
    client.listen();
    const cts = new CancellationTokenSource();
    const p = client.sendRequest(CompleteRequest, params('x'), cts.token);
    setTimeout(() => cts.cancel(), 10);
    await assert.rejects(p);
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(sawCancel);
    assert.match(Buffer.concat(wire).toString('utf8'), /"method":"\$\/cancelRequest"/);
    client.dispose();
    server.dispose();
  });

  it('delivers streamed deltas before the final result', async () => {
    const { client, server } = pipePair();
    server.onRequest(CompleteRequest, async (p) => {
      for (const t of ['a', 'b', 'c'])
        await server.sendNotification(GenerationDeltaNotification, { streamId: p.streamId!, text: t });
      return { text: 'abc', stopReason: 'eos', stats } satisfies CompleteResult;
    });
    server.listen();
    const got: string[] = [];
    client.onNotification(GenerationDeltaNotification, (d) => got.push(d.text));
    client.listen();
    const r = await client.sendRequest(CompleteRequest, { ...params(''), streamId: 's1' });
    assert.equal(got.join(''), r.text);
    client.dispose();
    server.dispose();
  });
});
