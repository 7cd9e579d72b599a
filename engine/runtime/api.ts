// The engine's in-process API: what the stdio server (engine/main.ts), the CLI (engine/cli.ts), the OpenAI-compatible
// HTTP server (engine/openai/server/) and the routing and proof code call. The runtime implements it; nothing here knows about
// JSON-RPC or HTTP.
import type { TokenizerConfig } from '../checkpoint/tokenizer-config';
import type { ExpertDispatch } from '../model/moe';
import type { ModelInfo, SamplingParams, StopReason, GenerationStats, WeightPrecision } from '../protocol';

/** Per MoE layer, per routed expert: an additive bias on the *selection* score only (never the mixing weight). */
export type SelectionBias = Float32Array[];

export interface LoadOptions {
  /** default f32; 'auto' picks by size (runtime/precision.ts) */
  precision?: WeightPrecision | 'auto';
  /** for 'auto': the machine's memory (default os.totalmem(); tests pass their own) */
  totalMemoryBytes?: number;
  /** intra-op threads for onnxruntime sessions */
  threads?: number;
  /** per MoE layer, the routed experts to keep (others are removed from the graphs); undefined = all */
  keptExperts?: number[][];
  /**
   * whether the model is served with a routing profile (ModelInfo.hasRoutingProfile): the service says, having read
   * and checked the profile; default: whether the folder has one
   */
  routingProfile?: boolean;
  /** where built graphs are cached; default: a folder per checkpoint under the user cache dir */
  cacheDir?: string;
  /** the graph cache is trimmed to this many bytes after the load, least recently used first (default 32 GiB) */
  cacheLimitBytes?: number;
  /** a first load builds the graphs (minutes for a real checkpoint): graphs done, of total */
  onBuildProgress?: (done: number, total: number) => void;
  /** which rows each routed expert runs on; default only the selected experts (bench/dense-experts.ts: all of them) */
  expertDispatch?: ExpertDispatch;
  /**
   * bytes the model's weights may keep resident: the dense part (always resident) plus the routed-expert groups
   * opened so far, the least recently used closed to stay within it; default runtime/memory-budget.ts
   */
  memoryBudgetBytes?: number;
  /** routed experts per group (one session each); default model/moe.ts expertsPerGroup (tests compare layouts) */
  expertsPerGroup?: number;
}

/** What the generation loop needs of a text stop rule (../service/stop/rule.ts's TextStopRule is one). */
export interface StreamStopRule {
  /** where the text must end, once it must */
  check(text: string): { keep: number } | undefined;
  /** how much of the text later tokens can no longer cut */
  safeLength(text: string): number;
}

export interface GenerateOptions extends SamplingParams {
  /** per-request routing skew; undefined or all zeros = the checkpoint's own routing, bit for bit */
  selectionBias?: SelectionBias;
  /**
   * adaptive expert count τ in [0, 1): a selected expert whose share of the token's routed mix is below it is not
   * computed (never the top one); undefined or 0 = every selected expert, bit for bit
   */
  minExpertWeight?: number;
  stopTokens?: number[];
  /** stops decoding within one token */
  signal?: AbortSignal;
  /** called for every generated token with the text it completes (may be '' for a partial UTF-8 sequence) */
  onToken?: (tokenId: number, text: string) => void;
  /**
   * a text rule applied while streaming (the CLI passes the stop pipeline's stop-string rule): text it may still cut is
   * held back, and its cut ends the generation; `stop` strings themselves are the rule's business, not the runtime's
   */
  stopRule?: StreamStopRule;
  /** extra stop rule checked on the decoded text so far; return the length to keep to stop now */
  shouldStop?: (textSoFar: string) => number | undefined;
  /** reuse the longest cached token prefix (default true) */
  usePrefixCache?: boolean;
  /** do not stop at the model's EOS tokens (only at `stopTokens`); for reference comparisons */
  ignoreEos?: boolean;
}

export interface GenerateResult {
  tokens: number[];
  text: string;
  stopReason: StopReason;
  stats: GenerationStats;
}

export interface ForwardResult {
  /** [T][vocab] */
  logits: Float32Array[];
  /** [moeLayer][token][≤k] the routed experts computed: the selected ones, less those minExpertWeight skipped */
  experts: number[][][];
  /** [moeLayer][token][≤k] final mixing weights of those experts */
  expertWeights: number[][][];
  /**
   * [moeLayer][token] the router's scores over all routed experts (softmax or sigmoid, before any bias), only when
   * asked with `routerScores: true`: calibration scales a domain bias to their spread.
   */
  routerScores?: Float32Array[][];
}

export interface Tokenizer {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  decode(ids: number[]): string;
  tokenToId(token: string): number | undefined;
  readonly bosId?: number;
  readonly eosIds: number[];
  readonly vocabSize: number;
  /** the checkpoint's chat template and the special tokens' text it writes, whichever file they came from */
  readonly chat?: Pick<TokenizerConfig, 'chatTemplate' | 'bosToken' | 'eosToken'>;
}

export interface LoadedModel {
  readonly info: ModelInfo;
  readonly tokenizer?: Tokenizer;
  /** full prefill of `tokens` from position 0 (no cache reuse); `decode` = first token prefilled then one at a time */
  forward(
    tokens: number[],
    opts?: { decode?: boolean; selectionBias?: SelectionBias; minExpertWeight?: number; routerScores?: boolean },
  ): Promise<ForwardResult>;
  generate(prompt: number[], opts: GenerateOptions): Promise<GenerateResult>;
  /** bytes of routed-expert weights resident in memory now, read from the OS */
  residentExpertBytes(): number;
  /** the memory budget the model loaded with (dense part + routed experts), bytes */
  memoryBudgetBytes(): number;
  dispose(): Promise<void>;
}
