import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatFormatter } from '../../../../engine/checkpoint/chat-template';
import { readTokenizerConfig } from '../../../../engine/checkpoint/tokenizer-config';

// A template in the shape checkpoints ship (BOS, system first, role-tagged turns, generation prompt), written here.
const TEMPLATE =
  "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}\n\n" +
  "{% elif m['role'] == 'user' %}User: {{ m['content'] }}\n\n{% else %}Assistant: {{ m['content'] }}{{ eos_token }}{% endif %}{% endfor %}" +
  '{% if add_generation_prompt %}Assistant:{% endif %}';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-chat-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('chat prompts', () => {
  const messages = [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'What is 2+2?' },
    { role: 'assistant' as const, content: '4' },
    { role: 'user' as const, content: 'And 3+3?' },
  ];

  it("renders the checkpoint's Jinja chat_template with its BOS / EOS tokens", () => {
    const dir = folder({
      'tokenizer_config.json': JSON.stringify({
        chat_template: TEMPLATE,
        bos_token: { content: '<s>' },
        eos_token: '</s>',
      }),
    });
    const f = new ChatFormatter(readTokenizerConfig(dir));
    assert.ok(f.hasTemplate);
    assert.equal(
      f.format(messages),
      '<s>Be brief.\n\nUser: What is 2+2?\n\nAssistant: 4</s>User: And 3+3?\n\nAssistant:',
    );
  });

  it('finds the template in chat_template.jinja or a named list, and falls back to ChatML without one', () => {
    assert.ok(new ChatFormatter(readTokenizerConfig(folder({ 'chat_template.jinja': TEMPLATE }))).hasTemplate);
    const listed = folder({
      'tokenizer_config.json': JSON.stringify({
        chat_template: [
          { name: 'tool_use', template: 'x' },
          { name: 'default', template: TEMPLATE },
        ],
      }),
    });
    assert.ok(new ChatFormatter(readTokenizerConfig(listed)).format(messages).endsWith('Assistant:'));
    const plain = new ChatFormatter(readTokenizerConfig(folder({})));
    assert.equal(plain.hasTemplate, false);
    assert.equal(
      plain.format(messages.slice(0, 2)),
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it("reports a template's raise_exception and a template that does not parse as errors naming the cause", () => {
    const strict =
      "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with the user') }}{% endif %}ok";
    const f = new ChatFormatter({ chatTemplate: strict });
    assert.throws(
      () => f.format([{ role: 'assistant', content: 'x' }]),
      /chat template cannot format this conversation: Conversation must start with the user/,
    );
    assert.throws(
      () => new ChatFormatter({ chatTemplate: '{% for %}' }),
      /chat_template in tokenizer_config.json does not parse/,
    );
    const bad = folder({ 'tokenizer_config.json': '{ nope' });
    assert.throws(() => readTokenizerConfig(bad), /tokenizer_config\.json: not valid JSON/);
  });
});
