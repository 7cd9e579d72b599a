// Fill-in-the-middle prompts in the spelling of each model family. The family is read from the tokenizer's special
// tokens (a checkpoint knows its own tokens), or from the model name for remote servers that expose no tokenizer.
import type { ContextChunk, FimFormat } from '../protocol';
import { CODELLAMA, DEEPSEEK, FIM_FORMATS, QWEN, STARCODER2 } from '../checkpoint/fim-formats';

export { detectFimFormat, FIM_FORMATS, fimFormatByName } from '../checkpoint/fim-formats';

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
