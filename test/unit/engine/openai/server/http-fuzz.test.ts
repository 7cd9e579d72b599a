// Fuzzing the real `engine serve` process on 127.0.0.1 with 1,000 malformed requests over raw sockets: bad request
// lines, bad and huge headers, wrong content types, truncated bodies, bad JSON, bad % escapes, wrong Host / Origin.
// Each must be answered with a 4xx and a JSON error, or the connection closed; none may hang the server or crash it,
// and /health answers afterwards. Seeded: a failure prints SWITCHYARD_FUZZ_SEED to replay it.
import * as assert from 'node:assert/strict';
import { connect } from 'node:net';
import { fuzzSeed, mutateJson, oddValue, Rng } from '../../../../helpers/fuzz';
import { serve } from '../../../../helpers/serve-process';
import { fixtureWithMadeUpTokenizer } from '../../../../helpers/made-up-tokenizer';

const RUNS = 1000;
const MODEL = 'fuzz-model';

interface Outcome {
  /** the status line's code, or undefined when the server closed without answering */
  status?: number;
  json: boolean;
  hung: boolean;
  /** the connection could not be made (the server is gone): never an acceptable outcome */
  refused?: boolean;
}

/** Sends `bytes` on a fresh connection, half-closes, and reads one response (or the close). */
function exchange(port: number, bytes: Buffer, ms = 5000): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const done = (o: Outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const parse = (final: boolean) => {
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return final ? done({ status: text.length ? -1 : undefined, json: false, hung: false }) : undefined;
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? -1);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? NaN);
      const body = data.subarray(end + 4);
      if (!final && !(body.length >= length)) return undefined;
      let json: boolean;
      try {
        json = typeof (JSON.parse(body.subarray(0, length).toString('utf8')) as { error?: unknown }).error === 'object';
      } catch {
        json = false;
      }
      done({ status, json, hung: false });
    };
    const timer = setTimeout(() => done({ json: false, hung: true }), ms);
    socket.on('data', (b: Buffer) => {
      data = Buffer.concat([data, b]);
      parse(false);
    });
    socket.on('close', () => parse(true));
    let connected = false;
    socket.on('error', () => {
      if (!connected) done({ json: false, hung: false, refused: true });
    });
    socket.on('connect', () => {
      connected = true;
      socket.write(bytes);
      socket.end();
    });
  });
}

/** One malformed request: a well-formed base with one to three defects. */
function malformed(rng: Rng, port: number): { bytes: Buffer; defects: string[] } {
  let method = 'POST';
  let path = rng.pick(['/v1/chat/completions', '/v1/completions']);
  let version = 'HTTP/1.1';
  const headers: [string, string][] = [
    ['Host', `127.0.0.1:${port}`],
    ['Content-Type', 'application/json'],
  ];
  const base = {
    model: MODEL,
    messages: [{ role: 'user', content: 'hi' }],
    prompt: 'x',
    max_tokens: 1,
    temperature: 0,
  };
  let body = JSON.stringify(base);
  let declared: number | undefined;
  const defects: string[] = [];
  const defectKinds = ['line', 'header', 'huge', 'type', 'truncated', 'json', 'escape', 'host', 'origin'] as const;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const kind = rng.pick(defectKinds);
    defects.push(kind);
    switch (kind) {
      case 'line':
        [method, path, version] = rng.pick([
          ['GET', '/v1/models HTTP/1.1 extra', version],
          ['P\u0000ST', path, version],
          [method, path, 'HTTP/9.9'],
          [method, 'no-slash', version],
          ['', '', ''],
          [method, `/${'a'.repeat(20_000)}`, version],
        ] as [string, string, string][]);
        break;
      case 'header':
        headers.push(
          rng.pick([
            ['Bad Header', 'x'],
            ['X-Nul', 'a\u0000b'],
            ['Content-Length', '-5'],
            ['Content-Length', 'abc'],
            ['Transfer-Encoding', 'gzip, chunked, x'],
          ] as [string, string][]),
        );
        break;
      case 'huge':
        headers.push(['X-Huge', 'h'.repeat(20_000 + rng.int(50_000))]);
        break;
      case 'type':
        headers[1] = [
          'Content-Type',
          rng.pick([
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json; charset=latin1',
            '',
          ]),
        ];
        break;
      case 'truncated':
        declared = body.length + 1 + rng.int(1000);
        body = body.slice(0, rng.int(body.length));
        break;
      case 'json':
        body =
          rng.next() < 0.5
            ? body.slice(0, Math.max(1, rng.int(body.length))) + rng.pick(['', '}', ']', '\u0000', '"'])
            : JSON.stringify({ ...(mutateJson(base, rng) as object), model: oddValue(rng) });
        break;
      case 'escape':
        method = rng.pick(['GET', 'POST']);
        path = `/v1/models/${rng.pick(['%', '%E0%A4%A', '%zz', '%%', '%C0%80', '%ff%fe'])}`;
        break;
      case 'host':
        headers[0] = [
          'Host',
          rng.pick([
            `attacker.example:${port}`,
            `127.0.0.1:${port + 1}`,
            '',
            'localhost',
            `[::1`,
            `127.0.0.1:${port}:1`,
          ]),
        ];
        break;
      case 'origin':
        headers.push([
          'Origin',
          rng.pick(['https://attacker.example', 'null', `http://127.0.0.1:${port}`, 'http://localhost']),
        ]);
        break;
    }
  }
  const length = declared ?? Buffer.byteLength(body);
  const head = [
    `${method} ${path} ${version}`,
    ...headers.map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${length}`,
    '',
    '',
  ].join('\r\n');
  return { bytes: Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(body, 'utf8')]), defects };
}

describe('fuzzing engine serve with malformed HTTP (real process on loopback, made-up tokenizer)', function () {
  this.timeout(120_000);

  it('1,000 malformed requests: each a 4xx with a JSON error or a closed connection; no hang, no crash', async () => {
    const server = await serve(fixtureWithMadeUpTokenizer({ family: 'none' }), '--model-id', MODEL);
    const port = Number(new URL(server.url).port);
    const seed = fuzzSeed();
    const rng = new Rng(seed);
    const bad: string[] = [];
    const statuses = new Map<number, number>();
    let exited = false;
    void server.exited.then(() => (exited = true));
    try {
      const cases = Array.from({ length: RUNS }, () => malformed(rng, port));
      for (let i = 0; i < RUNS; i += 16) {
        const batch = cases.slice(i, i + 16);
        const outcomes = await Promise.all(batch.map((c) => exchange(port, c.bytes)));
        outcomes.forEach((o, j) => {
          statuses.set(o.status ?? 0, (statuses.get(o.status ?? 0) ?? 0) + 1);
          const ok = !o.hung && !o.refused && (o.status === undefined || (o.status >= 400 && o.status < 500 && o.json));
          if (!ok && bad.length < 5)
            bad.push(
              `#${i + j} [${batch[j].defects}]: ${JSON.stringify(o)} for ${JSON.stringify(batch[j].bytes.toString('utf8').slice(0, 160))}`,
            );
        });
        if (exited) break;
      }
      assert.equal(exited, false, `serve exited during the fuzz: ${server.stderr().slice(-500)}`);
      assert.deepEqual(bad, [], `replay with SWITCHYARD_FUZZ_SEED=${seed}`);
      // most requests are answered (a closed connection is allowed, but is not what most defects get)
      const answered = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
      assert.ok(answered > RUNS / 2, `only ${answered} answered: ${JSON.stringify([...statuses])}`);
      const health = await fetch(server.url.replace(/\/v1$/, '/health'));
      assert.equal(health.status, 200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
