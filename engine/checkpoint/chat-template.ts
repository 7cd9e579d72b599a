// Chat prompts in the model's own format: the Jinja `chat_template` a Hugging Face checkpoint ships (in
// tokenizer_config.json, chat_template.jinja or chat_template.json), rendered with @huggingface/jinja; ChatML when the
// checkpoint has none.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { EngineError } from '../errors';
import { EngineErrorCodes, type ChatMessage } from '../protocol';

export interface TokenizerConfig {
  chatTemplate?: string;
  bosToken?: string;
  eosToken?: string;
}

type TokenField = string | { content?: string } | null | undefined;
const tokenText = (t: TokenField): string | undefined => (typeof t === 'string' ? t : (t?.content ?? undefined));

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new EngineError(`${file} is not valid JSON: ${(err as Error).message}`, EngineErrorCodes.BadCheckpoint);
  }
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

/** What the chat prompt needs from a checkpoint folder; missing files mean "none". */
export function readTokenizerConfig(dir: string): TokenizerConfig {
  const file = join(dir, 'tokenizer_config.json');
  const config = existsSync(file) ? readJson(file) : {};
  let chatTemplate = pickTemplate(config.chat_template);
  const jinjaFile = join(dir, 'chat_template.jinja');
  const jsonFile = join(dir, 'chat_template.json');
  if (!chatTemplate && existsSync(jinjaFile)) chatTemplate = readFileSync(jinjaFile, 'utf8');
  if (!chatTemplate && existsSync(jsonFile)) chatTemplate = pickTemplate(readJson(jsonFile).chat_template);
  return {
    chatTemplate,
    bosToken: tokenText(config.bos_token as TokenField),
    eosToken: tokenText(config.eos_token as TokenField),
  };
}

export function chatMlPrompt(messages: readonly ChatMessage[]): string {
  const turns = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('');
  return `${turns}<|im_start|>assistant\n`;
}

export class ChatFormatter {
  private readonly template?: Template;

  constructor(
    private readonly config: TokenizerConfig,
    source = 'tokenizer_config.json',
  ) {
    if (config.chatTemplate) {
      try {
        this.template = new Template(config.chatTemplate);
      } catch (err) {
        throw new EngineError(`chat_template in ${source} does not parse: ${(err as Error).message}`, EngineErrorCodes.BadCheckpoint);
      }
    }
  }

  get hasTemplate(): boolean {
    return this.template !== undefined;
  }

  /** The prompt that makes the model write the assistant's next turn. */
  format(messages: readonly ChatMessage[]): string {
    if (messages.length === 0) throw new EngineError('chat needs at least one message', EngineErrorCodes.BadInput);
    if (!this.template) return chatMlPrompt(messages);
    try {
      // @huggingface/jinja provides raise_exception; what templates raise is about the conversation (roles must
      // alternate, system first, ...), so it is the request's fault, not the checkpoint's.
      return this.template.render({
        messages,
        add_generation_prompt: true,
        bos_token: this.config.bosToken ?? '',
        eos_token: this.config.eosToken ?? '',
      });
    } catch (err) {
      throw new EngineError(`the model's chat template cannot format this conversation: ${(err as Error).message}`, EngineErrorCodes.BadInput);
    }
  }
}
