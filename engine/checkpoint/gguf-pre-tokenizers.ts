// The pre-tokenizers a GGUF file names in `tokenizer.ggml.pre`, as llama.cpp's llama-vocab.cpp runs them: a list of
// regular expressions, each splitting every piece the one before it left (a Hugging Face Split with behaviour
// Isolated), then GPT-2's byte-to-character map. Only the families this engine's models ship are here; their
// expressions are the ones in each model's own tokenizer.json, in the spelling llama.cpp uses (case-insensitive groups
// written out, which JavaScript's RegExp also reads).

export interface GgufPreTokenizer {
  /** applied in order, each to every piece the previous one left */
  splits: readonly string[];
  /** a word that is a whole token is not merged (llama-bpe) */
  ignoreMerges?: boolean;
  /** llama.cpp adds BOS for this family when the file does not say (tokenizer.ggml.add_bos_token) */
  addBos?: boolean;
  /** a normalizer the model's own tokenizer.json applies first (llama.cpp applies none; Qwen2's folder says NFC) */
  normalizer?: { type: string };
}

const CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

/** DeepSeek LLM's letters: Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee and the other cased scripts. */
const DEEPSEEK_LLM_LETTERS =
  'A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\u{10400}-\u{1044f}\u{104b0}-\u{104d3}\u{104d8}-\u{104fb}\u{10c80}-\u{10cb2}\u{10cc0}-\u{10cf2}\u{118a0}-\u{118df}\u{1e900}-\u{1e943}';
/** CJK ideographs (with the range up to them) and Hangul, one piece per run. */
const DEEPSEEK_LLM_CJK = '[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+';

const LLAMA3: GgufPreTokenizer = {
  splits: [
    `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  ],
  ignoreMerges: true,
  addBos: true,
};
const QWEN2: GgufPreTokenizer = {
  splits: [
    `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  ],
  normalizer: { type: 'NFC' },
};

const FAMILIES: Record<string, GgufPreTokenizer> = {
  // what llama.cpp assumes for a file without tokenizer.ggml.pre (older converters)
  default: {
    splits: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'],
  },
  'gpt-2': { splits: [GPT2] },
  'llama-bpe': LLAMA3,
  llama3: LLAMA3,
  'llama-v3': LLAMA3,
  'deepseek-llm': {
    splits: [
      '[\r\n]',
      `\\s?[${DEEPSEEK_LLM_LETTERS}]+`,
      '\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+',
      '\\s+$',
      DEEPSEEK_LLM_CJK,
      '\\p{N}+',
    ],
  },
  'deepseek-coder': {
    splits: ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', DEEPSEEK_LLM_CJK, '\\p{N}'],
  },
  'deepseek-v3': {
    splits: [
      '\\p{N}{1,3}',
      '[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+',
      '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+',
    ],
  },
  qwen2: QWEN2,
  // DeepSeek-R1's distillations into Qwen keep Qwen's tokenizer
  'deepseek-r1-qwen': QWEN2,
  starcoder: { splits: ['\\p{N}', GPT2] },
};

export const GGUF_PRE_TOKENIZER_NAMES: readonly string[] = Object.keys(FAMILIES);

/** The pre-tokenizer a `tokenizer.ggml.pre` name stands for; undefined when the engine does not know it. */
export function ggufPreTokenizer(name: string): GgufPreTokenizer | undefined {
  return Object.hasOwn(FAMILIES, name) ? FAMILIES[name] : undefined;
}

/** The pre-tokenizer in tokenizer.json's terms: the splits, then the byte-level map (its own regex off). */
export function preTokenizerJson(pre: GgufPreTokenizer): Record<string, unknown> {
  return {
    type: 'Sequence',
    pretokenizers: [
      ...pre.splits.map((regex) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false })),
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  };
}
