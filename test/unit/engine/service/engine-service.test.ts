// The request logic on a scripted model (a fake at the runtime boundary, so stop rules meet known text) and on the
// real runtime with a fixture checkpoint and a made-up tokenizer (random weights: only structure is checked).
import * as assert from 'node:assert/strict';
import { EngineError } from '../../../../engine/errors';
import { EngineErrorCodes } from '../../../../engine/protocol';
import { loadModel } from '../../../../engine/runtime/load-model';
import { CancelledGenerationError, EngineService } from '../../../../engine/service/engine-service';
import { LocalBackend } from '../../../../engine/service/local-backend';
import { testCacheDir } from '../../../helpers/fixture-models';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';
import { ScriptedModel } from '../../../helpers/scripted-model';

async function scripted(reply: string[], opts: ConstructorParameters<typeof ScriptedModel>[1] = {}) {
  const model = new ScriptedModel(reply, opts);
  const service = new EngineService();
  await service.useBackend(new LocalBackend(model, '/nonexistent'));
  return { model, service };
}

const fim = { prefix: 'def f(x):\n    ', suffix: '\n', languageId: 'python', maxTokens: 64 };

describe('engine service (scripted model at the runtime boundary)', () => {
  it('sends the FIM prompt in the detected format and stops at the end of the block, streaming only kept text', async () => {
    const { model, service } = await scripted([
      'y = x',
      ' * 2\n',
      '    return y\n',
      '\n',
      'def g',
      '():\n',
      '    pass\n',
    ]);
    const deltas: string[] = [];
    const r = await service.complete(fim, { onDelta: (d) => deltas.push(d) });
    assert.equal(model.prompts[0], '<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n<|fim_middle|>');
    assert.equal(r.text, 'y = x * 2\n    return y');
    assert.equal(r.stopReason, 'block');
    assert.equal(deltas.join(''), r.text);
    assert.equal(r.stats.domain, 'code');
    assert.equal(service.stats().lastGeneration, r.stats);
  });

  it('completes only the rest of the line when code follows the cursor on it', async () => {
    const { service } = await scripted(['a, b', ')\n', 'print(1)\n']);
    const r = await service.complete({ ...fim, prefix: 'max(', suffix: ')\n' });
    assert.equal(r.text, 'a, b', 'one line, without the `)` the suffix already has');
  });

  it('ends at the time budget with what was generated so far', async () => {
    const { service } = await scripted(
      Array.from({ length: 50 }, () => 'x'),
      { delayMs: 10 },
    );
    const r = await service.complete({ ...fim, timeBudgetMs: 60 });
    assert.equal(r.stopReason, 'time');
    assert.ok(r.text.length > 0 && r.text.length < 50, `got ${r.text.length} characters`);
  });

  it("chat formats with the template the model's tokenizer carries, with no folder to read (a GGUF file's)", async () => {
    const template = '{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}[assistant] ';
    const { model, service } = await scripted(['ok'], { chatTemplate: template });
    await service.chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 4, streamId: 't' });
    assert.equal(model.prompts[0], '[user] hi\n[assistant] ');
  });

  it('a cancelled chat rejects with Cancelled and carries the partial reply', async () => {
    const { service } = await scripted(
      Array.from({ length: 50 }, (_, i) => `w${i} `),
      { delayMs: 5 },
    );
    const ctl = new AbortController();
    const deltas: string[] = [];
    const pending = service.chat(
      { messages: [{ role: 'user', content: 'hi' }], maxTokens: 100, streamId: 's' },
      {
        signal: ctl.signal,
        onDelta: (d) => {
          deltas.push(d);
          if (deltas.length === 3) ctl.abort();
        },
      },
    );
    const err = await pending.then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CancelledGenerationError);
    assert.equal(err.code, EngineErrorCodes.Cancelled);
    assert.equal(err.partial.stopReason, 'cancelled');
    assert.ok(err.partial.text.startsWith(deltas.join('')) && err.partial.text.length < 150);
  });

  it('runs one generation at a time; a request cancelled while waiting never starts', async () => {
    const { model, service } = await scripted(['a', 'b', 'c'], { delayMs: 20 });
    const ctl = new AbortController();
    const first = service.chat({ messages: [{ role: 'user', content: 'one' }], maxTokens: 3, streamId: '1' });
    const second = service.chat(
      { messages: [{ role: 'user', content: 'two' }], maxTokens: 3, streamId: '2' },
      { signal: ctl.signal },
    );
    assert.equal(service.queueState.waiting, 1);
    ctl.abort();
    await assert.rejects(second, (e: { code?: number }) => e.code === EngineErrorCodes.Cancelled);
    assert.equal((await first).text, 'abc');
    assert.equal(model.prompts.length, 1);
  });

  it('a lane with a waiting limit refuses requests beyond it with Busy', async () => {
    const model = new ScriptedModel(['a', 'b'], { delayMs: 20 });
    const service = new EngineService();
    await service.useBackend(new LocalBackend(model, '/nonexistent'));
    service.setWaitingLimit('editor', 1);
    const chat = (n: string) => service.chat({ messages: [{ role: 'user', content: n }], maxTokens: 2, streamId: n });
    const running = chat('1');
    const waiting = chat('2');
    await assert.rejects(chat('3'), (e: { code?: number }) => e.code === EngineErrorCodes.Busy);
    await Promise.all([running, waiting]);
  });

  it('answers requests without a model, or with bad parameters, with the matching error codes', async () => {
    const empty = new EngineService();
    await assert.rejects(empty.complete(fim), (e: { code?: number }) => e.code === EngineErrorCodes.NoModelLoaded);
    await assert.rejects(
      empty.loadModel({ path: '/x' }),
      (e: { code?: number }) => e.code === EngineErrorCodes.NotAvailable,
    );
    const { service } = await scripted(['a']);
    await assert.rejects(service.complete({ ...fim, maxTokens: 0 }), /maxTokens must be at least 1/);
  });
});

describe('engine service: the memory budget of model/load', () => {
  it('loads within the budget it is given and reports it with the resident experts in stats; a budget too small is the error', async () => {
    const service = new EngineService({
      loadModel: (dir, o) => loadModel(dir, { ...o, cacheDir: testCacheDir() }),
      threads: 1,
    });
    const path = fixtureWithMadeUpTokenizer({ family: 'deepseek' });
    await assert.rejects(
      service.loadModel({ path, memoryBudgetBytes: 200_000 }),
      (e: unknown) => e instanceof EngineError && /^memory budget 195 KiB is too small for /.test(e.message),
    );
    await service.loadModel({ path, memoryBudgetBytes: 64 * 2 ** 20 });
    await service.complete({ prefix: 'int x', suffix: '', languageId: 'c', maxTokens: 2 });
    const stats = service.stats();
    assert.equal(stats.memoryBudgetBytes, 64 * 2 ** 20);
    assert.ok((stats.residentExpertBytes ?? 0) > 0);
    await service.dispose();
  });
});

describe('engine service on the runtime (fixture v3-tiny, made-up tokenizer)', () => {
  let service: EngineService;
  let loaded: Awaited<ReturnType<typeof loadModel>> | undefined;
  before(async () => {
    service = new EngineService({
      loadModel: async (dir, o) => (loaded = await loadModel(dir, { ...o, cacheDir: testCacheDir() })),
      threads: 1,
    });
    const info = await service.loadModel({ path: fixtureWithMadeUpTokenizer({ family: 'deepseek' }) });
    assert.equal(info.fim?.name, 'deepseek');
    assert.equal(info.hasChatTemplate, false);
  });
  after(() => service.dispose());

  it('reports the ModelInfo the loader built, whole and unchanged (FIM, chat template, context, routing profile)', () => {
    assert.ok(loaded);
    const built = structuredClone(loaded.info);
    assert.equal(service.model, loaded.info);
    assert.deepEqual(service.model, built);
    assert.equal(built.backend, 'local');
    assert.equal(built.contextLength, loaded.cfg.max_position_embeddings);
    assert.equal(built.hasRoutingProfile, false);
  });

  it('streams deltas that add up to the returned completion (made-up tokenizer)', async () => {
    const deltas: string[] = [];
    const r = await service.complete(
      { prefix: 'int main() {\n  ', suffix: '\n}\n', languageId: 'c', maxTokens: 24, maxLines: 3 },
      { onDelta: (d) => deltas.push(d) },
    );
    assert.equal(deltas.join(''), r.text);
    assert.ok(r.text.split('\n').length <= 3);
    assert.ok(r.stats.promptTokens > 10 && r.stats.generatedTokens >= 1 && r.stats.generatedTokens <= 24);
  });

  it('chat on the runtime: ChatML prompt without a template, cancellation stops decoding (made-up tokenizer)', async () => {
    const ctl = new AbortController();
    let pieces = 0;
    const err = await service
      .chat(
        { messages: [{ role: 'user', content: 'hello' }], maxTokens: 200, streamId: 'c' },
        {
          signal: ctl.signal,
          onDelta: () => {
            if (++pieces === 2) ctl.abort();
          },
        },
      )
      .then(
        (r) => r,
        (e: unknown) => e,
      );
    // the random model may end on its own first; if it did not, the cancel must have cut it short
    if (err instanceof CancelledGenerationError) assert.ok(err.partial.stats.generatedTokens < 200);
    else assert.notEqual((err as { stopReason?: string }).stopReason, 'length');
  });
});
