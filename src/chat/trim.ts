// Chat history trimmed to the model's context, oldest turns first. Without it a conversation that outgrew the
// context failed on every message until New Chat. Tokens are estimated on the safe side (a token per 3 UTF-8 bytes:
// English and code run nearer 4 bytes a token, CJK about 3), and the reply's own budget is kept free; the engine's
// exact check stays behind this as the last word.
import type { ChatMessage } from '../../engine/protocol';

export const estimateTokens = (text: string): number => Math.ceil(Buffer.byteLength(text, 'utf8') / 3) + 4; // + per-message framing

/**
 * Drops the oldest non-system messages until the rest fits `contextLength - replyTokens`; the system prompt and the
 * last message (the question) are always kept. `dropped` counts the messages left out.
 */
export function trimToContext(
  messages: ChatMessage[],
  contextLength: number | undefined,
  replyTokens: number,
): { messages: ChatMessage[]; dropped: number } {
  if (contextLength === undefined) return { messages, dropped: 0 };
  // a reply budget larger than half the context would leave no room for the question: the engine shortens it anyway
  const budget = contextLength - Math.min(replyTokens, Math.floor(contextLength / 2));
  const system = messages[0]?.role === 'system' ? [messages[0]] : [];
  const rest = messages.slice(system.length);
  let total = [...system, ...rest].reduce((n, m) => n + estimateTokens(m.content), 0);
  let start = 0;
  while (total > budget && start < rest.length - 1) {
    total -= estimateTokens(rest[start]!.content);
    start++;
  }
  // a reply kept without its question would confuse the model: start on a user message
  while (start < rest.length - 1 && rest[start]!.role !== 'user') start++;
  return { messages: [...system, ...rest.slice(start)], dropped: start };
}
