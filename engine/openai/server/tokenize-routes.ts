// POST /tokenize and /detokenize, as llama.cpp's server has them: {"content": "..."} -> {"tokens": [...]} (with
// "add_special" and "with_pieces"), {"tokens": [...]} -> {"content": "..."}. They use the served model's tokenizer and
// do not wait in the generation queue; the content is bounded by the body limit.
import { tokenize, unknownTokenIds } from '../../checkpoint/token-text';
import type { EngineService } from '../../service/engine-service';
import { ApiError } from './api-error';

const MAX_TOKENS_IN = 1_000_000;

export function tokenizeRoute(service: EngineService, body: Record<string, unknown>): { tokens: unknown[] } {
  const { content, add_special, with_pieces } = body;
  if (typeof content !== 'string')
    throw new ApiError(400, "'content' must be a string", 'invalid_request_error', 'content');
  for (const [name, v] of [
    ['add_special', add_special],
    ['with_pieces', with_pieces],
  ] as const) {
    if (v !== undefined && typeof v !== 'boolean')
      throw new ApiError(400, `'${name}' must be true or false`, 'invalid_request_error', name);
  }
  return {
    tokens: tokenize(service.tokenizer(), content, { special: add_special === true, pieces: with_pieces === true }),
  };
}

export function detokenizeRoute(service: EngineService, body: Record<string, unknown>): { content: string } {
  const { tokens } = body;
  if (!Array.isArray(tokens) || tokens.length > MAX_TOKENS_IN || !tokens.every((t) => typeof t === 'number')) {
    throw new ApiError(
      400,
      `'tokens' must be a list of at most ${MAX_TOKENS_IN} token ids`,
      'invalid_request_error',
      'tokens',
    );
  }
  const tokenizer = service.tokenizer();
  const unknown = unknownTokenIds(tokenizer, tokens as number[]);
  if (unknown.length) {
    throw new ApiError(
      400,
      `token ids outside the vocabulary of ${tokenizer.vocabSize}: ${unknown.slice(0, 20).join(', ')}`,
      'invalid_request_error',
      'tokens',
    );
  }
  return { content: tokenizer.decode(tokens as number[]) };
}
