// Fill-in-the-middle prompt formats of the model families Switchyard knows. The engine reports the loaded model's
// format (read from its tokenizer's special tokens) in ModelInfo.fim; this table is the fallback and the reference for
// recognising a family from its tokens. Spelling matters: DeepSeek's markers use U+FF5C (｜) and U+2581 (▁).
import type { ContextChunk, FimFormat } from '../../engine/protocol';

export const FIM_FORMATS: Record<string, FimFormat> = {
  // DeepSeek-Coder (1.x) and DeepSeek-Coder-V2: <｜fim▁begin｜>prefix<｜fim▁hole｜>suffix<｜fim▁end｜>
  'deepseek-coder': {
    name: 'deepseek-coder',
    prefix: '<\u{FF5C}fim\u{2581}begin\u{FF5C}>',
    suffix: '<\u{FF5C}fim\u{2581}hole\u{FF5C}>',
    middle: '<\u{FF5C}fim\u{2581}end\u{FF5C}>',
    order: 'psm',
  },
  'qwen2.5-coder': {
    name: 'qwen2.5-coder',
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    order: 'psm',
    fileSeparator: '<|file_sep|>',
  },
  starcoder2: {
    name: 'starcoder2',
    prefix: '<fim_prefix>',
    suffix: '<fim_suffix>',
    middle: '<fim_middle>',
    order: 'psm',
    fileSeparator: '<file_sep>',
  },
  // CodeLlama: "<PRE> {prefix} <SUF>{suffix} <MID>" (the spaces are part of the format).
  codellama: { name: 'codellama', prefix: '<PRE> ', suffix: ' <SUF>', middle: ' <MID>', order: 'psm' },
};

/** The family whose FIM markers are all among `specialTokens` (trimmed), or undefined. */
export function detectFimFormat(specialTokens: Iterable<string>): FimFormat | undefined {
  const have = new Set<string>();
  for (const t of specialTokens) have.add(t.trim());
  for (const f of Object.values(FIM_FORMATS)) {
    if ([f.prefix, f.suffix, f.middle].every((m) => have.has(m.trim()))) return f;
  }
  return undefined;
}

/**
 * The raw prompt text for one request. Context chunks go first, each introduced by the family's file separator and
 * path when it has one (Qwen2.5-Coder, StarCoder2), otherwise by a `#path` line as DeepSeek-Coder's repository-level
 * training data does.
 */
export function buildFimPrompt(
  format: FimFormat,
  prefix: string,
  suffix: string,
  chunks: ContextChunk[] = [],
  filePath?: string,
): string {
  let context = '';
  for (const c of chunks) {
    context += format.fileSeparator ? `${format.fileSeparator}${c.filePath}\n${c.text}\n` : `#${c.filePath}\n${c.text}\n`;
  }
  if (chunks.length > 0 && filePath) context += format.fileSeparator ? `${format.fileSeparator}${filePath}\n` : `#${filePath}\n`;
  const body =
    format.order === 'psm'
      ? `${format.prefix}${context}${prefix}${format.suffix}${suffix}${format.middle}`
      : `${format.prefix}${format.suffix}${suffix}${format.middle}${context}${prefix}`;
  return body;
}
