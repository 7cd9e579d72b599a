import * as assert from 'node:assert/strict';
import { attachmentBlock, SYSTEM_PROMPT, toEngineMessages } from '../../../../src/chat/prompt';

describe('chat/prompt', () => {
  it('starts with the system prompt and leaves out failed or empty replies', () => {
    const msgs = toEngineMessages([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', error: 'engine crashed' },
      { role: 'user', content: 'again' },
    ]);
    assert.deepEqual(
      msgs.map((m) => [m.role, m.content]),
      [
        ['system', SYSTEM_PROMPT],
        ['user', 'hi'],
        ['user', 'again'],
      ],
    );
  });

  it('fences an attachment with more backticks than it contains', () => {
    const block = attachmentBlock({ fileName: 'a.md', languageId: 'markdown', text: '```js\nx\n```', line: 3 });
    assert.ok(block.startsWith('From a.md, line 3:\n````markdown\n'));
    assert.ok(block.endsWith('\n````'));
  });
});
