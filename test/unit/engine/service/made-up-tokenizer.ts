// A made-up tokenizer for the fixture checkpoints, which ship none: byte-level BPE over the 256 bytes, the special
// tokens of one FIM family, and filler pieces up to the fixture's vocab_size so every id the model can emit decodes.
// Tests that use it say "made-up tokenizer" in their names: the text it produces is noise from random weights.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'deepseek');

/** GPT-2's byte -> printable character map (what the ByteLevel pre-tokenizer and decoder use). */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) map[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  return map;
}

export const FAMILY_TOKENS = {
  qwen: ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>'],
  deepseek: ['<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
  none: ['<|endoftext|>'],
} as const;

export interface MadeUpModelOptions {
  fixture?: 'v2lite-tiny' | 'v3-tiny' | 'v3-tiny-yarn';
  family?: keyof typeof FAMILY_TOKENS;
  chatTemplate?: string;
}

/** A temp copy of a fixture checkpoint with the made-up tokenizer; returns the folder. */
export function fixtureWithMadeUpTokenizer(opts: MadeUpModelOptions = {}): string {
  const fixture = opts.fixture ?? 'v3-tiny';
  const family = opts.family ?? 'qwen';
  const src = join(FIXTURES, fixture);
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${fixture}-`));
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(src, f), join(dir, f));
  const vocabSize = (JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;

  const byteChars = bytesToUnicode();
  const vocab: Record<string, number> = {};
  byteChars.forEach((ch, b) => (vocab[ch] = b));
  const specials = FAMILY_TOKENS[family];
  const firstSpecial = vocabSize - specials.length;
  // filler: two-letter pieces (decodable, never produced by encode since there are no merges)
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let id = 256, i = 0; id < firstSpecial; id++, i++) vocab[letters[i % 26] + letters[Math.floor(i / 26) % 26]] = id;
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
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const config: Record<string, unknown> = { eos_token: specials.find((s) => /end/.test(s)) ?? specials[0] };
  if (opts.chatTemplate) config.chat_template = opts.chatTemplate;
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return dir;
}
