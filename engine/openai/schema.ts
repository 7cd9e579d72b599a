// The OpenAI wire format as both sides of engine/openai/ meet it: the client (client/, reading vLLM, SGLang, the
// DeepSeek API, llama.cpp or Ollama) and our own server (server/, writing it for `serve`). One declaration of each
// object, so what the server writes and what the client reads cannot drift apart. Fields other servers may leave out
// are optional.
import type { StopReason } from '../protocol';

/** `finish_reason`: "stop" covers both the end-of-text token and a stop string; "length" a token or time limit. */
export type FinishReason = 'stop' | 'length';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** An error body: `{"error": {...}}` (servers that are not OpenAI's fill in only some of it). */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** GET /models. */
export interface ModelList {
  object: 'list';
  data: ModelObject[];
}

/** One choice of a streamed chunk: `text` on /completions, `delta` on /chat/completions. */
export interface StreamChoice {
  index: number;
  text?: string;
  /** `reasoning_content`: DeepSeek's reasoning models stream their thinking apart from the answer */
  delta?: { role?: 'assistant'; content?: string | null; reasoning_content?: string | null };
  logprobs?: null;
  /** a FinishReason from us; other servers send more ("tool_calls", "content_filter") */
  finish_reason: string | null;
}

/** One Server-Sent Event's `data:` of a streamed completion (`text_completion` or `chat.completion.chunk`); a
 * non-streamed /completions answer is one `text_completion` of the same shape. */
export interface StreamChunk {
  id: string;
  object: 'text_completion' | 'chat.completion.chunk';
  created: number;
  model: string;
  choices: StreamChoice[];
  /** on the last chunk (`text_completion`), or a chunk of its own when `stream_options.include_usage` is set */
  usage?: Usage | null;
}

/** Our stop reasons on the wire: a limit (tokens or time) is "length", anything else "stop". */
export function finishReason(reason: StopReason): FinishReason {
  return reason === 'length' || reason === 'time' ? 'length' : 'stop';
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
