// The default model's tokenizer.json, loaded by @huggingface/tokenizers in Node, gives exactly the ids of the Python
// BPE that produced the training data, and decodes every corpus excerpt back to the same string. The excerpts come
// from every domain and split of the corpus plus hard cases (CRLF, NBSP, BOM, emoji, CJK, special tokens).
import * as assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { DEFAULT_MODEL, TRAIN_FIXTURES } from '../../../helpers/default-model';

interface Sample {
  source: string;
  split: string;
  text: string;
  ids: number[];
}

describe('default tokenizer: Node and the Python trainer agree', () => {
  const json = JSON.parse(readFileSync(join(DEFAULT_MODEL, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const config = JSON.parse(readFileSync(join(DEFAULT_MODEL, 'tokenizer_config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const tok = new Tokenizer(json, config);
  const samples = JSON.parse(readFileSync(join(TRAIN_FIXTURES, 'tokenizer-samples.json'), 'utf8')) as Sample[];

  it('covers code, math, prose and hard cases from every split', () => {
    const kinds = new Set(samples.map((s) => s.source.split(':')[0]));
    assert.ok(samples.length > 60, `${samples.length} samples`);
    for (const split of ['train', 'val', 'test'])
      assert.ok(
        samples.some((s) => s.split === split),
        split,
      );
    assert.ok(kinds.has('generated-math') && kinds.has('python-stdlib') && kinds.has('hard-case'));
  });

  it('encodes every sample to the Python ids', () => {
    const bad = samples.filter(
      (s) => s.text.length > 0 && JSON.stringify(tok.encode(s.text).ids) !== JSON.stringify(s.ids),
    );
    assert.deepEqual(
      bad.map((s) => s.source),
      [],
    );
  });

  it('decodes every sample back to its exact text', () => {
    for (const s of samples) {
      if (s.text.length === 0) continue; // decode([]) throws in this library; an empty text has no ids anyway
      assert.equal(tok.decode(tok.encode(s.text).ids, { skip_special_tokens: false }), s.text, s.source);
    }
  });

  it('has the fixed special tokens, single digits and the FIM/chat configuration', () => {
    const want = [
      '<|endoftext|>',
      '<|fim_prefix|>',
      '<|fim_middle|>',
      '<|fim_suffix|>',
      '<|file_sep|>',
      '<|im_start|>',
      '<|im_end|>',
    ];
    want.forEach((t, i) => assert.equal(tok.token_to_id(t), i, t));
    assert.deepEqual(
      tok
        .encode('x = 2024')
        .ids.slice(-4)
        .map((id) => tok.decode([id])),
      ['2', '0', '2', '4'].map((d, i) => (i === 0 ? ' ' + d : d)),
    );
    assert.equal(config.clean_up_tokenization_spaces, false);
    assert.equal(config.fim_prefix_token, '<|fim_prefix|>');
    assert.match(String(config.chat_template), /<\|im_start\|>/);
  });
});

// The whole corpus is not in the repository (it is rebuilt by engine/train/corpus.py); where it exists, point
// SWITCHYARD_CORPUS at its folder to round-trip every file of every split (about 130 MB: minutes, not for CI).
const corpusDir = process.env.SWITCHYARD_CORPUS;
(corpusDir ? describe : describe.skip)('default tokenizer: every corpus file round-trips (SWITCHYARD_CORPUS)', () => {
  it('decode(encode(file)) is exact for every file of train, val and test', async function () {
    this.timeout(3_600_000);
    const json = JSON.parse(readFileSync(join(DEFAULT_MODEL, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    const config = JSON.parse(readFileSync(join(DEFAULT_MODEL, 'tokenizer_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const tok = new Tokenizer(json, config); // with its config: clean_up_tokenization_spaces false
    let files = 0;
    const bad: string[] = [];
    for (const split of ['train', 'val', 'test']) {
      const lines = createInterface({ input: createReadStream(join(corpusDir as string, `${split}.jsonl`)) });
      for await (const line of lines) {
        const d = JSON.parse(line) as { id: string; text: string };
        files++;
        if (tok.decode(tok.encode(d.text).ids, { skip_special_tokens: false }) !== d.text) bad.push(d.id);
      }
    }
    assert.deepEqual(bad, []);
    assert.ok(files > 1000, `${files} files`);
  });
});
