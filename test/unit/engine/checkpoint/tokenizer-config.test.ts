// tokenizer_config.json is read in one place; the tokenizer, the chat formatter and perplexity's window all see the
// same special tokens, template and length. The context length is config.json's, parsed once with one default.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../../engine/checkpoint/config';
import { readTokenizerConfig } from '../../../../engine/checkpoint/tokenizer-config';
import { defaultContext } from '../../../../engine/cli/perplexity';
import { validateModelDir } from '../../../../engine/runtime/load-model';
import { FIXTURES } from '../../../helpers/fixture-models';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-tokconfig-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('tokenizer_config.json and the context length', () => {
  it('reads special tokens as strings or AddedToken objects, and a listed chat template', () => {
    const c = readTokenizerConfig(
      folder({
        'tokenizer_config.json': JSON.stringify({
          bos_token: { content: '<s>' },
          eos_token: '</s>',
          chat_template: [
            { name: 'tool', template: 'T' },
            { name: 'default', template: 'D' },
          ],
        }),
      }),
    );
    assert.equal(c.bosToken, '<s>');
    assert.equal(c.eosToken, '</s>');
    assert.equal(c.chatTemplate, 'D');
  });

  it("perplexity's default window is model_max_length capped at 1024, else 256", () => {
    assert.equal(defaultContext(folder({ 'tokenizer_config.json': JSON.stringify({ model_max_length: 512 }) })), 512);
    assert.equal(defaultContext(folder({ 'tokenizer_config.json': JSON.stringify({ model_max_length: 1e30 }) })), 1024);
    assert.equal(
      defaultContext(folder({ 'tokenizer_config.json': JSON.stringify({ model_max_length: 'long' }) })),
      256,
    );
    assert.equal(defaultContext(folder({})), 256);
  });

  it("the context length is config.json's max_position_embeddings, in ModelInfo, 4096 when the file does not say", () => {
    const config = JSON.parse(readFileSync(join(FIXTURES, 'v3-tiny', 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(validateModelDir(join(FIXTURES, 'v3-tiny')).info.contextLength, config.max_position_embeddings);
    const without = { ...config };
    delete without.max_position_embeddings;
    assert.equal(parseConfig(without).max_position_embeddings, 4096);
    const dir = folder({ 'config.json': JSON.stringify(without) });
    copyFileSync(join(FIXTURES, 'v3-tiny', 'model.safetensors'), join(dir, 'model.safetensors'));
    assert.equal(validateModelDir(dir).info.contextLength, 4096);
  });
});
