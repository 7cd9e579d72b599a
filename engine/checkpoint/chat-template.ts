// Chat prompts in the model's own format: the Jinja `chat_template` a Hugging Face checkpoint ships (in
// tokenizer_config.json, chat_template.jinja or chat_template.json; read by tokenizer-config.ts), rendered with
// @huggingface/jinja; ChatML when the checkpoint has none.
import { Template } from '@huggingface/jinja';
import { EngineError } from '../errors';
import { EngineErrorCodes, type ChatMessage } from '../protocol';
import type { TokenizerConfig } from './tokenizer-config';

export function chatMlPrompt(messages: readonly ChatMessage[]): string {
  const turns = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('');
  return `${turns}<|im_start|>assistant\n`;
}

export class ChatFormatter {
  private readonly template?: Template;

  constructor(
    private readonly config: Pick<TokenizerConfig, 'chatTemplate' | 'bosToken' | 'eosToken'>,
    source = 'tokenizer_config.json',
  ) {
    if (config.chatTemplate) {
      try {
        this.template = new Template(config.chatTemplate);
      } catch (err) {
        throw new EngineError(
          `chat_template in ${source} does not parse: ${(err as Error).message}`,
          EngineErrorCodes.BadCheckpoint,
        );
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
      throw new EngineError(
        `the model's chat template cannot format this conversation: ${(err as Error).message}`,
        EngineErrorCodes.BadInput,
      );
    }
  }
}
