// The repetition guard on crafted streams (each character a stream step), through the engine service on a scripted
// model (a fake at the runtime boundary), and on the real default model, whose raw greedy output degenerates.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../../../../../engine/runtime/load-model';
import { EngineService } from '../../../../../engine/service/engine-service';
import { LocalBackend } from '../../../../../engine/service/local-backend';
import {
  CHAT_REPETITION,
  COMPLETION_REPETITION,
  repeatedRuns,
  repetitionRule,
  repetitionShare,
} from '../../../../../engine/service/stop/repetition';
import { streamThroughRule as stream } from '../../../../helpers/stream-rule';
import { testCacheDir } from '../../../../helpers/fixture-models';
import { ScriptedModel } from '../../../../helpers/scripted-model';

const completion = repetitionRule(COMPLETION_REPETITION);
const chat = repetitionRule(CHAT_REPETITION);

describe('repetition guard (crafted streams)', () => {
  it("drops a completion that still repeats a token or phrase after the cut (the default model's `self.f(self, x, x, x, x, 0, 0, …`)", () => {
    const r = stream(completion, 'self.f(self, x, x, x, x, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)', { monotone: false });
    assert.equal(r.reason, 'repetition');
    assert.equal(r.kept, '');
  });

  it('cuts a completion where it starts repeating and keeps one copy of the unit when most of it is sound', () => {
    const text = 'total = price * quantity\n    tax = total * rate\n    return total + tax_0_0_0_0_0_0_0_0_0_0_0_0_0';
    const r = stream(completion, text, { monotone: false });
    assert.equal(r.reason, 'repetition');
    assert.equal(r.kept, 'total = price * quantity\n    tax = total * rate\n    return total + tax_0');
    assert.ok(r.kept.startsWith(r.shownBeforeStop), 'nothing was shown that the cut removed');
  });

  it('stops the same line written again and again', () => {
    const line = '    result.append(compute(value))\n';
    const r = stream(completion, `for value in values:\n${line}${line}${line}${line}`, { monotone: false });
    assert.equal(r.reason, 'repetition');
    assert.equal(r.kept, `for value in values:\n${line.trimEnd()}`);
  });

  it('trims a chat reply at the repeated phrase and keeps the answer before it', () => {
    const r = stream(chat, 'The sum is $2+2=4$. ' + 'I hope this helps. '.repeat(8), { monotone: false });
    assert.equal(r.reason, 'repetition');
    assert.equal(r.kept, 'The sum is $2+2=4$. I hope this helps.');
    assert.ok(r.kept.startsWith(r.shownBeforeStop));
  });

  for (const [what, text] of [
    ['a comment rule of dashes', '# ----------------------------------------------------------------\ndef main():'],
    [
      'indentation and closing brackets',
      '            if (a) {\n                f(g(h(x))))))\n            }\n        }\n    }\n}',
    ],
    ['a short literal list', 'grid = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]'],
    ['a Markdown table', '| n | n! |\n|---|---|\n| 1 | 1 |\n| 2 | 2 |\n| 3 | 6 |\n| 4 | 24 |'],
    [
      'ordinary code',
      'def is_prime(n):\n    if n < 2:\n        return False\n    for d in range(2, int(n ** 0.5) + 1):\n        if n % d == 0:\n            return False\n    return True',
    ],
    ['a hex constant', 'const MASK = 0xffffffff00000000n;'],
  ] as const) {
    it(`lets ${what} through whole`, () => {
      for (const rule of [completion, chat]) {
        const r = stream(rule, text, { monotone: false });
        assert.equal(r.reason, undefined, JSON.stringify(repeatedRuns(text, 0, 18)));
        assert.equal(r.kept, text);
      }
    });
  }

  it('holds back a tail that is repeating until it stops repeating, then shows it', () => {
    assert.equal(chat.safeLength('so far so good, x, x'), 'so far so good, x'.length);
    assert.equal(chat.safeLength('so far so good, x, x, y'), 'so far so good, x, x, y'.length);
  });

  it('measures how much of a text its repeated runs cover', () => {
    assert.equal(repetitionShare('return a + b'), 0);
    assert.ok(repetitionShare('f(x, x, x, x, 0, 0, 0, 0, 0)') > 0.6);
    assert.equal(repetitionShare('f(x, x, x)'), 0);
  });
});

describe('repetition guard in the engine service (scripted model at the runtime boundary)', () => {
  async function service(reply: string[]) {
    const s = new EngineService();
    await s.useBackend(new LocalBackend(new ScriptedModel(reply), '/nonexistent'));
    return s;
  }

  const degenerate = ['    return ', 'self.f(self, x, x, x, x', ...Array.from({ length: 30 }, () => ', 0')];
  const fim = { prefix: 'def f(x):\n', suffix: '\n', languageId: 'python', maxTokens: 64 };

  it("ends a completion that degenerates, with stop reason `repetition`, and shows none of it (the editor's case)", async () => {
    const r = await (await service(degenerate)).complete(fim);
    assert.equal(r.stopReason, 'repetition');
    assert.equal(r.text, '');
    assert.ok(r.stats.generatedTokens < 20, `decoding stopped early (${r.stats.generatedTokens} pieces)`);
  });

  it('streamed, it never takes back what was already sent: the deltas add up to the answer', async () => {
    const deltas: string[] = [];
    const r = await (await service(degenerate)).complete(fim, { onDelta: (d) => deltas.push(d) });
    assert.equal(r.stopReason, 'repetition');
    assert.equal(deltas.join(''), r.text);
    assert.ok(!r.text.includes('0, 0'), r.text);
  });

  it('ends a chat reply that degenerates, keeping the streamed answer and its deltas whole', async () => {
    const s = await service(['The answer', ' is 4.', ...Array.from({ length: 40 }, () => ' Yes it is.')]);
    const deltas: string[] = [];
    const r = await s.chat(
      { messages: [{ role: 'user', content: '2+2?' }], maxTokens: 100, streamId: 's' },
      { onDelta: (d) => deltas.push(d) },
    );
    assert.equal(r.stopReason, 'repetition');
    assert.equal(r.text, 'The answer is 4. Yes it is.');
    assert.equal(deltas.join(''), r.text);
  });
});

describe('repetition guard on the default model', () => {
  const DEFAULT_MODEL = join(__dirname, '../../../../../engine/models/default');
  let s: EngineService;
  before(async function () {
    if (!existsSync(join(DEFAULT_MODEL, 'model.safetensors'))) this.skip();
    this.timeout(300_000);
    s = new EngineService({ loadModel: (dir, o) => loadModel(dir, { ...o, cacheDir: testCacheDir() }), threads: 1 });
    await s.loadModel({ path: DEFAULT_MODEL });
  });
  after(() => s?.dispose());

  // Prompts on which the default model's raw greedy output falls into `f_f_f_f…` or `0, 0, 0, …` (measured).
  for (const [prefix, suffix, languageId] of [
    [
      'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\n\ndef is_prime(n):\n    ',
      '\n',
      'python',
    ],
    [
      'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n        ',
      '\n',
      'python',
    ],
    ['for i in range(10):\n    ', '\n', 'python'],
  ] as const) {
    it(`shows no repetition for ${JSON.stringify(prefix.slice(-24))}`, async () => {
      const r = await s.complete({ prefix, suffix, languageId, maxTokens: 96, maxLines: 8, temperature: 0 });
      assert.deepEqual(repeatedRuns(r.text, 0, COMPLETION_REPETITION.minChars), [], JSON.stringify(r));
      assert.equal(repetitionShare(r.text), 0, JSON.stringify(r));
    });
  }
});
