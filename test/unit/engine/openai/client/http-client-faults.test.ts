// Failures of a remote server, played by small fake HTTP servers (a boundary: they stand in for vLLM & co. behaving
// badly): killed mid-stream, 429 then 200, a stream cut in the middle of an event, a server slower than the timeout.
import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parseRetryAfter, RemoteHttpClient } from '../../../../../engine/openai/client/http-client';
import { RemoteBackend } from '../../../../../engine/openai/client/remote-backend';
import { EngineService } from '../../../../../engine/service/engine-service';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const open = new Set<Server>();

async function fakeServer(
  handler: Handler,
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res, ++n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.add(server);
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => n,
    close: () =>
      new Promise((r) => {
        open.delete(server);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const event = (text: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, text, finish_reason: finish }] })}\n\n`;
const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

async function serviceFor(url: string, timeoutMs = 2000): Promise<EngineService> {
  const client = new RemoteHttpClient({ baseUrl: url, timeoutMs, backoffMs: 10 });
  const service = new EngineService();
  await service.useBackend(new RemoteBackend(client, { baseUrl: url, model: 'm', fimFormat: 'deepseek' }));
  return service;
}

const ask = (service: EngineService, deltas: string[] = []) =>
  service.text('x', { maxTokens: 10 }, { onDelta: (d) => deltas.push(d) });

describe('remote backend faults (fake servers at the HTTP boundary)', () => {
  // a failed assertion must not leave a fake server holding the test process open
  afterEach(() => {
    for (const server of open) {
      server.closeAllConnections();
      server.close();
    }
    open.clear();
  });

  it('server killed mid-stream: the error names the server and the deltas so far stay delivered', async () => {
    const fake = await fakeServer((_req, res) => {
      sse(res);
      res.write(event('ab'));
      res.write(event('cd'));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const deltas: string[] = [];
    await assert.rejects(ask(await serviceFor(fake.url), deltas), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`^${fake.url.replace(/\./g, '\\.')}.*(broke after 2 event|closed the stream)`),
      );
      assert.match(e.message, /crashed|closed/);
      return true;
    });
    assert.equal(deltas.join(''), 'abcd');
    await fake.close();
  });

  it('429 then 200: retried after Retry-After, the answer arrives', async () => {
    const fake = await fakeServer((_req, res, n) => {
      if (n === 1) {
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'slow down' } }));
        return;
      }
      sse(res);
      res.end(event('ok', 'stop') + 'data: [DONE]\n\n');
    });
    const r = await ask(await serviceFor(fake.url));
    assert.equal(r.text, 'ok');
    assert.equal(fake.requests(), 2);
    await fake.close();
  });

  it('503 retried with backoff until the attempts run out, then a message naming the status', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'loading model' } }));
    });
    await assert.rejects(
      ask(await serviceFor(fake.url)),
      /stayed unavailable \(HTTP 503: loading model\) after retrying/,
    );
    assert.equal(fake.requests(), 4);
    await fake.close();
  });

  it('a Retry-After longer than we wait for fails at once, saying how long the server asked', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(429, { 'retry-after': '120' });
      res.end();
    });
    await assert.rejects(ask(await serviceFor(fake.url)), /is rate limiting \(HTTP 429\) and asks to retry in 120 s/);
    assert.equal(fake.requests(), 1);
    assert.equal(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())! > 3000, true);
    await fake.close();
  });

  it('stream cut in the middle of an event: reported as an unfinished stream, never as a truncated success', async () => {
    const fake = await fakeServer((_req, res) => {
      sse(res);
      res.end(event('ab') + 'data: {"choices":[{"ind');
    });
    await assert.rejects(
      ask(await serviceFor(fake.url)),
      /closed the stream before it finished \(after 1 event\(s\), no \[DONE\]\)/,
    );
    await fake.close();
  });

  it('a malformed event is reported with its start', async () => {
    const fake = await fakeServer((_req, res) => {
      sse(res);
      res.end('data: <html>oops</html>\n\n');
    });
    await assert.rejects(
      ask(await serviceFor(fake.url)),
      /sent a malformed stream event \(not JSON\): "<html>oops<\/html>"/,
    );
    await fake.close();
  });

  it('slow server past the timeout, before the answer and between events', async () => {
    const silent = await fakeServer(() => undefined);
    await assert.rejects(
      ask(await serviceFor(silent.url, 150)),
      /sent nothing for 0\.1 s .*raise switchyard\.remote\.timeoutMs/,
    );
    await silent.close();
    const stalls = await fakeServer((_req, res) => {
      sse(res);
      res.write(event('a'));
    });
    const deltas: string[] = [];
    await assert.rejects(
      ask(await serviceFor(stalls.url, 150), deltas),
      /sent nothing for 0\.1 s \(the stream broke after 1 event/,
    );
    assert.deepEqual(deltas, ['a']);
    await stalls.close();
  });

  it('unreachable server, 404 and 401 get messages that say what to fix', async () => {
    const gone = await fakeServer(() => undefined);
    const url = gone.url;
    await gone.close();
    await assert.rejects(
      ask(await serviceFor(url)),
      /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\): is the server running/,
    );
    const fake = await fakeServer((req, res) => {
      res.writeHead(req.headers.authorization ? 404 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: req.headers.authorization ? 'The model `m` does not exist.' : 'no key' } }),
      );
    });
    await assert.rejects(
      ask(await serviceFor(fake.url)),
      /refused the request \(HTTP 401: no key\): set the right key with "Switchyard: Set Remote Server API Key/,
    );
    const keyed = new EngineService();
    await keyed.useBackend(
      new RemoteBackend(new RemoteHttpClient({ baseUrl: fake.url, apiKey: 'k', timeoutMs: 1000 }), {
        baseUrl: fake.url,
        model: 'm',
      }),
    );
    await assert.rejects(ask(keyed), /HTTP 404: The model `m` does not exist\.\): check switchyard\.remote\.model/);
    await fake.close();
  });

  it('a stop rule met on the streamed text ends the HTTP request early', async () => {
    let closedEarly = false;
    const fake = await fakeServer((_req, res) => {
      sse(res);
      res.write(event('y = 1\n'));
      res.write(event('    z = 2\n'));
      res.write(event('\ndef g():\n'));
      res.on('close', () => (closedEarly = !res.writableFinished));
      // never finishes on its own
    });
    const service = await serviceFor(fake.url);
    const r = await service.complete({ prefix: 'def f():\n    ', suffix: '\n', languageId: 'python', maxTokens: 50 });
    assert.equal(r.text, 'y = 1\n    z = 2');
    assert.equal(r.stopReason, 'block');
    await new Promise((res) => setTimeout(res, 50));
    assert.ok(closedEarly, 'the request was aborted once the block ended');
    await fake.close();
  });
});
