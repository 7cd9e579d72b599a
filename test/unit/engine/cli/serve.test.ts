// `engine serve` as a real process on loopback: the address line, the key, SIGTERM, and a server killed mid-stream.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { run } from '../../../../engine/cli/serve';
import { connectRemoteBackend } from '../../../../engine/openai/client/remote-backend';
import { EngineService } from '../../../../engine/service/engine-service';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';

import { serve, serveWith } from '../../../helpers/serve-process';

describe('engine serve (real process on loopback, fixture with made-up tokenizer)', function () {
  this.timeout(60_000);
  const model = fixtureWithMadeUpTokenizer({ family: 'none' });

  it('prints its loopback address, serves the openai client with the key, and exits 0 on SIGTERM', async () => {
    const server = await serve(model, '--api-key', 'k1', '--model-id', 'tiny');
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      assert.equal(server.model, 'tiny');
      const client = new OpenAI({ baseURL: server.url, apiKey: 'k1', maxRetries: 0 });
      const r = await client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: 'hello' }],
        max_tokens: 4,
        temperature: 0,
      });
      assert.equal(typeof r.choices[0].message.content, 'string');
      await assert.rejects(
        new OpenAI({ baseURL: server.url, apiKey: 'k2', maxRetries: 0 }).models.list(),
        OpenAI.AuthenticationError,
      );
    } finally {
      server.child.kill('SIGTERM');
    }
    assert.equal(await server.exited, 0);
  });

  it('reads the key from --api-key-file or SWITCHYARD_API_KEY; --api-key warns that ps shows it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-key-'));
    writeFileSync(join(dir, 'key'), 'from-file\n', { mode: 0o600 });
    for (const [env, args, key] of [
      [{}, ['--api-key-file', join(dir, 'key')], 'from-file'],
      [{ SWITCHYARD_API_KEY: 'from-env' }, [], 'from-env'],
      [{}, ['--api-key', 'from-flag'], 'from-flag'],
    ] as const) {
      const server = await serveWith(env, model, ...args);
      try {
        assert.equal(server.auth, true);
        assert.equal(
          (await new OpenAI({ baseURL: server.url, apiKey: key, maxRetries: 0 }).models.list()).data.length,
          1,
        );
        await assert.rejects(
          new OpenAI({ baseURL: server.url, apiKey: 'wrong', maxRetries: 0 }).models.list(),
          OpenAI.AuthenticationError,
        );
        if (args[0] === '--api-key') assert.match(server.stderr(), /warning: --api-key shows the key/);
        else assert.doesNotMatch(server.stderr(), /warning: --api-key/);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
  });

  it('an empty key is an error, not a server that says auth is on and accepts anything', async () => {
    await assert.rejects(serveWith({ SWITCHYARD_API_KEY: '' }, model), /API key from SWITCHYARD_API_KEY is empty/);
    await assert.rejects(serveWith({}, model, '--api-key', ''), /API key from --api-key is empty/);
  });

  it('a server killed mid-stream: the remote backend reports it, naming the server', async () => {
    const server = await serve(model);
    const service = new EngineService();
    await service.useBackend(
      await connectRemoteBackend({ baseUrl: server.url, model: server.model }, new AbortController().signal),
    );
    let n = 0;
    const err = await service
      .chat(
        { messages: [{ role: 'user', content: 'hello' }], maxTokens: 180, temperature: 0, streamId: 's' },
        {
          onDelta: () => {
            if (++n === 2) server.child.kill('SIGKILL');
          },
        },
      )
      .catch((e: unknown) => e);
    await server.exited;
    assert.ok(err instanceof Error);
    assert.match(err.message, new RegExp(`^${server.url.replace(/\./g, '\\.')}.*(the stream broke|closed the stream)`));
  });

  it('bad arguments are one clear error each', async () => {
    await assert.rejects(run([]), /serve needs --model DIR/);
    await assert.rejects(run(['--model', model, '--port', 'http']), /--port must be an integer >= 0, got 'http'/);
    await assert.rejects(run(['--model', model, '--bogus']), /Unknown option '--bogus'/);
  });
});
