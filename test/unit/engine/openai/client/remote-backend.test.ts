// The remote backend against the real local server on loopback (the same requests the extension sends when
// switchyard.backend is openai-compatible), compared with the local engine answering the same request directly.
import * as assert from 'node:assert/strict';
import { EngineErrorCodes } from '../../../../../engine/protocol';
import { RemoteHttpClient } from '../../../../../engine/openai/client/http-client';
import { connectRemoteBackend, RemoteBackend } from '../../../../../engine/openai/client/remote-backend';
import { CancelledGenerationError, EngineService } from '../../../../../engine/service/engine-service';
import { eventually, MODEL_ID, startLocalServer, type LocalServer } from '../../../../helpers/local-server';

const signal = () => new AbortController().signal;

describe('remote backend through the real local server (made-up tokenizer)', () => {
  let server: LocalServer;
  let remote: EngineService;
  before(async () => {
    server = await startLocalServer({ apiKey: 'k' });
    remote = new EngineService();
  });
  after(async () => {
    await remote.dispose();
    await server.close();
  });

  it('connects, checking the key and the model name, and says routing skew does not travel', async () => {
    const info = await remote.useBackend(
      await connectRemoteBackend({ baseUrl: server.url, model: MODEL_ID, apiKey: 'k', fimFormat: 'qwen' }, signal()),
    );
    assert.equal(info.backend, 'openai-compatible');
    assert.equal(info.hasRoutingProfile, false);
    assert.equal(info.fim?.name, 'qwen');
    await assert.rejects(
      connectRemoteBackend({ baseUrl: server.url, model: MODEL_ID, apiKey: 'bad' }, signal()),
      (e: Error & { code?: number }) => {
        assert.equal(e.code, EngineErrorCodes.RemoteFailed);
        assert.match(
          e.message,
          new RegExp(
            `^${server.url.replace(/\./g, '\\.')} refused the request \\(HTTP 401: .*Set Remote Server API Key`,
          ),
        );
        return true;
      },
    );
    await assert.rejects(
      connectRemoteBackend({ baseUrl: server.url, model: 'deepseek-v3', apiKey: 'k' }, signal()),
      /does not serve model 'deepseek-v3' \(it serves: switchyard-test\): set switchyard\.remote\.model/,
    );
  });

  it('a raw-prompt text completion equals the local engine answering directly', async () => {
    const r = await remote.text('def add(a, b):', { maxTokens: 12, temperature: 0 });
    const direct = await server.service.text('def add(a, b):', { maxTokens: 12, temperature: 0 });
    assert.equal(r.text, direct.text);
    assert.equal(r.stats.generatedTokens, direct.stats.generatedTokens);
  });

  it('streams chat deltas that equal the local engine answer', async () => {
    const messages = [{ role: 'user' as const, content: 'hello' }];
    const deltas: string[] = [];
    const r = await remote.chat(
      { messages, maxTokens: 20, temperature: 0, streamId: 'r' },
      { onDelta: (d) => deltas.push(d) },
    );
    const direct = await server.service.chat({ messages, maxTokens: 20, temperature: 0, streamId: 'd' });
    assert.equal(r.text, direct.text);
    assert.equal(deltas.join(''), r.text);
    assert.ok(deltas.length > 1, 'streamed in pieces');
  });

  it('cancelling a remote chat aborts the HTTP request, which stops the server generating', async () => {
    const ctl = new AbortController();
    let n = 0;
    const err = await remote
      .chat(
        { messages: [{ role: 'user', content: 'hello' }], maxTokens: 180, temperature: 0, streamId: 'c' },
        {
          signal: ctl.signal,
          onDelta: () => {
            if (++n === 2) ctl.abort();
          },
        },
      )
      .catch((e: unknown) => e);
    assert.ok(err instanceof CancelledGenerationError, String(err));
    await eventually(() => server.service.queueState.inFlight === 0);
    assert.ok(server.service.stats().lastGeneration!.generatedTokens < 60);
  });
});

describe('remote completions through the real local server, both FIM modes (made-up tokenizer)', () => {
  let server: LocalServer;
  before(async () => {
    server = await startLocalServer({ model: { family: 'qwen' } });
  });
  after(() => server.close());

  const request = {
    prefix: 'def f(x):\n    ',
    suffix: '\n\nprint(f(1))\n',
    languageId: 'python',
    maxTokens: 24,
    temperature: 0,
  };

  for (const fimMode of ['prompt', 'suffix'] as const) {
    it(`${fimMode} mode: the editor's completion equals the local engine's, stop rules included`, async () => {
      const remote = new EngineService();
      try {
        const info = await remote.useBackend(
          await connectRemoteBackend({ baseUrl: server.url, model: MODEL_ID, fimMode, fimFormat: 'qwen' }, signal()),
        );
        assert.equal(info.fim?.name, fimMode === 'prompt' ? 'qwen' : undefined);
        const viaServer = await remote.complete(request);
        const direct = await server.service.complete(request);
        assert.equal(viaServer.text, direct.text);
        assert.equal(viaServer.stopReason === 'block', direct.stopReason === 'block');
      } finally {
        await remote.dispose();
      }
    });
  }

  it('prompt mode needs a known FIM family: an unknown model name asks for switchyard.remote.fimFormat', async () => {
    const remote = new EngineService();
    const client = new RemoteHttpClient({ baseUrl: server.url, timeoutMs: 5000 });
    await remote.useBackend(new RemoteBackend(client, { baseUrl: server.url, model: 'mystery-model' }));
    await assert.rejects(
      remote.complete(request),
      /cannot tell the fill-in-the-middle format of model 'mystery-model'.*set switchyard\.remote\.fimFormat/,
    );
    await assert.rejects(
      connectRemoteBackend({ baseUrl: server.url, model: MODEL_ID, fimFormat: 'gpt' }, signal()),
      /unknown FIM format 'gpt': use one of deepseek, qwen, starcoder2, codellama/,
    );
  });
});
