// The made-up tokenizer the engine tests (and the extension-host suite and benches) put on the fixture checkpoints,
// which ship none: byte-level BPE over the 256 bytes, optional merges, filler pieces up to the checkpoint's
// vocab_size so every id the model can emit decodes, and the special tokens of one FIM family at the top of the
// vocabulary. Tests that use it say "made-up tokenizer" in their names: the text it produces is noise from random
// weights.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteLevelBpeJson } from '../../engine/checkpoint/gguf-tokenizer';
import { FIXTURES, type FixtureName, tempDir } from './fixture-models';

export const FAMILY_TOKENS = {
  qwen: [
    '<|endoftext|>',
    '<|im_start|>',
    '<|im_end|>',
    '<|fim_prefix|>',
    '<|fim_middle|>',
    '<|fim_suffix|>',
    '<|fim_pad|>',
    '<|file_sep|>',
    '<|repo_name|>',
  ],
  deepseek: ['<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
  none: ['<|endoftext|>'],
} as const;
export type FimFamily = keyof typeof FAMILY_TOKENS;

/** A few merges that make code words single tokens (`def`, `return`, ` x`), for tests that count merged tokens. */
export const CODE_MERGES: readonly (readonly [string, string])[] = [
  ['d', 'e'],
  ['de', 'f'],
  ['Ġ', 'x'],
  ['r', 'e'],
  ['re', 't'],
  ['ret', 'u'],
  ['retu', 'r'],
  ['retur', 'n'],
];

/** The ChatML template of the Qwen family, for tests that need a tokenizer with its own chat template. */
export const CHATML_TEMPLATE =
  '{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}';

export interface MadeUpTokenizerOptions {
  /** whose special tokens (and so which FIM format) the tokenizer has; default qwen */
  family?: FimFamily;
  /** BPE merges (in byte-level spelling, `Ġ` for a space); default none, so encode yields one token per byte */
  merges?: readonly (readonly [string, string])[];
  /** tokenizer_config.json's chat_template; default none (the engine then falls back to its own ChatML prompt) */
  chatTemplate?: string;
}

/** GPT-2's byte -> printable character map (what the ByteLevel pre-tokenizer and decoder use). */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++)
    map[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  return map;
}

/** Two-letter pieces aa, ba, ..., za, ab, ...: decodable, and never produced by encode unless a merge spells one. */
function* fillerPieces(): Generator<string> {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; ; i++) yield letters[i % 26] + letters[Math.floor(i / 26) % 26];
}

/** Writes tokenizer.json and tokenizer_config.json into a checkpoint folder, sized to its config.json vocab_size. */
export function writeMadeUpTokenizer(dir: string, opts: MadeUpTokenizerOptions = {}): void {
  const vocabSize = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;
  const specials = FAMILY_TOKENS[opts.family ?? 'qwen'];
  const merges = opts.merges ?? [];

  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((ch, b) => (vocab[ch] = b));
  let next = 256;
  for (const [a, b] of merges) vocab[a + b] = next++;
  const firstSpecial = vocabSize - specials.length;
  if (next > firstSpecial)
    throw new Error(
      `made-up tokenizer: ${next} byte and merged tokens + ${specials.length} special tokens exceed vocab_size ${vocabSize}`,
    );
  const filler = fillerPieces();
  while (next < firstSpecial) {
    const piece = filler.next().value as string;
    if (!(piece in vocab)) vocab[piece] = next++; // a merge may already spell it ("de", "re")
  }
  const added = specials.map((content, i) => ({
    id: firstSpecial + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  for (const a of added) vocab[a.content] = a.id;

  const tokenizer = byteLevelBpeJson({
    vocab,
    merges: merges.map(([a, b]) => `${a} ${b}`),
    added,
    normalizer: null,
    // GPT-2's split, inside the byte-level step
    preTokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    postProcessor: null,
    ignoreMerges: false,
  });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const config: Record<string, unknown> = { eos_token: specials.find((s) => /end/.test(s)) ?? specials[0] };
  if (opts.chatTemplate) config.chat_template = opts.chatTemplate;
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
}

export interface MadeUpModelOptions extends MadeUpTokenizerOptions {
  /** default v3-tiny */
  fixture?: FixtureName;
}

/** A temp copy of a fixture checkpoint with the made-up tokenizer (removed when the process exits); returns the folder. */
export function fixtureWithMadeUpTokenizer(opts: MadeUpModelOptions = {}): string {
  const fixture = opts.fixture ?? 'v3-tiny';
  const dir = tempDir(fixture);
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(FIXTURES, fixture, f), join(dir, f));
  writeMadeUpTokenizer(dir, opts);
  return dir;
}
