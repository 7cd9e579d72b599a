// A fixture checkpoint that reads text: v3-tiny's config and weights plus a byte-level tokenizer.json (the 256 byte
// symbols of GPT-2's byte-to-unicode table, no merges), so the text commands run on a real model in milliseconds.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../fixture-models';

function byteSymbols(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const symbols = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    symbols[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return symbols;
}

export function textFixtureModel(name: 'v3-tiny' | 'v2lite-tiny' = 'v3-tiny'): string {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${name}-text-`));
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(FIXTURES, name, f), join(dir, f));
  const vocab: Record<string, number> = {};
  byteSymbols().forEach((s, i) => (vocab[s] = i));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  return dir;
}
