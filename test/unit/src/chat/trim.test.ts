import * as assert from 'node:assert/strict';
import type { ChatMessage } from '../../../../engine/protocol';
import { estimateTokens, trimToContext } from '../../../../src/chat/trim';

const long = (n: number) => 'x'.repeat(n);

describe('chat history trimmed to the context', () => {
  const conversation: ChatMessage[] = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: long(3000) },
    { role: 'assistant', content: long(3000) },
    { role: 'user', content: long(300) },
    { role: 'assistant', content: long(300) },
    { role: 'user', content: 'the question' },
  ];

  it('drops the oldest turns first, keeping the system prompt and the question, starting on a user message', () => {
    const { messages, dropped } = trimToContext(conversation, 1024, 512);
    assert.equal(dropped, 2);
    assert.deepEqual(
      messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'user'],
    );
    assert.equal(messages[messages.length - 1]!.content, 'the question');
    assert.ok(messages.reduce((n, m) => n + estimateTokens(m.content), 0) <= 1024 - 512);
  });

  it('leaves a conversation that fits, and any when the context is unknown (remote backends)', () => {
    assert.equal(trimToContext(conversation, 100_000, 1024).dropped, 0);
    assert.equal(trimToContext(conversation, undefined, 1024).messages, conversation);
  });

  it('keeps the question even when it alone is too long (the engine then says so), and a reply budget larger than the context', () => {
    const { messages } = trimToContext(
      [
        { role: 'system', content: 's' },
        { role: 'user', content: long(9000) },
      ],
      256,
      4096,
    );
    assert.deepEqual(
      messages.map((m) => m.role),
      ['system', 'user'],
    );
    assert.equal(trimToContext(conversation, 4096, 32_768).dropped, 2);
  });

  it('estimates on the safe side for multi-byte text (3 UTF-8 bytes a token)', () => {
    assert.ok(estimateTokens('数学'.repeat(100)) >= 200);
  });
});
