// Conformance from the client's side: the official `openai` npm client against the real local server on loopback
// (fixture v3-tiny with a made-up tokenizer: the text is noise, so answers are compared with direct engine calls).
import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import { eventually, MODEL_ID, startLocalServer, type LocalServer } from '../../../../helpers/local-server';

describe('local OpenAI-compatible server, through the official openai client (made-up tokenizer)', () => {
  let server: LocalServer;
  let client: OpenAI;
  before(async () => {
    server = await startLocalServer();
    client = new OpenAI({ baseURL: server.url, apiKey: 'none', maxRetries: 0 });
  });
  after(() => server.close());

  it('lists and retrieves the served model', async () => {
    const list = await client.models.list();
    assert.deepEqual(
      list.data.map((m) => m.id),
      [MODEL_ID],
    );
    assert.equal((await client.models.retrieve(MODEL_ID)).owned_by, 'switchyard');
  });

  it('completions: greedy text equals a direct engine call, with usage and finish_reason', async () => {
    const r = await client.completions.create({
      model: MODEL_ID,
      prompt: 'def add(a, b):',
      max_tokens: 12,
      temperature: 0,
    });
    const direct = await server.service.text('def add(a, b):', { maxTokens: 12, temperature: 0 });
    assert.equal(r.object, 'text_completion');
    assert.equal(r.choices[0].text, direct.text);
    assert.equal(r.usage?.completion_tokens, direct.stats.generatedTokens);
    assert.equal(r.usage?.prompt_tokens, direct.stats.promptTokens);
    assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  });

  it('completions with suffix fill in the middle in the model family format, or say the model has no FIM tokens', async () => {
    const fimServer = await startLocalServer({ model: { family: 'qwen' } });
    try {
      const fimClient = new OpenAI({ baseURL: fimServer.url, apiKey: 'none', maxRetries: 0 });
      const r = await fimClient.completions.create({
        model: MODEL_ID,
        prompt: 'x = ',
        suffix: '\nprint(x)\n',
        max_tokens: 8,
        temperature: 0,
      });
      const direct = await fimServer.service.fill(
        { prefix: 'x = ', suffix: '\nprint(x)\n', languageId: 'plaintext' },
        { maxTokens: 8, temperature: 0 },
      );
      assert.equal(r.choices[0].text, direct.text);
    } finally {
      await fimServer.close();
    }
    await assert.rejects(
      client.completions.create({ model: MODEL_ID, prompt: 'x = ', suffix: '\n', max_tokens: 8 }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && /has no fill-in-the-middle tokens/.test(e.message),
    );
  });

  it('honours stop strings, max_tokens and seed', async () => {
    const full = (await client.completions.create({ model: MODEL_ID, prompt: 'x', max_tokens: 40, temperature: 0 }))
      .choices[0].text;
    const stop = full.slice(6, 8);
    const cut = await client.completions.create({
      model: MODEL_ID,
      prompt: 'x',
      max_tokens: 40,
      temperature: 0,
      stop: [stop],
    });
    assert.equal(cut.choices[0].text, full.slice(0, full.indexOf(stop)));
    assert.equal(cut.choices[0].finish_reason, 'stop');
    const short = await client.completions.create({ model: MODEL_ID, prompt: 'x', max_tokens: 3, temperature: 0 });
    assert.equal(short.usage?.completion_tokens, 3);
    assert.equal(short.choices[0].finish_reason, 'length');
    const sampled = () =>
      client.completions.create({ model: MODEL_ID, prompt: 'x', max_tokens: 16, temperature: 1, top_p: 0.9, seed: 7 });
    assert.equal((await sampled()).choices[0].text, (await sampled()).choices[0].text);
  });

  it('streams chat completions whose deltas add up to the non-streamed answer', async () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'hello' },
    ];
    const whole = await client.chat.completions.create({ model: MODEL_ID, messages, max_tokens: 16, temperature: 0 });
    const stream = await client.chat.completions.create({
      model: MODEL_ID,
      messages,
      max_tokens: 16,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let role: string | undefined;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      role ??= chunk.choices[0]?.delta.role;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(whole.choices[0].message.role, 'assistant');
    assert.equal(role, 'assistant');
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(finish, whole.choices[0].finish_reason);
    assert.equal(usage?.completion_tokens, whole.usage?.completion_tokens);
  });

  it('streams text completions too', async () => {
    const stream = await client.completions.create({
      model: MODEL_ID,
      prompt: 'hello',
      max_tokens: 10,
      temperature: 0,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, (await server.service.text('hello', { maxTokens: 10, temperature: 0 })).text);
  });

  it('answers an unknown model with 404 and bad parameters with 400 naming the field', async () => {
    await assert.rejects(client.completions.create({ model: 'gpt-4', prompt: 'x', max_tokens: 2 }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.NotFoundError);
      assert.match(e.message, /model 'gpt-4' does not exist; this server serves 'switchyard-test'/);
      return true;
    });
    await assert.rejects(
      client.completions.create({ model: MODEL_ID, prompt: 'x', max_tokens: 2, temperature: 5 }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal((e.error as { param?: string }).param, 'temperature');
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({ model: MODEL_ID, messages: [], max_tokens: 2 }),
      OpenAI.BadRequestError,
    );
    await assert.rejects(
      client.completions.create({ model: MODEL_ID, prompt: 'x', n: 2, max_tokens: 2 }),
      /only 'n': 1 is supported/,
    );
  });

  it('a client that disconnects mid-stream cancels its generation', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL_ID,
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 180,
      temperature: 0,
      stream: true,
    });
    let chunks = 0;
    for await (const _ of stream) if (++chunks === 3) break; // leaving the loop aborts the HTTP request
    await eventually(() => server.service.queueState.inFlight === 0);
    const last = server.service.stats().lastGeneration;
    assert.ok(last && last.generatedTokens < 60, `generation went on to ${last?.generatedTokens} tokens`);
  });
});

describe('local server limits: bearer key and bounded queue (made-up tokenizer)', () => {
  it('with --api-key every /v1 request needs the bearer key; /health does not', async () => {
    const server = await startLocalServer({ apiKey: 'sekrit' });
    try {
      const anonymous = new OpenAI({ baseURL: server.url, apiKey: 'wrong', maxRetries: 0 });
      await assert.rejects(
        anonymous.models.list(),
        (e: unknown) => e instanceof OpenAI.AuthenticationError && /missing or wrong API key/.test(e.message),
      );
      const noHeader = await fetch(`${server.url}/models`);
      assert.equal(noHeader.status, 401);
      const health = await fetch(server.url.replace(/\/v1$/, '/health'));
      assert.equal(health.status, 200);
      const authed = new OpenAI({ baseURL: server.url, apiKey: 'sekrit', maxRetries: 0 });
      assert.equal((await authed.models.list()).data[0].id, MODEL_ID);
    } finally {
      await server.close();
    }
  });

  it('a full queue answers 503 with Retry-After while one request runs', async () => {
    const server = await startLocalServer({ queue: 0 });
    try {
      const client = new OpenAI({ baseURL: server.url, apiKey: 'none', maxRetries: 0 });
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        {
          model: MODEL_ID,
          messages: [{ role: 'user', content: 'hello' }],
          max_tokens: 180,
          temperature: 0,
          stream: true,
        },
        { signal: controller.signal },
      );
      const it = stream[Symbol.asyncIterator]();
      await it.next(); // the first request is running
      const res = await fetch(`${server.url}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL_ID, prompt: 'x', max_tokens: 2 }),
      });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /busy/);
      controller.abort();
      await eventually(() => server.service.queueState.inFlight === 0);
    } finally {
      await server.close();
    }
  });
});
