// The fill-in-the-middle formats of the model families, and which one a checkpoint's vocabulary speaks. The tokenizer
// reports it in ModelInfo; the service builds prompts with it; the remote backend picks one by name.
import type { FimFormat } from '../protocol';

/** DeepSeek's tokens use U+FF5C FULLWIDTH VERTICAL LINE and U+2581 LOWER ONE EIGHTH BLOCK, not ASCII `|` and `_`. */
export const DEEPSEEK: FimFormat = {
  name: 'deepseek',
  prefix: '<\uff5cfim\u2581begin\uff5c>',
  suffix: '<\uff5cfim\u2581hole\uff5c>',
  middle: '<\uff5cfim\u2581end\uff5c>',
  order: 'psm',
};

/** Qwen2.5-Coder, and the project's default model, which uses the same special tokens. */
export const QWEN: FimFormat = {
  name: 'qwen',
  prefix: '<|fim_prefix|>',
  suffix: '<|fim_suffix|>',
  middle: '<|fim_middle|>',
  order: 'psm',
  fileSeparator: '<|file_sep|>',
};

export const STARCODER2: FimFormat = {
  name: 'starcoder2',
  prefix: '<fim_prefix>',
  suffix: '<fim_suffix>',
  middle: '<fim_middle>',
  order: 'psm',
  fileSeparator: '<file_sep>',
};

/** CodeLlama's tokens are `▁<PRE>` etc. in the vocabulary; in text they are written with the spaces that become `▁`. */
export const CODELLAMA: FimFormat = {
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
