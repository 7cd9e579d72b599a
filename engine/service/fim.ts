// Fill-in-the-middle prompts in the spelling of each model family. The family is read from the tokenizer's special
// tokens (a checkpoint knows its own tokens), or from the model name for remote servers that expose no tokenizer.
import type { ContextChunk, FimFormat } from '../protocol';

/** DeepSeek's tokens use U+FF5C FULLWIDTH VERTICAL LINE and U+2581 LOWER ONE EIGHTH BLOCK, not ASCII `|` and `_`. */
const DEEPSEEK: FimFormat = {
  name: 'deepseek',
  prefix: '<\uff5cfim\u2581begin\uff5c>',
  suffix: '<\uff5cfim\u2581hole\uff5c>',
  middle: '<\uff5cfim\u2581end\uff5c>',
  order: 'psm',
};

/** Qwen2.5-Coder, and the project's default model, which uses the same special tokens. */
const QWEN: FimFormat = {
  name: 'qwen',
  prefix: '<|fim_prefix|>',
  suffix: '<|fim_suffix|>',
  middle: '<|fim_middle|>',
  order: 'psm',
  fileSeparator: '<|file_sep|>',
};

const STARCODER2: FimFormat = {
  name: 'starcoder2',
  prefix: '<fim_prefix>',
  suffix: '<fim_suffix>',
  middle: '<fim_middle>',
  order: 'psm',
  fileSeparator: '<file_sep>',
};

/** CodeLlama's tokens are `▁<PRE>` etc. in the vocabulary; in text they are written with the spaces that become `▁`. */
const CODELLAMA: FimFormat = {
  name: 'codellama',
  prefix: '<PRE> ',
  suffix: ' <SUF>',
  middle: ' <MID>',
  order: 'psm',
};

export const FIM_FORMATS: readonly FimFormat[] = [DEEPSEEK, QWEN, STARCODER2, CODELLAMA];

/** The vocabulary entry whose presence identifies each family. */
const MARKER_TOKEN: Record<string, string[]> = {
  deepseek: [DEEPSEEK.prefix],
  qwen: [QWEN.prefix],
  starcoder2: [STARCODER2.prefix],
  codellama: ['\u2581<PRE>', '<PRE>'],
};

export function fimFormatByName(name: string): FimFormat | undefined {
  return FIM_FORMATS.find((f) => f.name === name);
}

/** The FIM format of a tokenizer, from its special tokens; undefined when it has none (plain LM). */
export function detectFimFormat(tokenToId: (token: string) => number | undefined): FimFormat | undefined {
  for (const format of FIM_FORMATS) {
    if (MARKER_TOKEN[format.name].some((t) => tokenToId(t) !== undefined)) {
      // The file separator belongs to the format only when this vocabulary really has it.
      const { fileSeparator, ...rest } = format;
      return fileSeparator && tokenToId(fileSeparator) !== undefined ? { ...rest, fileSeparator } : rest;
    }
  }
  return undefined;
}

/** Best guess from a served model's name (`deepseek-coder-v2`, `Qwen/Qwen2.5-Coder-7B`, `starcoder2:3b`, …). */
export function guessFimFormatFromModelName(model: string): FimFormat | undefined {
  const m = model.toLowerCase();
  if (/deepseek.*coder/.test(m) || /deepseek-(v2|v3|chat)/.test(m)) return DEEPSEEK;
  if (/qwen.*coder/.test(m) || /switchyard/.test(m)) return QWEN;
  if (/starcoder2?/.test(m)) return STARCODER2;
  if (/code-?llama/.test(m)) return CODELLAMA;
  return undefined;
}

export interface FimRequest {
  prefix: string;
  suffix: string;
  languageId: string;
  filePath?: string;
  contextChunks?: ContextChunk[];
}

/** Line-comment syntax, for families without a file separator token (context goes in as commented file headers). */
function lineComment(languageId: string): string {
  const hash = ['python', 'shellscript', 'ruby', 'perl', 'r', 'yaml', 'toml', 'dockerfile', 'makefile', 'julia'];
  const dash = ['sql', 'lua', 'haskell'];
  const percent = ['latex', 'tex', 'matlab', 'erlang'];
  if (hash.includes(languageId)) return '#';
  if (dash.includes(languageId)) return '--';
  if (percent.includes(languageId)) return '%';
  return '//';
}

/**
 * The prompt text for one fill-in-the-middle request. Context chunks come first: after the family's file separator
 * when it has one (Qwen2.5-Coder / StarCoder2 repository format), else as files introduced by a path comment
 * (DeepSeek-Coder's repository-level format).
 */
export function buildFimPrompt(format: FimFormat, req: FimRequest): string {
  let context = '';
  const chunks = req.contextChunks ?? [];
  if (format.fileSeparator) {
    for (const c of chunks) context += `${format.fileSeparator}${c.filePath}\n${c.text}\n`;
    if (chunks.length > 0 || req.filePath) context += `${format.fileSeparator}${req.filePath ?? 'untitled'}\n`;
  } else context = contextAsComments(req);
  const prefix = context + req.prefix;
  return format.order === 'psm'
    ? `${format.prefix}${prefix}${format.suffix}${req.suffix}${format.middle}`
    : `${format.prefix}${format.suffix}${req.suffix}${format.middle}${prefix}`;
}

/** Context chunks as files introduced by a path comment, ending with the current file's header. */
export function contextAsComments(req: FimRequest): string {
  const chunks = req.contextChunks ?? [];
  if (chunks.length === 0) return '';
  const comment = lineComment(req.languageId);
  let context = '';
  for (const c of chunks) context += `${comment} ${c.filePath}\n${c.text}\n\n`;
  if (req.filePath) context += `${comment} ${req.filePath}\n`;
  return context;
}

/** Special tokens that end a reply in any family (only those present in a vocabulary are used): end-of-text tokens,
 * the start of a new turn or file, and any FIM marker (a model that writes one has left the middle). */
export const END_TOKENS = [
  ...FIM_FORMATS.flatMap((f) => [f.prefix, f.suffix, f.middle, ...(f.fileSeparator ? [f.fileSeparator] : [])]),
  '\u2581<PRE>',
  '\u2581<SUF>',
  '\u2581<MID>',
  '<|im_start|>',
  '<|repo_name|>',
  '<repo_name>',
  '<|endoftext|>',
  '<|im_end|>',
  '<|file_sep|>',
  '<|fim_pad|>',
  '<\uff5cend\u2581of\u2581sentence\uff5c>',
  '<|EOT|>',
  '<file_sep>',
  '\u2581<EOT>',
  '<EOT>',
  '<|end_of_text|>',
  '<|eot_id|>',
];
