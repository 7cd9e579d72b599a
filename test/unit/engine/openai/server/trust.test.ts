// Who may talk to the local server and how much one client may take: Host and Origin (DNS rebinding, cross-site
// "simple" POSTs), JSON bodies, limits and timeouts on bodies and connections, caps on max_tokens and time, the prompt
// length checked before tokenising, and what /health tells a caller without the key. Real server on 127.0.0.1, raw
// HTTP from node:http and node:net so the tests control every header (fixture v3-tiny with a made-up tokenizer).
import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import {
  eventually,
  MODEL_ID,
  startLocalServer,
  type LocalServer,
  type LocalServerOptions,
} from '../../../../helpers/local-server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (Host included). */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const chatBody = (maxTokens = 2) =>
  JSON.stringify({
    model: MODEL_ID,
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: maxTokens,
    temperature: 0,
  });

function errorCode(reply: Reply): string | null {
  return (JSON.parse(reply.body) as { error: { code: string | null } }).error.code;
}

/** Everything the server sends on a raw socket until it closes it (or `ms` passes: then 'open'). */
function untilClosed(socket: Socket, ms: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (b: Buffer) => (data += b.toString()));
    const timer = setTimeout(() => resolve({ data, closed: false }), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
    socket.on('error', () => undefined);
  });
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

describe('local server trust boundaries (real server on loopback, made-up tokenizer)', function () {
  this.timeout(60_000);
  const servers: LocalServer[] = [];
  const start = async (opts: LocalServerOptions = {}) => {
    const s = await startLocalServer(opts);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('answers only Hosts that name its loopback address and port (DNS rebinding gets 421)', async () => {
    const { port } = await start();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      assert.equal((await raw(port, 'GET', '/v1/models', { host })).status, 200, host);
    }
    for (const host of [
      `attacker.example:${port}`,
      `127.0.0.1:${port + 1}`,
      'localhost',
      `localhost.attacker.example:${port}`,
    ]) {
      const reply = await raw(port, 'GET', '/v1/models', { host });
      assert.equal(reply.status, 421, host);
      assert.equal(errorCode(reply), 'bad_host');
    }
  });

  it('refuses browser Origins and non-JSON POSTs before generating anything; a configured origin gets CORS', async () => {
    const server = await start();
    const host = `127.0.0.1:${server.port}`;
    // the cross-site "simple" request a web page can send without a preflight
    const simple = await raw(
      server.port,
      'POST',
      '/v1/chat/completions',
      { host, origin: 'https://attacker.example', 'content-type': 'text/plain' },
      chatBody(),
    );
    assert.equal(simple.status, 403);
    assert.equal(errorCode(simple), 'origin_not_allowed');
    const textPlain = await raw(
      server.port,
      'POST',
      '/v1/chat/completions',
      { host, 'content-type': 'text/plain' },
      chatBody(),
    );
    assert.equal(textPlain.status, 415);
    const noType = await raw(
      server.port,
      'POST',
      '/v1/completions',
      { host },
      JSON.stringify({ model: MODEL_ID, prompt: 'x', max_tokens: 1 }),
    );
    assert.equal(noType.status, 415);
    assert.equal(server.service.stats().lastGeneration, undefined, 'nothing was generated');

    const allowed = await start({ allowOrigins: ['http://localhost:3000'] });
    const h = `127.0.0.1:${allowed.port}`;
    const preflight = await raw(allowed.port, 'OPTIONS', '/v1/chat/completions', {
      host: h,
      origin: 'http://localhost:3000',
      'access-control-request-method': 'POST',
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:3000');
    const ok = await raw(
      allowed.port,
      'POST',
      '/v1/chat/completions',
      { host: h, origin: 'http://localhost:3000', 'content-type': 'application/json' },
      chatBody(),
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'http://localhost:3000');
    assert.equal(
      (await raw(allowed.port, 'GET', '/v1/models', { host: h, origin: 'http://localhost:3001' })).status,
      403,
    );
  });

  it('counts body bytes as they arrive: a declared or streamed body over the limit is 413 before it is all sent', async () => {
    const { port } = await start({ limits: { maxBodyBytes: 1000 } });
    const declared = await openSocket(port);
    declared.write(
      `POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"model":`,
    );
    const d = await untilClosed(declared, 3000);
    assert.match(d.data, /^HTTP\/1\.1 413 /);
    assert.ok(d.closed, 'the connection is closed after the 413');

    const streamed = await openSocket(port);
    streamed.write(
      `POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const answer = untilClosed(streamed, 3000);
    const chunk = 'x'.repeat(600);
    for (let i = 0; i < 3 && !streamed.destroyed; i++) streamed.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const s = await answer; // the body never ends: only counting as it arrives can answer
    assert.match(s.data, /^HTTP\/1\.1 413 /);
  });

  it('gives up on headers and bodies that stop arriving, and closes connections beyond the limit', async () => {
    const { port } = await start({ limits: { headersTimeoutMs: 300, bodyTimeoutMs: 300, maxConnections: 4 } });
    const slowHeaders = await openSocket(port);
    slowHeaders.write(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    const h = await untilClosed(slowHeaders, 5000);
    assert.ok(h.closed, 'a request whose headers never end is dropped');

    const slowBody = await openSocket(port);
    slowBody.write(
      `POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"model"`,
    );
    const b = await untilClosed(slowBody, 5000);
    assert.match(b.data, /^HTTP\/1\.1 408 /);

    const held = await Promise.all([1, 2, 3, 4].map(() => openSocket(port)));
    await new Promise((r) => setTimeout(r, 50));
    const extra = await openSocket(port);
    extra.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    const e = await untilClosed(extra, 2000);
    assert.ok(
      e.closed && e.data === '',
      `a connection beyond the limit is closed unanswered (got ${JSON.stringify(e.data.slice(0, 40))})`,
    );
    held.forEach((s) => s.destroy());
  });

  it('caps max_tokens and the time one HTTP generation may take', async () => {
    const capped = await start({ limits: { maxTokens: 3 } });
    const r = await raw(
      capped.port,
      'POST',
      '/v1/chat/completions',
      { host: `127.0.0.1:${capped.port}`, 'content-type': 'application/json' },
      chatBody(150),
    );
    const body = JSON.parse(r.body) as { usage: { completion_tokens: number }; choices: { finish_reason: string }[] };
    assert.ok(body.usage.completion_tokens <= 3, `generated ${body.usage.completion_tokens} tokens`);
    assert.equal(body.choices[0].finish_reason, 'length');

    const timed = await start({ limits: { timeBudgetMs: 1 } });
    const t = await raw(
      timed.port,
      'POST',
      '/v1/chat/completions',
      { host: `127.0.0.1:${timed.port}`, 'content-type': 'application/json' },
      chatBody(150),
    );
    const tb = JSON.parse(t.body) as { usage: { completion_tokens: number } };
    assert.ok(tb.usage.completion_tokens < 10, `generated ${tb.usage.completion_tokens} tokens within a 1 ms budget`);
  });

  it('refuses a prompt too long for the context before tokenising it: /health stays responsive', async () => {
    const { port } = await start();
    const host = `127.0.0.1:${port}`;
    const prompt = 'ab '.repeat(500_000); // 1.5 MB: under the body limit, far over any 2048-token context
    let worst = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const t0 = performance.now();
        await raw(port, 'GET', '/health', { host });
        worst = Math.max(worst, performance.now() - t0);
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    const reply = await raw(
      port,
      'POST',
      '/v1/completions',
      { host, 'content-type': 'application/json' },
      JSON.stringify({ model: MODEL_ID, prompt, max_tokens: 1 }),
    );
    const took = performance.now() - t0;
    polling = false;
    await poll;
    assert.equal(reply.status, 400);
    assert.equal(errorCode(reply), 'context_length_exceeded');
    assert.ok(
      worst < 400 && took < 1500,
      `/health took up to ${worst.toFixed(0)} ms, the refusal ${took.toFixed(0)} ms`,
    );
  });

  it('a malformed % escape is a 400 with a JSON error, not a 500 with a stack', async () => {
    const { port } = await start();
    const reply = await raw(port, 'GET', '/v1/models/%E0%A4%A', { host: `127.0.0.1:${port}` });
    assert.equal(reply.status, 400);
    assert.equal(errorCode(reply), 'bad_url');
    assert.doesNotMatch(reply.body, /at .*\.ts:\d+/);
  });

  it('/health names the model only when no key is required or the right key is sent', async () => {
    const open = await start();
    const o = JSON.parse((await raw(open.port, 'GET', '/health', { host: `127.0.0.1:${open.port}` })).body) as Record<
      string,
      unknown
    >;
    assert.equal(o.model, MODEL_ID);
    const keyed = await start({ apiKey: 'sekrit' });
    const host = `127.0.0.1:${keyed.port}`;
    const anonymous = await raw(keyed.port, 'GET', '/health', { host });
    assert.equal(anonymous.status, 200);
    assert.deepEqual(JSON.parse(anonymous.body), { status: 'ok' });
    const authed = JSON.parse(
      (await raw(keyed.port, 'GET', '/health', { host, authorization: 'Bearer sekrit' })).body,
    ) as Record<string, unknown>;
    assert.equal(authed.model, MODEL_ID);
  });

  it('an empty API key is refused instead of serving without auth while saying it has auth', async () => {
    await assert.rejects(start({ apiKey: '' }), /API key is empty/);
  });

  it('one admission queue: an editor request starts before HTTP requests that were waiting longer', async () => {
    const server = await start();
    const host = `127.0.0.1:${server.port}`;
    const post = (maxTokens: number) =>
      raw(
        server.port,
        'POST',
        '/v1/chat/completions',
        { host, 'content-type': 'application/json' },
        chatBody(maxTokens),
      );
    const order: string[] = [];
    const running = post(60).then(() => order.push('http running'));
    await eventually(() => server.service.queueState.inFlight === 1);
    const waiting = post(2).then(() => order.push('http waiting'));
    await eventually(() => server.service.queueState.waitingHttp === 1);
    const editor = server.service
      .chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 2, streamId: 'editor' })
      .then(() => order.push('editor'));
    await Promise.all([running, waiting, editor]);
    assert.deepEqual(order, ['http running', 'editor', 'http waiting']);
  });

  it('still answers after all of that', async () => {
    const server = await start();
    await eventually(() => server.service.queueState.inFlight === 0);
    assert.equal((await raw(server.port, 'GET', '/health', { host: `localhost:${server.port}` })).status, 200);
  });
});
