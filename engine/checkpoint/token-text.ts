// Tokenize and detokenize as llama.cpp's server and the CLI commands offer them: text to ids (special-token text read
// as those tokens; `special` also adds BOS), ids back to text, ids outside the vocabulary named.
import type { Tokenizer } from '../runtime/api';

/** Ids outside the tokenizer's vocabulary (empty when all decode). */
export function unknownTokenIds(tokenizer: Tokenizer, ids: readonly number[]): number[] {
  return ids.filter((id) => !Number.isSafeInteger(id) || id < 0 || id >= tokenizer.vocabSize);
}

export function tokenize(
  tokenizer: Tokenizer,
  text: string,
  opts: { special?: boolean; pieces?: boolean } = {},
): number[] | { id: number; piece: string }[] {
  const ids = tokenizer.encode(text, { addSpecialTokens: opts.special === true });
  return opts.pieces ? ids.map((id) => ({ id, piece: tokenizer.decode([id]) })) : ids;
}
