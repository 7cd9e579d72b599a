// Text in and out through tokenizer.json: the made-up byte-level BPE (with a few code merges, the Qwen special tokens
// and a ChatML template) on a fixture model.
import * as assert from 'node:assert/strict';
import { loadModel } from '../../../../engine/runtime/load-model';
import { stopStringsRule } from '../../../../engine/service/stop/stop-strings';
import { testCacheDir } from '../../../helpers/fixture-models';
import {
  CHATML_TEMPLATE,
  CODE_MERGES,
  FAMILY_TOKENS,
  fixtureWithMadeUpTokenizer,
} from '../../../helpers/made-up-tokenizer';

describe('tokenizer.json', () => {
  let model: Awaited<ReturnType<typeof loadModel>>;
  let dir: string;
  before(async () => {
    dir = fixtureWithMadeUpTokenizer({ family: 'qwen', merges: CODE_MERGES, chatTemplate: CHATML_TEMPLATE });
    model = await loadModel(dir, { threads: 1, cacheDir: testCacheDir() });
  });
  after(() => model.dispose());

  it('round-trips text, unicode included, and applies the merges', () => {
    const tok = model.tokenizer!;
    for (const text of ['def f(x):\n    return x', '∀ε>0 ∃δ: |x−a|<δ ⇒ 😀'])
      assert.equal(tok.decode(tok.encode(text)), text);
    assert.ok(tok.encode('def return').length === 3, 'def, Ġ, return... merged');
  });

  it('keeps special tokens whole and finds the FIM format, EOS and chat template', () => {
    const tok = model.tokenizer!;
    const ids = tok.encode('<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>');
    assert.equal(ids.length, 5);
    assert.equal(ids[0], tok.tokenToId('<|fim_prefix|>'));
    assert.deepEqual(model.info.fim, {
      name: 'qwen',
      prefix: '<|fim_prefix|>',
      suffix: '<|fim_suffix|>',
      middle: '<|fim_middle|>',
      order: 'psm',
      fileSeparator: '<|file_sep|>',
    });
    assert.ok(tok.eosIds.includes(tok.tokenToId('<|endoftext|>') as number));
    assert.ok(model.info.hasTokenizer && model.info.hasChatTemplate);
    for (const s of FAMILY_TOKENS.qwen) assert.notEqual(tok.tokenToId(s), undefined);
  });

  it('streams text pieces that add up to the final text, and cuts at a stop string without streaming it', async () => {
    const tok = model.tokenizer!;
    const prompt = tok.encode('def f(x):');
    const pieces: string[] = [];
    const free = await model.generate(prompt, { maxTokens: 12, ignoreEos: true, onToken: (_id, t) => pieces.push(t) });
    assert.equal(pieces.join(''), free.text);
    assert.equal(free.text, tok.decode(free.tokens));
    // stop at a piece of the free-running output: the text ends right before it
    const stop = free.text.slice(3, 5);
    const streamed: string[] = [];
    const cut = await model.generate(prompt, {
      maxTokens: 12,
      ignoreEos: true,
      stopRule: stopStringsRule([stop]),
      onToken: (_id, t) => streamed.push(t),
    });
    assert.equal(cut.stopReason, 'stop');
    assert.equal(cut.text, free.text.slice(0, free.text.indexOf(stop)));
    assert.equal(streamed.join(''), cut.text);
  });
});
