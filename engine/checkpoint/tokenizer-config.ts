// tokenizer_config.json, read in this one place: the special tokens' text, the chat template (there, or in
// chat_template.jinja or chat_template.json beside it) and the length the tokenizer was made for. Missing files mean
// "none"; the tokenizer library gets the file's JSON as it is.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from './json-file';

export interface TokenizerConfig {
  /** the file's JSON, {} when there is none */
  json: Record<string, unknown>;
  chatTemplate?: string;
  bosToken?: string;
  eosToken?: string;
  /** model_max_length, when it is an integer of at least 2 */
  modelMaxLength?: number;
}

/** A special token's text: a string or an AddedToken object. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

/** `chat_template` is a string, or a list of named templates of which `default` is the chat one. */
function pickTemplate(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value as { name?: string; template?: string }[];
    return (named.find((t) => t.name === 'default') ?? named[0])?.template;
  }
  return undefined;
}

export function readTokenizerConfig(dir: string): TokenizerConfig {
  const json = readJsonFile(join(dir, 'tokenizer_config.json')) ?? {};
  let chatTemplate = pickTemplate(json.chat_template);
  const jinjaFile = join(dir, 'chat_template.jinja');
  if (!chatTemplate && existsSync(jinjaFile)) chatTemplate = readFileSync(jinjaFile, 'utf8');
  if (!chatTemplate) chatTemplate = pickTemplate(readJsonFile(join(dir, 'chat_template.json'))?.chat_template);
  const n = json.model_max_length;
  return {
    json,
    chatTemplate,
    bosToken: tokenText(json.bos_token),
    eosToken: tokenText(json.eos_token),
    modelMaxLength: typeof n === 'number' && Number.isInteger(n) && n >= 2 ? n : undefined,
  };
}
