// A GGUF file's tokenizer (the `tokenizer.ggml.*` metadata and `tokenizer.chat_template`) as the tokenizer.json and
// tokenizer_config.json a Hugging Face folder would carry, so both formats are tokenized by one library object
// (tokenizer.ts). Only byte-level BPE (`tokenizer.ggml.model` gpt2: DeepSeek, Qwen, Llama 3) is read; SentencePiece
// (llama), WordPiece (bert), Unigram (t5), RWKV and PLaMo-2 vocabularies are refused by name.
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import type { GgufValue } from './gguf';
import { GGUF_PRE_TOKENIZER_NAMES, ggufPreTokenizer, preTokenizerJson } from './gguf-pre-tokenizers';
import type { TokenizerConfig } from './tokenizer-config';

/** llama.cpp's llama_token_type, as tokenizer.ggml.token_type stores it. */
export const GgufTokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface GgufTokenizerFiles {
  /** tokenizer.json's content */
  json: Record<string, unknown>;
  config: TokenizerConfig;
  /** end-of-generation ids besides EOS (end of turn, end of message) */
  endIds: number[];
}

/**
 * Whether the engine reads the file's tokenizer. A file with another kind of vocabulary (or none: the benchmark writes
 * a placeholder SentencePiece one) still runs on token ids; asking for its tokenizer says why there is none.
 */
export function readsGgufTokenizer(metadata: Record<string, GgufValue>): boolean {
  return metadata['tokenizer.ggml.tokens'] !== undefined && metadata['tokenizer.ggml.model'] === 'gpt2';
}

/** The tokenizer.json and tokenizer_config.json the metadata stands for; an error names the key it cannot read. */
export function ggufTokenizerFiles(file: string, metadata: Record<string, GgufValue>): GgufTokenizerFiles {
  const bad = (key: string, why: string) =>
    new EngineError(`${file}: metadata '${key}' ${why}`, EngineErrorCodes.BadCheckpoint);
  const model = metadata['tokenizer.ggml.model'];
  if (model !== 'gpt2') {
    throw bad(
      'tokenizer.ggml.model',
      `is ${JSON.stringify(model)}: only byte-level BPE ('gpt2') is supported, not SentencePiece ('llama'), WordPiece ('bert'), Unigram ('t5') or others`,
    );
  }
  const preName = metadata['tokenizer.ggml.pre'] ?? 'default';
  const pre = typeof preName === 'string' ? ggufPreTokenizer(preName) : undefined;
  if (!pre) {
    throw bad(
      'tokenizer.ggml.pre',
      `is ${JSON.stringify(preName)}, a pre-tokenizer the engine does not know (it knows ${GGUF_PRE_TOKENIZER_NAMES.join(', ')})`,
    );
  }
  const tokens = stringList(metadata, 'tokenizer.ggml.tokens', bad);
  const types = metadata['tokenizer.ggml.token_type'];
  if (types !== undefined && (!Array.isArray(types) || types.length !== tokens.length))
    throw bad('tokenizer.ggml.token_type', `is not a list of ${tokens.length} token types, one per token`);
  const merges =
    metadata['tokenizer.ggml.merges'] === undefined ? [] : stringList(metadata, 'tokenizer.ggml.merges', bad);
  const tokenId = (key: string): number | undefined => {
    const v = metadata[key];
    if (v === undefined) return undefined;
    const id = Number(v);
    if (!Number.isInteger(id) || id < 0 || id >= tokens.length)
      throw bad(key, `is ${String(v)}, not one of the ${tokens.length} token ids`);
    return id;
  };

  const vocab: Record<string, number> = {};
  const added: Record<string, unknown>[] = [];
  tokens.forEach((content, id) => {
    const type = types === undefined ? GgufTokenType.normal : Number(types[id]);
    // padding up to the model's vocab_size: not tokens of the tokenizer
    if (type === GgufTokenType.unused) return;
    if (type === GgufTokenType.control || type === GgufTokenType.userDefined) {
      // llama.cpp matches these in the text before pre-tokenizing, written as they are (not byte-level)
      const special = type === GgufTokenType.control;
      added.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
    } else {
      vocab[content] = id;
    }
  });

  const bos = tokenId('tokenizer.ggml.bos_token_id');
  const eos = tokenId('tokenizer.ggml.eos_token_id');
  const bosText = bos === undefined ? undefined : tokens[bos];
  // what add_special_tokens adds: BOS where the file (or llama.cpp's default for the family) says so
  const addBos = (metadata['tokenizer.ggml.add_bos_token'] ?? pre.addBos ?? false) === true;
  const json = byteLevelBpeJson({
    vocab,
    merges,
    added,
    normalizer: pre.normalizer ?? null,
    preTokenizer: preTokenizerJson(pre),
    postProcessor: addBos && bos !== undefined ? bosFirst(tokens[bos], bos) : null,
    ignoreMerges: pre.ignoreMerges ?? false,
  });
  const template = metadata['tokenizer.chat_template'];
  const config: TokenizerConfig = {
    // llama.cpp never rewrites spaces around punctuation when it decodes
    json: { clean_up_tokenization_spaces: false },
    chatTemplate: typeof template === 'string' && template !== '' ? template : undefined,
    bosToken: bosText,
    eosToken: eos === undefined ? undefined : tokens[eos],
  };
  const endIds = ['tokenizer.ggml.eot_token_id', 'tokenizer.ggml.eom_token_id']
    .map(tokenId)
    .filter((id): id is number => id !== undefined);
  return { json, config, endIds };
}

/** A byte-level BPE tokenizer.json (the model, its added tokens, the steps around it, decoded byte-level). */
export function byteLevelBpeJson(parts: {
  vocab: Record<string, number>;
  merges: string[];
  added: Record<string, unknown>[];
  normalizer: unknown;
  preTokenizer: unknown;
  postProcessor: unknown;
  ignoreMerges: boolean;
}): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: parts.added,
    normalizer: parts.normalizer,
    pre_tokenizer: parts.preTokenizer,
    post_processor: parts.postProcessor,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: parts.ignoreMerges,
      vocab: parts.vocab,
      merges: parts.merges,
    },
  };
}

/** tokenizer.json's post-processor that puts BOS before the text. */
function bosFirst(text: string, id: number): Record<string, unknown> {
  const bos = { SpecialToken: { id: text, type_id: 0 } };
  return {
    type: 'TemplateProcessing',
    single: [bos, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [bos, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { [text]: { id: text, ids: [id], tokens: [text] } },
  };
}

function stringList(
  metadata: Record<string, GgufValue>,
  key: string,
  bad: (key: string, why: string) => EngineError,
): string[] {
  const v = metadata[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(key, 'is not a list of strings');
  return v as string[];
}
