// The local runtime as a backend: text in the model family's format -> tokens -> LoadedModel.generate -> text.
import { EngineError } from '../errors';
import {
  EngineErrorCodes,
  type CalibrateParams,
  type CalibrateResult,
  type ChatMessage,
  type FimFormat,
  type ModelInfo,
} from '../protocol';
import { calibrateFiles } from '../routing/calibrate-files';
import type { LoadedModel, Tokenizer } from '../runtime/api';
import type { Backend, BackendGenerateOptions, BackendResult } from './backend';
import { ChatFormatter } from '../checkpoint/chat-template';
import { readTokenizerConfig } from '../checkpoint/tokenizer-config';
import { noTokenizer } from '../checkpoint/tokenizer';
import { buildFimPrompt, END_TOKENS, type FimRequest } from './fim';

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
    // built once, by the loader, from the checkpoint (FIM family, chat template, context length included)
    this.info = model.info;
    this.fim = this.info.fim;
    // the tokenizer's own (tokenizer_config.json, or a GGUF file's metadata); the folder's for a tokenizer without one
    const config = tok?.chat ?? readTokenizerConfig(dir);
    this.chatFormatter = new ChatFormatter(config);
    const ends = [...END_TOKENS, ...(config.eosToken ? [config.eosToken] : [])];
    const endIds = tok ? ends.map((t) => tok.tokenToId(t)).filter((id): id is number => id !== undefined) : [];
    this.endTokenIds = [...new Set([...(tok?.eosIds ?? []), ...endIds])];
    this.maxContext = this.info.contextLength;
  }

  async calibrate(params: CalibrateParams): Promise<CalibrateResult> {
    const { path } = await calibrateFiles(this.model, this.info.path, {
      paths: { code: params.code, math: params.math, general: params.general },
      out: params.out,
    });
    return { profilePath: path };
  }

  tokenizer(): Tokenizer {
    const tok = this.model.tokenizer;
    if (!tok) {
      throw new EngineError(
        `model '${this.info.name}': ${noTokenizer(this.info.path)}: text requests need one`,
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
    return this.generate(this.encode(this.tokenizer(), prompt, true), opts);
  }

  chat(messages: readonly ChatMessage[], opts: BackendGenerateOptions): Promise<BackendResult> {
    const tok = this.tokenizer();
    // A chat template writes its own BOS; ChatML has none.
    const prompt = tok.encode(this.chatFormatter.format(messages), { addSpecialTokens: false });
    return this.generate(prompt, opts);
  }

  residentExpertBytes(): number {
    return this.model.residentExpertBytes();
  }

  memoryBudgetBytes(): number {
    return this.model.memoryBudgetBytes();
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

  /** A reply may use what the prompt leaves of the context; a prompt that fills it alone is refused. */
  private fitMaxTokens(prompt: number[], maxTokens: number): number {
    if (this.maxContext === undefined) return maxTokens;
    const room = this.maxContext - prompt.length;
    if (room < 1) {
      throw new EngineError(
        `prompt of ${prompt.length} tokens does not fit the context of model '${this.info.name}' (${this.maxContext} tokens)`,
        EngineErrorCodes.BadInput,
      );
    }
    return Math.min(maxTokens, room);
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
    throw new EngineError(
      `cannot fit the completion prompt into the context of model '${this.info.name}'`,
      EngineErrorCodes.BadInput,
    );
  }

  private async generate(prompt: number[], opts: BackendGenerateOptions): Promise<BackendResult> {
    const { signal, onText, shouldStop, selectionBias, minExpertWeight, ...sampling } = opts;
    const result = await this.model.generate(prompt, {
      ...sampling,
      maxTokens: this.fitMaxTokens(prompt, sampling.maxTokens),
      selectionBias,
      minExpertWeight,
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
