// Turns the conversation on screen into the engine's chat messages.
import type { ChatMessage } from '../../engine/protocol';
import type { Attachment, ChatTurn } from './messages';

export const SYSTEM_PROMPT =
  'You are Switchyard, a concise assistant for programmers and mathematicians, running locally. ' +
  'Answer in Markdown; put code in fenced blocks with a language; write math as $...$ inline and $$...$$ for display.';

/** The fenced block an attachment becomes; the fence is longer than any backtick run inside the text. */
export function attachmentBlock(a: Attachment): string {
  const longest = Math.max(2, ...Array.from(a.text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `From ${a.fileName}, line ${a.line}:\n${fence}${a.languageId}\n${a.text}\n${fence}`;
}

/** Earlier turns that failed or were empty are left out: the model should not imitate broken replies. */
export function toEngineMessages(turns: ChatTurn[], systemPrompt = SYSTEM_PROMPT): ChatMessage[] {
  const out: ChatMessage[] = [{ role: 'system', content: systemPrompt }];
  for (const t of turns) {
    if (t.role === 'assistant' && (t.error || t.content.trim() === '')) continue;
    const content = t.attachment ? `${attachmentBlock(t.attachment)}\n\n${t.content}` : t.content;
    out.push({ role: t.role, content });
  }
  return out;
}
