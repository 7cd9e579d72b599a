// The real engine process (engine/main.ts) over its stdio, as the extension talks to it: JSON-RPC framing on stdout
// and nothing else there, streamed deltas before the reply, $/cancelRequest, error codes, shutdown and exit.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import OpenAI from 'openai';
import * as p from '../../../engine/protocol';
import { fixtureWithMadeUpTokenizer } from '../../helpers/made-up-tokenizer';

const ROOT = join(__dirname, '..', '..', '..');

interface Engine {
  child: ChildProcess;
  conn: MessageConnection;
  /** every byte the engine wrote to stdout */
  stdout: () => Buffer;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startEngine(): Engine {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'engine', 'main.ts')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'switchyard-cache-')) },
  });
  const out: Buffer[] = [];
  let err = '';
  const tee = new PassThrough();
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stdout!.pipe(tee);
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const conn = createMessageConnection(new StreamMessageReader(tee), new StreamMessageWriter(child.stdin!));
  conn.listen();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, conn, stdout: () => Buffer.concat(out), stderr: () => err, exited };
}

/** Splits stdout into Content-Length frames; fails on any byte outside a frame. */
function frames(stdout: Buffer): unknown[] {
  const messages: unknown[] = [];
  let at = 0;
  while (at < stdout.length) {
    const headerEnd = stdout.indexOf('\r\n\r\n', at);
    assert.ok(
      headerEnd > at,
      `bytes outside a frame at ${at}: ${JSON.stringify(stdout.subarray(at, at + 40).toString())}`,
    );
    const header = stdout.subarray(at, headerEnd).toString('ascii');
    const m = /^Content-Length: (\d+)$/im.exec(header);
    assert.ok(m, `bad header ${JSON.stringify(header)}`);
    const start = headerEnd + 4;
    const body = stdout.subarray(start, start + Number(m[1]));
    messages.push(JSON.parse(body.toString('utf8')));
    at = start + Number(m[1]);
  }
  return messages;
}

describe('engine process over stdio (JSON-RPC, real engine, fixture with made-up tokenizer)', function () {
  this.timeout(60_000);
  let engine: Engine;
  const model = fixtureWithMadeUpTokenizer({ family: 'none' });
  before(() => {
    engine = startEngine();
  });
  after(() => {
    if (engine.child.exitCode === null) engine.child.kill();
  });

  it('initializes, refuses another protocol version, and loads a fixture model, reporting the first build as it goes', async () => {
    const init = await engine.conn.sendRequest(p.InitializeRequest, {
      protocolVersion: p.PROTOCOL_VERSION,
      threads: 1,
    });
    assert.equal(init.protocolVersion, p.PROTOCOL_VERSION);
    await assert.rejects(
      engine.conn.sendRequest(p.InitializeRequest, { protocolVersion: 99 }),
      (e: { code?: number; message?: string }) =>
        e.code === p.EngineErrorCodes.BadInput && /protocol version 99/.test(e.message ?? ''),
    );
    const progress: p.ModelProgress[] = [];
    const sub = engine.conn.onNotification(p.ModelProgressNotification, (m) => progress.push(m));
    const info = await engine.conn.sendRequest(p.ModelLoadRequest, { path: model });
    assert.equal(info.modelType, 'deepseek_v3');
    assert.equal(info.hasTokenizer, true);
    assert.equal(info.backend, 'local');
    // the engine's graph cache is fresh: one notification per graph, before the reply, counting up to the total
    // (embedding, head, each layer's attention; per MoE layer its shared experts and one group per routed expert)
    const total = 2 + info.layers + info.moeLayers * (1 + info.routedExperts);
    assert.deepEqual(
      progress.map((m) => m.done),
      Array.from({ length: total }, (_, i) => i + 1),
    );
    assert.ok(progress.every((m) => m.total === total && m.path === model));
    // the same checkpoint again comes from the cache: nothing to report
    progress.length = 0;
    await engine.conn.sendRequest(p.ModelLoadRequest, { path: model });
    sub.dispose();
    assert.deepEqual(progress, []);
  });

  it('a broken checkpoint is a BadCheckpoint error naming the folder, and the loaded model stays', async () => {
    await assert.rejects(
      engine.conn.sendRequest(p.ModelLoadRequest, { path: '/nonexistent/model' }),
      (e: { code?: number; message?: string }) => {
        assert.equal(e.code, p.EngineErrorCodes.BadCheckpoint);
        assert.match(e.message ?? '', /\/nonexistent\/model/);
        return true;
      },
    );
    assert.equal((await engine.conn.sendRequest(p.StatsRequest)).model?.path, model);
  });

  it('streams generation/delta notifications before the reply, adding up to its text', async () => {
    const deltas: string[] = [];
    const sub = engine.conn.onNotification(p.GenerationDeltaNotification, (d) => {
      if (d.streamId === 'chat-1') deltas.push(d.text);
    });
    const r = await engine.conn.sendRequest(p.ChatRequest, {
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 12,
      temperature: 0,
      streamId: 'chat-1',
    });
    sub.dispose();
    assert.ok(deltas.length > 0);
    assert.equal(deltas.join(''), r.text);
    const c = await engine.conn
      .sendRequest(p.CompleteRequest, { prefix: 'x = ', suffix: '', languageId: 'python', maxTokens: 4 })
      .catch((e: { code?: number }) => e);
    assert.equal((c as { code?: number }).code, p.EngineErrorCodes.BadInput, 'this model has no FIM tokens');
  });

  it('$/cancelRequest stops decoding and answers RequestCancelled with the partial reply', async () => {
    const source = new CancellationTokenSource();
    let n = 0;
    const sub = engine.conn.onNotification(p.GenerationDeltaNotification, (d) => {
      if (d.streamId === 'chat-2' && ++n === 2) source.cancel();
    });
    const err = await engine.conn
      .sendRequest(
        p.ChatRequest,
        { messages: [{ role: 'user', content: 'hello' }], maxTokens: 180, temperature: 0, streamId: 'chat-2' },
        source.token,
      )
      .catch((e: { code?: number; data?: p.ChatResult }) => e);
    sub.dispose();
    assert.equal((err as { code?: number }).code, p.EngineErrorCodes.Cancelled);
    const partial = (err as { data?: p.ChatResult }).data!;
    assert.equal(partial.stopReason, 'cancelled');
    assert.ok(partial.stats.generatedTokens < 60, `decoded ${partial.stats.generatedTokens} tokens after the cancel`);
    const stats = await engine.conn.sendRequest(p.StatsRequest);
    assert.equal(stats.lastGeneration?.generatedTokens, partial.stats.generatedTokens);
    assert.ok(stats.rssBytes > 0);
  });

  it('proof/check answers through engine/math: a wrong identity comes back wrong with its counterexample', async () => {
    const text = 'We have\n$$ (a+b)^2 = a^2 + 2ab + b^2 $$\nand\n$$ (a-b)^2 = a^2 + b^2 $$\n';
    const r = await engine.conn.sendRequest(p.ProofCheckRequest, {
      text,
      languageId: 'latex',
      origin: { line: 10, character: 0 },
    });
    assert.deepEqual(
      r.steps.map((s) => s.verdict),
      ['verified', 'wrong'],
    );
    assert.equal(r.steps[1].range.start.line, 13, 'ranges in document coordinates');
    assert.ok(r.steps[1].counterexample && 'a' in r.steps[1].counterexample);
  });

  it('serve/start lets other tools use the loaded model over the OpenAI API; serve/stop closes it', async () => {
    const { url, modelId } = await engine.conn.sendRequest(p.ServeStartRequest, { port: 0, apiKey: 'tool-key' });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const client = new OpenAI({ baseURL: url, apiKey: 'tool-key', maxRetries: 0 });
    const viaHttp = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 6,
      temperature: 0,
    });
    const viaRpc = await engine.conn.sendRequest(p.ChatRequest, {
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 6,
      temperature: 0,
      streamId: 'same',
    });
    assert.equal(viaHttp.choices[0].message.content, viaRpc.text, 'one model serves both');
    await engine.conn.sendRequest(p.ServeStopRequest);
    await assert.rejects(fetch(`${url}/models`));
  });

  it('calibrate names what is missing: a domain without texts', async () => {
    await assert.rejects(
      engine.conn.sendRequest(p.CalibrateRequest, { code: [], math: [], general: [] }),
      /no code text files/,
    );
  });

  it('stdout carries only Content-Length frames; logs go to stderr; shutdown answers, then the process exits 0', async () => {
    await engine.conn.sendRequest(p.ShutdownRequest);
    assert.equal(await engine.exited, 0);
    const messages = frames(engine.stdout());
    assert.ok(messages.length > 10);
    assert.ok(messages.every((m) => (m as { jsonrpc?: string }).jsonrpc === '2.0'));
    assert.match(engine.stderr(), /started \(pid/);
  });

  it('exits when its stdin closes (the extension host went away)', async () => {
    const orphan = startEngine();
    await orphan.conn.sendRequest(p.InitializeRequest, { protocolVersion: p.PROTOCOL_VERSION });
    orphan.child.stdin!.end();
    assert.equal(await orphan.exited, 0);
  });
});
