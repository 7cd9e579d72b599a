// The local runtime as a backend: text in the model family's format -> tokens -> LoadedModel.generate -> text.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors';
import { EngineErrorCodes, type ChatMessage, type FimFormat, type ModelInfo } from '../protocol';
import type { LoadedModel, Tokenizer } from '../runtime/api';
import type { Backend, BackendGenerateOptions, BackendResult } from './backend';
import { ChatFormatter, readTokenizerConfig } from './chat-template';
import { buildFimPrompt, detectFimFormat, END_TOKENS, type FimRequest } from './fim';

/** Context length from config.json; undefined when the folder does not say. */
function contextLength(dir: string): number | undefined {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return undefined;
  try {
    const n = (JSON.parse(readFileSync(file, 'utf8')) as { max_position_embeddings?: unknown }).max_position_embeddings;
    return typeof n === 'number' && n > 0 ? n : undefined;
  } catch {
    return undefined; // the loader already validated config.json; a second opinion here is not needed
  }
}

export class LocalBackend implements Backend {
  readonly info: ModelInfo;
  readonly concurrency = 1;
  private readonly fim?: FimFormat;
  private readonly chatFormatter: ChatFormatter;
  private readonly endTokenIds: number[];
  private readonly maxContext?: number;

  constructor(
    private readonly model: LoadedModel,
    dir: string = model.info.path,
  ) {
    const tok = model.tokenizer;
    this.fim = tok ? detectFimFormat((t) => tok.tokenToId(t)) : undefined;
    const config = readTokenizerConfig(dir);
    this.chatFormatter = new ChatFormatter(config);
    const ends = [...END_TOKENS, ...(config.eosToken ? [config.eosToken] : [])];
    this.endTokenIds = tok ? [...new Set([...tok.eosIds, ...ends.map((t) => tok.tokenToId(t)).filter((id): id is number => id !== undefined)])] : [];
    this.maxContext = contextLength(dir);
    this.info = { ...model.info, fim: this.fim, hasChatTemplate: this.chatFormatter.hasTemplate, backend: 'local' };
  }

  private tokenizer(): Tokenizer {
    const tok = this.model.tokenizer;
    if (!tok) {
      throw new EngineError(
        `model '${this.info.name}' has no tokenizer.json (${this.info.path}): text requests need one`,
        EngineErrorCodes.BadInput,
      );
    }
    return tok;
  }

  fill(req: FimRequest, opts: BackendGenerateOptions): Promise<BackendResult> {
    if (!this.fim) {
      throw new EngineError(
        `model '${this.info.name}' has no fill-in-the-middle tokens in its tokenizer: it cannot complete code between a prefix and a suffix`,
        EngineErrorCodes.BadInput,
      );
    }
    const tok = this.tokenizer();
    const fim = this.fim;
    let prompt = this.encode(tok, buildFimPrompt(fim, req), true);
    const budget = this.promptBudget(opts.maxTokens);
    if (budget !== undefined && prompt.length > budget) prompt = this.fitFim(tok, fim, req, budget);
    return this.generate(prompt, opts);
  }

  text(prompt: string, opts: BackendGenerateOptions): Promise<BackendResult> {
    return this.generate(this.checkedLength(this.encode(this.tokenizer(), prompt, true), opts.maxTokens), opts);
  }

  chat(messages: readonly ChatMessage[], opts: BackendGenerateOptions): Promise<BackendResult> {
    const tok = this.tokenizer();
    // A chat template writes its own BOS; ChatML has none.
    const prompt = tok.encode(this.chatFormatter.format(messages), { addSpecialTokens: false });
    return this.generate(this.checkedLength(prompt, opts.maxTokens), opts);
  }

  residentExpertBytes(): number {
    return this.model.residentExpertBytes();
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }

  private encode(tok: Tokenizer, text: string, withBos: boolean): number[] {
    const ids = tok.encode(text, { addSpecialTokens: false });
    return withBos && tok.bosId !== undefined && ids[0] !== tok.bosId ? [tok.bosId, ...ids] : ids;
  }

  private promptBudget(maxTokens: number): number | undefined {
    return this.maxContext === undefined ? undefined : Math.max(1, this.maxContext - maxTokens);
  }

  private checkedLength(prompt: number[], maxTokens: number): number[] {
    const budget = this.promptBudget(maxTokens);
    if (budget !== undefined && prompt.length > budget) {
      throw new EngineError(
        `prompt of ${prompt.length} tokens plus max_tokens ${maxTokens} exceeds the context of model '${this.info.name}' (${this.maxContext} tokens)`,
        EngineErrorCodes.BadInput,
      );
    }
    return prompt;
  }

  /** Too long for the context: drop context chunks, then the far ends of prefix and suffix (the cursor matters most). */
  private fitFim(tok: Tokenizer, fim: FimFormat, req: FimRequest, budget: number): number[] {
    let prefix = req.prefix;
    let suffix = req.suffix;
    for (let attempt = 0; attempt < 8; attempt++) {
      const ids = this.encode(tok, buildFimPrompt(fim, { ...req, prefix, suffix, contextChunks: [] }), true);
      if (ids.length <= budget) return ids;
      const ratio = (budget / ids.length) * 0.95;
      prefix = prefix.slice(Math.floor(prefix.length * (1 - ratio)));
      suffix = suffix.slice(0, Math.floor(suffix.length * ratio));
    }
    throw new EngineError(`cannot fit the completion prompt into the context of model '${this.info.name}'`, EngineErrorCodes.BadInput);
  }

  private async generate(prompt: number[], opts: BackendGenerateOptions): Promise<BackendResult> {
    const { signal, onText, shouldStop, selectionBias, ...sampling } = opts;
    const result = await this.model.generate(prompt, {
      ...sampling,
      selectionBias,
      stopTokens: this.endTokenIds,
      signal,
      shouldStop,
      onToken: (_id, text) => {
        if (text) onText(text);
      },
    });
    return { text: result.text, stopReason: result.stopReason, stats: result.stats };
  }
}
