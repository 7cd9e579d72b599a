import * as assert from 'node:assert/strict';
import { parseChatRequest, parseCompletionRequest } from '../../../../../engine/openai/server/parse-request';

describe('OpenAI request bodies', () => {
  it('reads chat messages with text parts and the developer role, and OpenAI defaults', () => {
    const r = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'assistant', content: null },
      ],
      max_completion_tokens: 9,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.deepEqual(r.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'ab' },
      { role: 'assistant', content: '' },
    ]);
    assert.equal(r.sampling.maxTokens, 9);
    assert.equal(r.sampling.temperature, 1);
    assert.deepEqual(r.sampling.stop, ['END']);
    assert.equal(r.stream && r.includeUsage, true);
    assert.equal(parseCompletionRequest({ model: 'm', prompt: ['x'] }).sampling.maxTokens, 16);
  });

  it('refuses what it cannot honour, naming the field', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ messages: [{ role: 'user', content: 'x' }] }, /'model' is required/],
      [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, /role "tool" is not supported/],
      [
        { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
        /only text content parts/,
      ],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], top_p: 2 }, /'top_p' must be a number in \[0, 1\]/],
      [
        { model: 'm', messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b', 'c', 'd', 'e'] },
        /at most 4 strings/,
      ],
      [
        { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function' }] },
        /function calling\) is not supported/,
      ],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1.5 }, /'max_tokens' must be an integer/],
    ];
    for (const [body, message] of cases) assert.throws(() => parseChatRequest(body), message);
    assert.throws(() => parseCompletionRequest({ model: 'm', prompt: [1, 2, 3] }), /token ids are not supported/);
    assert.throws(() => parseCompletionRequest({ model: 'm', prompt: 'x', echo: true }), /'echo' is not supported/);
  });
});
