// A folder's tokenizer.json (+ tokenizer_config.json) as GGUF tokenizer metadata, the way llama.cpp's
// convert_hf_to_gguf.py writes a byte-level BPE vocabulary: one token per id up to the model's vocab_size (ids the
// tokenizer lacks become unused `[PADn]` tokens), added tokens as control (special) or user-defined tokens in their
// plain text, merges as "a b", the special tokens' ids, add_bos_token and the chat template. The pre-tokenizer's
// name is found the way the converter finds it, by how the tokenizer splits a probe text; the converter hashes the
// ids, this compares the pieces with each pre-tokenizer the engine knows.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SequencePreTokenizer } from '@huggingface/tokenizers';
import {
  GGUF_PRE_TOKENIZER_NAMES,
  ggufPreTokenizer,
  preTokenizerJson,
} from '../../engine/checkpoint/gguf-pre-tokenizers';
import { GgufTokenType } from '../../engine/checkpoint/gguf-tokenizer';
import { readJsonFile } from '../../engine/checkpoint/json-file';
import { readTokenizerConfig } from '../../engine/checkpoint/tokenizer-config';
import type { MetaValue } from './writer';

interface TokenizerJson {
  model: { type?: string; vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens?: { id: number; content: string; special?: boolean }[];
  pre_tokenizer: unknown;
}

/** Code, math, CJK, emoji, contractions, digit runs and whitespace: where the pre-tokenizers disagree. */
const PROBE =
  "def f(x):\n\treturn x**2  # it's 12345 (don't)\r\n\n   \\frac{a}{b} ≤ 3.14159 — 快速排序、ひらがなカタカナ 한국어 🚀👨‍👩‍👧 ÀÉÎ ΑΒΓ ЖЗИ  \n";

/** The `tokenizer.ggml.pre` name whose splits are the tokenizer's own. */
export function detectPreTokenizer(json: TokenizerJson): string {
  // a sequence of one runs any pre-tokenizer the library knows
  const pieces = new SequencePreTokenizer({ pretokenizers: [json.pre_tokenizer] } as never).pre_tokenize(PROBE);
  for (const name of GGUF_PRE_TOKENIZER_NAMES) {
    const pre = ggufPreTokenizer(name);
    if (!pre) continue;
    const candidate = new SequencePreTokenizer(preTokenizerJson(pre) as never).pre_tokenize(PROBE);
    if (JSON.stringify(candidate) === JSON.stringify(pieces)) return name;
  }
  throw new Error(
    `no pre-tokenizer the engine knows (${GGUF_PRE_TOKENIZER_NAMES.join(', ')}) splits text as this tokenizer.json does`,
  );
}

/** llama.cpp's converter also treats added tokens spelled like control tokens as control tokens. */
function looksSpecial(text: string): boolean {
  return /^<[|｜].*[|｜]>$/su.test(text) || /^<(s|\/s|unk|pad|mask)>$/.test(text);
}

/** The GGUF tokenizer metadata of `dir`'s tokenizer, sized to `vocabSize`; undefined when it has no tokenizer.json. */
export function tokenizerMetadata(dir: string, vocabSize: number): Record<string, MetaValue> | undefined {
  const path = join(dir, 'tokenizer.json');
  if (!existsSync(path)) return undefined;
  const json = readJsonFile(path) as unknown as TokenizerJson;
  if (json.model.type !== undefined && json.model.type !== 'BPE')
    throw new Error(`${path}: a ${json.model.type} tokenizer, not byte-level BPE`);
  const text: (string | undefined)[] = new Array(vocabSize);
  const types: number[] = new Array(vocabSize).fill(GgufTokenType.unused);
  for (const [piece, id] of Object.entries(json.model.vocab)) {
    if (id >= vocabSize) throw new Error(`${path}: token id ${id} is not below vocab_size ${vocabSize}`);
    text[id] = piece;
    types[id] = GgufTokenType.normal;
  }
  for (const t of json.added_tokens ?? []) {
    if (t.id >= vocabSize) throw new Error(`${path}: added token id ${t.id} is not below vocab_size ${vocabSize}`);
    text[t.id] = t.content;
    types[t.id] = t.special || looksSpecial(t.content) ? GgufTokenType.control : GgufTokenType.userDefined;
  }
  const tokens = Array.from(text, (t, id) => t ?? `[PAD${id}]`);
  const idOf = new Map<string, number>();
  tokens.forEach((t, id) => types[id] !== GgufTokenType.unused && !idOf.has(t) && idOf.set(t, id));

  const config = readTokenizerConfig(dir);
  const m: Record<string, MetaValue> = {
    'tokenizer.ggml.model': { str: 'gpt2' },
    'tokenizer.ggml.pre': { str: detectPreTokenizer(json) },
    'tokenizer.ggml.tokens': { strs: tokens },
    'tokenizer.ggml.token_type': { i32s: types },
    'tokenizer.ggml.merges': { strs: json.model.merges.map((x) => (Array.isArray(x) ? x.join(' ') : x)) },
  };
  // the special tokens by their text in tokenizer_config.json, else by id in config.json (as the converter reads them)
  const modelConfig = readJsonFile(join(dir, 'config.json')) ?? {};
  const special = (key: string, token: unknown) => {
    const text = typeof token === 'string' ? token : (token as { content?: unknown } | null | undefined)?.content;
    const fallback = modelConfig[`${key}_token_id`];
    const id = typeof text === 'string' ? idOf.get(text) : typeof fallback === 'number' ? fallback : undefined;
    if (id !== undefined) m[`tokenizer.ggml.${key === 'pad' ? 'padding' : key}_token_id`] = { u32: id };
  };
  special('bos', config.json.bos_token);
  special('eos', config.json.eos_token);
  special('pad', config.json.pad_token);
  const addBos = config.json.add_bos_token;
  if (typeof addBos === 'boolean') m['tokenizer.ggml.add_bos_token'] = { bool: addBos };
  if (config.chatTemplate) m['tokenizer.chat_template'] = { str: config.chatTemplate };
  return m;
}
