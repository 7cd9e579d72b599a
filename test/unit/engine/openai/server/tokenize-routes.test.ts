// /tokenize and /detokenize on the local server, as llama.cpp's server has them: the ids are the model's own tokenizer's
// (checked against CheckpointTokenizer loaded directly from the same folder), the text comes back, bad ids are a 400.
// Real server on 127.0.0.1 serving the fixture with a made-up tokenizer.
import * as assert from 'node:assert/strict';
import { readConfig } from '../../../../../engine/checkpoint/config';
import { CheckpointTokenizer } from '../../../../../engine/checkpoint/tokenizer';
import { startLocalServer, type LocalServer } from '../../../../helpers/local-server';

describe('local server /tokenize and /detokenize (made-up tokenizer)', function () {
  this.timeout(60_000);
  let server: LocalServer;
  before(async () => {
    server = await startLocalServer({ model: { family: 'deepseek' } });
  });
  after(async () => server.close());

  const post = async (path: string, body: unknown) => {
    const res = await fetch(server.url.replace(/\/v1$/, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('gives the tokenizer ids for a text and the text for the ids', async () => {
    const dir = server.service.model!.path;
    const direct = CheckpointTokenizer.load(dir, readConfig(dir))!;
    const text = 'def x(): return 1';
    const t = await post('/tokenize', { content: text });
    assert.equal(t.status, 200);
    assert.deepEqual(t.body.tokens, direct.encode(text));
    const pieces = await post('/tokenize', { content: text, with_pieces: true });
    assert.deepEqual(
      (pieces.body.tokens as { id: number }[]).map((p) => p.id),
      direct.encode(text),
    );
    const d = await post('/detokenize', { tokens: t.body.tokens });
    assert.deepEqual(d, { status: 200, body: { content: text } });
  });

  it('bad input is a 400 naming it', async () => {
    assert.equal((await post('/tokenize', { content: 5 })).status, 400);
    const outside = await post('/detokenize', { tokens: [1, 10_000_000] });
    assert.equal(outside.status, 400);
    assert.match(JSON.stringify(outside.body), /outside the vocabulary/);
    assert.equal((await post('/detokenize', { tokens: ['a'] })).status, 400);
  });
});
