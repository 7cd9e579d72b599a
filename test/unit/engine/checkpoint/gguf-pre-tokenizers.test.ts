// The pre-tokenizers `tokenizer.ggml.pre` names (engine/checkpoint/gguf-pre-tokenizers.ts), run by the tokenizer
// library as the GGUF tokenizer runs them: each family splits digits, contractions, CJK, other scripts and line breaks
// the way llama.cpp's expressions for it do. DeepSeek-V3's and Qwen2's are also checked against their real
// tokenizer.json in gguf-tokenizer.test.ts; the others have no tokenizer files here, so their splits are spelled out.
import * as assert from 'node:assert/strict';
import { SequencePreTokenizer } from '@huggingface/tokenizers';
import {
  GGUF_PRE_TOKENIZER_NAMES,
  ggufPreTokenizer,
  preTokenizerJson,
} from '../../../../engine/checkpoint/gguf-pre-tokenizers';

const run = (pre: unknown, text: string): string[] =>
  new SequencePreTokenizer({ pretokenizers: [pre] } as never).pre_tokenize(text);
const pieces = (name: string, text: string) => run(preTokenizerJson(ggufPreTokenizer(name)!), text);
/** the pieces as byte-level text (a space is Ġ), as the pre-tokenizer hands them to BPE */
const byteLevel = (...texts: string[]) =>
  texts.map((t) => run({ type: 'ByteLevel', add_prefix_space: false, use_regex: false }, t)[0]);

describe('GGUF pre-tokenizers (tokenizer.ggml.pre)', () => {
  it('every name the engine knows compiles and splits without losing text', () => {
    const text = "x = 12345 IT'S it's 快速排序 ΑΒΓ\r\n  foo(!) 🚀";
    for (const name of GGUF_PRE_TOKENIZER_NAMES) assert.equal(pieces(name, text).join(''), byteLevel(text)[0], name);
  });

  it('digits: DeepSeek-V3 and Llama 3 in threes, DeepSeek LLM in runs, Qwen2, DeepSeek Coder and StarCoder one by one', () => {
    assert.deepEqual(pieces('deepseek-v3', '12345'), ['123', '45']);
    assert.deepEqual(pieces('llama-bpe', '12345'), ['123', '45']);
    assert.deepEqual(pieces('deepseek-llm', '12345'), ['12345']);
    for (const name of ['qwen2', 'deepseek-coder', 'starcoder'])
      assert.deepEqual(pieces(name, '12345'), ['1', '2', '3', '4', '5'], name);
    assert.deepEqual(pieces('gpt-2', 'x 12345'), byteLevel('x', ' 12345'));
  });

  it("contractions: Llama 3, Qwen2 and DeepSeek-V3 keep 's with either case; GPT-2 only lower case", () => {
    for (const name of ['llama-bpe', 'qwen2', 'deepseek-v3'])
      assert.deepEqual(pieces(name, "IT'S"), byteLevel('IT', "'S"), name);
    assert.deepEqual(pieces('gpt-2', "IT'S it's"), byteLevel('IT', "'", 'S', ' it', "'s"));
  });

  it('CJK runs stand apart from the space before them in the DeepSeek families, not in Qwen2', () => {
    for (const name of ['deepseek-v3', 'deepseek-llm', 'deepseek-coder'])
      assert.deepEqual(pieces(name, 'a 快速排序'), byteLevel('a', ' ', '快速排序'), name);
    assert.deepEqual(pieces('qwen2', 'a 快速排序'), byteLevel('a', ' 快速排序'));
  });

  it("DeepSeek LLM's letters keep a space before them; line breaks stand alone", () => {
    assert.deepEqual(pieces('deepseek-llm', 'a ΑΒΓ жзи'), byteLevel('a', ' ΑΒΓ', ' жзи'));
    assert.deepEqual(pieces('deepseek-llm', 'a\r\nb'), byteLevel('a', '\r', '\n', 'b'));
    assert.deepEqual(pieces('deepseek-v3', 'a\r\nb'), byteLevel('a', '\r\n', 'b'));
    // the class holds the compatibility characters Unicode normalization would replace (Kelvin sign, Ohm sign,
    // Greek prosgegrammeni), not what they normalize to: the source is escaped so no editor can fold them
    const letters = ggufPreTokenizer('deepseek-llm')!.splits[1];
    for (const c of ['\u212a', '\u2126', '\u1fbe', '\u1f7d']) assert.ok(letters.includes(c), c);
  });

  it('an unknown name has no pre-tokenizer (the loader names it in its error)', () => {
    assert.equal(ggufPreTokenizer('tekken'), undefined);
    assert.equal(ggufPreTokenizer('constructor'), undefined);
  });
});
