// The OpenAI-compatible request bodies the local server accepts, checked field by field so a client gets a 400 that
// names the field instead of a silently different answer.
import type { ChatMessage, SamplingParams } from '../../protocol';
import { ApiError } from './api-error';

const bad = (param: string, message: string) => new ApiError(400, message, 'invalid_request_error', param);

type Body = Record<string, unknown>;

function optionalNumber(body: Body, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw bad(key, `'${key}' must be a number in [${min}, ${max}]`);
  return v;
}

function optionalInteger(body: Body, key: string, min: number): number | undefined {
  const v = optionalNumber(body, key, min, Number.MAX_SAFE_INTEGER);
  if (v !== undefined && !Number.isInteger(v)) throw bad(key, `'${key}' must be an integer`);
  return v;
}

function stopList(body: Body): string[] | undefined {
  const v = body.stop;
  if (v === undefined || v === null) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string') || list.length > 4) {
    throw bad('stop', "'stop' must be a string or a list of at most 4 strings");
  }
  return list as string[];
}

/** Features this server does not have are refused rather than ignored. */
function refuseUnsupported(body: Body): void {
  const n = body.n;
  if (n !== undefined && n !== null && n !== 1) throw bad('n', "only 'n': 1 is supported");
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== 1)
    throw bad('best_of', "only 'best_of': 1 is supported");
  if (body.echo === true) throw bad('echo', "'echo' is not supported");
  if (body.logprobs !== undefined && body.logprobs !== null && body.logprobs !== false)
    throw bad('logprobs', "'logprobs' is not supported");
  if (Array.isArray(body.tools) && body.tools.length > 0)
    throw bad('tools', "'tools' (function calling) is not supported");
}

export interface CommonRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  sampling: SamplingParams;
}

function common(body: Body, defaultMaxTokens: number): CommonRequest {
  if (typeof body.model !== 'string' || body.model === '') throw bad('model', "'model' is required");
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean')
    throw bad('stream', "'stream' must be a boolean");
  refuseUnsupported(body);
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined | null;
  const maxTokens =
    optionalInteger(body, 'max_tokens', 1) ?? optionalInteger(body, 'max_completion_tokens', 1) ?? defaultMaxTokens;
  return {
    model: body.model,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    sampling: {
      maxTokens,
      // OpenAI's defaults: temperature 1, top_p 1
      temperature: optionalNumber(body, 'temperature', 0, 2) ?? 1,
      topP: optionalNumber(body, 'top_p', 0, 1),
      topK: optionalInteger(body, 'top_k', 0),
      seed: optionalInteger(body, 'seed', Number.MIN_SAFE_INTEGER),
      stop: stopList(body),
    },
  };
}

export interface CompletionRequest extends CommonRequest {
  prompt: string;
  suffix?: string;
}

export function parseCompletionRequest(body: Body): CompletionRequest {
  const base = common(body, 16);
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') prompt = prompt[0];
  if (typeof prompt !== 'string')
    throw bad('prompt', "'prompt' must be a string (one prompt per request; token ids are not supported)");
  const suffix = body.suffix;
  if (suffix !== undefined && suffix !== null && typeof suffix !== 'string')
    throw bad('suffix', "'suffix' must be a string");
  return { ...base, prompt, suffix: typeof suffix === 'string' ? suffix : undefined };
}

export interface ChatCompletionRequest extends CommonRequest {
  messages: ChatMessage[];
}

/** Message content is a string or a list of text parts. */
function contentText(content: unknown, at: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: { type?: unknown; text?: unknown }) => {
        if (part?.type !== 'text' || typeof part.text !== 'string') {
          throw bad(`messages[${at}].content`, 'only text content parts are supported');
        }
        return part.text;
      })
      .join('');
  }
  throw bad(`messages[${at}].content`, 'content must be a string or a list of text parts');
}

export function parseChatRequest(body: Body): ChatCompletionRequest {
  const base = common(body, 1024);
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw bad('messages', "'messages' must be a non-empty list");
  const messages = body.messages.map((m: { role?: unknown; content?: unknown }, i: number): ChatMessage => {
    const role = m?.role === 'developer' ? 'system' : m?.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw bad(
        `messages[${i}].role`,
        `role ${JSON.stringify(m?.role)} is not supported (system, developer, user, assistant)`,
      );
    }
    return { role, content: m.content === null && role === 'assistant' ? '' : contentText(m.content, i) };
  });
  return { ...base, messages };
}
