// A backend turns prompts into streamed text: the local runtime (local-backend.ts) or an OpenAI-compatible server
// (../openai/client/remote-backend.ts). What both share (the stop pipeline in stop/, streaming, time budget, queueing) is
// applied by engine-service.ts, so a completion ends the same way wherever it was generated.
import type {
  ChatMessage,
  GenerationStats,
  ModelInfo,
  SamplingParams,
  StopReason,
  CalibrateParams,
  CalibrateResult,
} from '../protocol';
import type { SelectionBias, Tokenizer } from '../runtime/api';
import type { FimRequest } from './fim';

export interface BackendGenerateOptions extends Omit<SamplingParams, 'timeBudgetMs'> {
  signal: AbortSignal;
  /** every new piece of text, in order */
  onText: (text: string) => void;
  /** the service's stop rules, for backends that can stop within one token (the local runtime) */
  shouldStop?: (textSoFar: string) => number | undefined;
  selectionBias?: SelectionBias;
  /** the adaptive expert count τ (local runtime only; 0 = every selected expert) */
  minExpertWeight?: number;
}

export interface BackendResult {
  text: string;
  stopReason: StopReason;
  stats: GenerationStats;
}

export interface Backend {
  readonly info: ModelInfo;
  /** how many requests it can serve at once (the local runtime: one) */
  readonly concurrency: number;
  /** fill in the middle: the backend writes the prompt in its model family's format */
  fill(req: FimRequest, opts: BackendGenerateOptions): Promise<BackendResult>;
  /** continue a raw prompt */
  text(prompt: string, opts: BackendGenerateOptions): Promise<BackendResult>;
  /** the assistant's next turn, in the model's chat format */
  chat(messages: readonly ChatMessage[], opts: BackendGenerateOptions): Promise<BackendResult>;
  residentExpertBytes(): number | undefined;
  /** the local model's memory budget (remote backends: none) */
  memoryBudgetBytes(): number | undefined;
  /** the model's tokenizer, for /tokenize and /detokenize (local models only; throws when the folder has none) */
  tokenizer?(): Tokenizer;
  /** computes and writes the model's routing profile (local models only) */
  calibrate?(params: CalibrateParams): Promise<CalibrateResult>;
  dispose(): Promise<void>;
}

export function emptyStats(): GenerationStats {
  return {
    promptTokens: 0,
    reusedTokens: 0,
    generatedTokens: 0,
    prefillTokensPerS: 0,
    decodeTokensPerS: 0,
    timeToFirstTokenMs: 0,
  };
}
