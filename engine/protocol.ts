// THE contract between the extension host (src/) and the engine subprocess (engine/).
// Both sides import this file; a change here breaks the build on both sides, not the user.
// Transport: JSON-RPC 2.0 over the engine's stdio (vscode-jsonrpc). Cancellation is `$/cancelRequest`
// (vscode-jsonrpc's CancellationToken), streaming is the `generation/delta` notification keyed by `streamId`.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { RoutingProfile } from './routing/profile';

export type { RoutingProfile };

export const PROTOCOL_VERSION = 1;

/** Which routing-skew profile a request wants. `auto` lets the engine classify the text. */
export type Domain = 'code' | 'math' | 'general' | 'auto';

/** Routing skew of one request: the domain's calibrated bias, multiplied by `strength` (0 = no bias). */
export interface RoutingRequest {
  domain: Domain;
  /** omitted: the default strength calibrated for the model (its routing profile's `defaultStrength`) */
  strength?: number;
  /**
   * adaptive expert count τ in [0, 1): a selected routed expert whose share of the token's mix is below it is not
   * computed; omitted: the domain's τ in the model's routing profile (`minExpertWeight`, 0 where none); 0: every one
   */
  minExpertWeight?: number;
}

// ---------------------------------------------------------------- initialize
export interface InitializeParams {
  protocolVersion: number;
  /** intra-op threads for onnxruntime; 0 = engine default */
  threads?: number;
  /** the graph cache is trimmed to this many bytes after each load (default 32 GiB; see cache/info) */
  graphCacheLimitBytes?: number;
}
export interface InitializeResult {
  protocolVersion: number;
  engineVersion: string;
}
export const InitializeRequest = new RequestType<InitializeParams, InitializeResult, void>('initialize');

// ---------------------------------------------------------------- model/load
export type WeightPrecision = 'f32' | 'int8' | 'int4';
export interface ModelLoadParams {
  /** folder in Hugging Face layout: config.json, *.safetensors, tokenizer.json */
  path: string;
  /** default f32; 'auto': float32 for small models, else int8 experts when they fit a third of memory, else int4 */
  precision?: WeightPrecision | 'auto';
  /**
   * bytes the model's weights may keep resident (the dense part plus the routed experts used most recently);
   * default 3/4 of the memory available at load
   */
  memoryBudgetBytes?: number;
  /** fraction of routed experts kept per layer (ranked by the domain profile); 1 = all */
  keepExperts?: number;
  /** only validate the folder (config, tensors, tokenizer) without building graphs */
  validateOnly?: boolean;
}
/** How the model family spells fill-in-the-middle, read from the tokenizer's special tokens. */
export interface FimFormat {
  name: string;
  prefix: string;
  suffix: string;
  middle: string;
  /** 'psm' = prefix, suffix, then middle; 'spm' = suffix first */
  order: 'psm' | 'spm';
  /** file separator token, when the family has one (for context chunks) */
  fileSeparator?: string;
}
export interface ModelInfo {
  path: string;
  name: string;
  modelType: string;
  vocabSize: number;
  layers: number;
  moeLayers: number;
  routedExperts: number;
  activeExperts: number;
  parameters: number;
  precision: WeightPrecision;
  hasTokenizer: boolean;
  fim?: FimFormat;
  hasChatTemplate: boolean;
  hasRoutingProfile: boolean;
  /** where requests go: this process's runtime, or an OpenAI-compatible server (routing skew cannot travel there) */
  backend?: 'local' | 'openai-compatible';
  /** tokens the model's context holds (config.json's max_position_embeddings), when known */
  contextLength?: number;
}
export const ModelLoadRequest = new RequestType<ModelLoadParams, ModelInfo, void>('model/load');

/** Sent during a model/load that builds the model's graphs (first load of a checkpoint at a precision only). */
export interface ModelProgress {
  path: string;
  /** graphs built so far, of total */
  done: number;
  total: number;
}
export const ModelProgressNotification = new NotificationType<ModelProgress>('model/progress');

// ---------------------------------------------------------------- models/discover
/** The other local runtimes whose downloaded models the engine lists (read in place, never downloaded). */
export type ModelSource = 'ollama' | 'lm-studio' | 'huggingface' | 'llama.cpp';
/** Why a model found on the machine cannot be run; `detail` says the same in words, for display only. */
export type NotRunnableKind =
  | 'architecture' // not DeepSeek-V2/V3 (deepseek2 in GGUF)
  | 'split-shard' // a later shard of a llama-gguf-split model: the first one is the model
  | 'incomplete' // a download that stopped: a file shorter than its header says, a missing shard or blob
  | 'invalid' // the right architecture, but the engine's validation refuses it (it names the file and field)
  | 'unreadable'; // not a GGUF / safetensors / config.json the engine can parse, or not readable at all
export interface DiscoveredModel {
  /** what model/load takes: a GGUF file (an Ollama blob is one) or a Hugging Face folder */
  path: string;
  source: ModelSource;
  /** as its store names it: `deepseek-v2:16b` (Ollama), `org/repo` (Hugging Face), the file name */
  name: string;
  format: 'gguf' | 'safetensors';
  /** GGUF general.architecture, or config.json model_type */
  architecture?: string;
  parameters?: number;
  /** on disk, every file of the model (all shards) */
  sizeBytes: number;
  /** GGUF file type (Q4_K_M) or the tensors' majority type; safetensors dtype, with quant_method when set */
  quantization?: string;
  /** absent: the engine can run it */
  notRunnable?: { kind: NotRunnableKind; detail: string };
}
/** One place looked in. */
export interface ModelStoreScan {
  source: ModelSource;
  root: string;
  exists: boolean;
  /** why the scan of this root stopped before its end (time or entry limit) */
  stoppedEarly?: string;
  /** entries that could not be read (permissions, broken links, bad manifests), each with why */
  skipped: { path: string; detail: string }[];
}
export interface ModelsDiscoverResult {
  /** runnable models first, then the others; in each, by source, then name */
  models: DiscoveredModel[];
  stores: ModelStoreScan[];
}
export const ModelsDiscoverRequest = new RequestType0<ModelsDiscoverResult, void>('models/discover');

// ---------------------------------------------------------------- generation (shared by complete and chat)
export interface SamplingParams {
  maxTokens: number;
  /** 0 = greedy */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /** wall-clock budget for the whole request, prefill included */
  timeBudgetMs?: number;
}
/**
 * Why a reply ended. The model or the request: `eos` (an end token), `length` (maxTokens), `time` (timeBudgetMs),
 * `cancelled`. A rule of the engine's stop pipeline (engine/service/stop/), which cut the text there: `stop` (a stop
 * string), `block` (the end of the cursor's block), `lines` (maxLines), `repetition` (the text began repeating one
 * token or phrase), `suffix` (it went on to repeat the code after the cursor).
 */
export type StopReason = 'eos' | 'stop' | 'length' | 'time' | 'cancelled' | 'block' | 'lines' | 'repetition' | 'suffix';
export interface GenerationStats {
  promptTokens: number;
  /** prompt tokens served from the prefix cache (not prefilled again) */
  reusedTokens: number;
  generatedTokens: number;
  prefillTokensPerS: number;
  decodeTokensPerS: number;
  timeToFirstTokenMs: number;
  /** per MoE layer, per routed expert: how many tokens selected it during this request */
  expertCounts?: number[][];
  domain?: Exclude<Domain, 'auto'>;
}
/** Streamed piece of a reply. */
export interface GenerationDelta {
  streamId: string;
  text: string;
}
export const GenerationDeltaNotification = new NotificationType<GenerationDelta>('generation/delta');

// ---------------------------------------------------------------- complete (fill in the middle)
export interface ContextChunk {
  filePath: string;
  text: string;
}
export interface CompleteParams extends SamplingParams {
  prefix: string;
  suffix: string;
  languageId: string;
  filePath?: string;
  contextChunks?: ContextChunk[];
  /** stop after this many lines (multi-line suggestions also stop at the end of the current block) */
  maxLines?: number;
  /** columns a tab counts for in the editor (default 4): the block-end rule measures indentation with it */
  tabSize?: number;
  routing?: RoutingRequest;
  streamId?: string;
}
export interface CompleteResult {
  text: string;
  stopReason: StopReason;
  stats: GenerationStats;
}
export const CompleteRequest = new RequestType<CompleteParams, CompleteResult, void>('complete');

// ---------------------------------------------------------------- chat
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
export interface ChatParams extends SamplingParams {
  messages: ChatMessage[];
  routing?: RoutingRequest;
  /** deltas are sent as generation/delta with this id */
  streamId: string;
}
export interface ChatResult {
  text: string;
  stopReason: StopReason;
  stats: GenerationStats;
}
export const ChatRequest = new RequestType<ChatParams, ChatResult, void>('chat');

// ---------------------------------------------------------------- proof/check
export interface SourcePosition {
  /** 0-based line */
  line: number;
  /** 0-based UTF-16 column */
  character: number;
}
export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}
export type StepVerdict = 'verified' | 'wrong' | 'unknown' | 'unparsed';
/** Why a step got its verdict, as a kind to decide on; `detail` holds the same in words, for display only. */
export type StepReason =
  // verified
  | 'evaluates-equal' // both sides are closed and evaluate to the same value
  | 'identity-sampled' // holds at random rational points
  | 'smt-proved' // an inequality, implication or solving step proved by the SMT solver
  | 'rounds' // `a \approx b`: b is a rounded or truncated
  // wrong
  | 'sides-differ' // a point where both sides are defined and differ
  | 'outside-domain' // a side is undefined at a point the stated assumptions allow
  | 'does-not-follow' // the premise holds at a point where the conclusion fails
  | 'does-not-round'
  // unknown
  | 'few-domain-points' // too few sample points in the domain of both sides
  | 'no-real-value' // a closed side has no real value
  | 'float-precision' // the sides agree only to floating-point precision, or arithmetic is not exact
  | 'no-counterexample' // an inequality held at every sample point but was not proved
  | 'smt-undecided' // the SMT solver gave up, could not express it, or its counterexample did not survive evaluation
  | 'not-algebra' // the expression has a part the evaluator does not support
  | 'work-limit' // evaluating it would take more work than one step may use (huge exponents, nested integrals)
  | 'time-budget' // the check's time budget ran out before this step
  | 'free-variables' // an approximation with free variables
  // unparsed
  | 'unreadable';
export interface ProofStep {
  /** 1-based line where the step's claim starts */
  line: number;
  range: SourceRange;
  text: string;
  verdict: StepVerdict;
  reason: StepReason;
  /** variable assignment (exact values as strings) under which the claim fails, for `wrong` */
  counterexample?: Record<string, string>;
  /** the two sides of the checked relation as the checker read them (a continued row's left side included) */
  sides?: { left: string; relation: string; right: string };
  /** both sides evaluated at the counterexample (exact fractions where possible) */
  values?: { left: string; right: string };
  detail: string;
  /** the model's opinion for steps algebra cannot decide; never overrides verified / wrong */
  modelOpinion?: string;
}
export interface ProofCheckParams {
  text: string;
  /** 'latex' | 'markdown' | 'plaintext' | 'coq' | 'lean' | any VS Code language id */
  languageId: string;
  /** file on disk, for formal provers */
  filePath?: string;
  /** offset of `text` inside the document, so ranges come back in document coordinates */
  origin?: SourcePosition;
  /** ask the loaded model about steps algebra cannot decide */
  withModelCritique?: boolean;
  /** prover executables (from trusted settings) */
  provers?: { coqc?: string; lean?: string };
  timeoutMs?: number;
}
export interface ProofDiagnostic {
  range: SourceRange;
  severity: 'error' | 'warning' | 'information';
  message: string;
}
/** Why an equation was read as a premise: a word of the text ('solve', 'let', ':=', '\\text{for}') or its shape. */
export type ProofPremiseCue =
  | { by: 'word'; word: string }
  | {
      by: 'shape';
      shape: 'constant side' | 'named left side' | 'differentials' | 'solved below' | 'system of equations';
    };
/** An equation read as a condition or a definition, not as a claim: reported so the user sees what was not checked. */
export interface ProofPremise {
  kind: 'condition' | 'definition';
  cue: ProofPremiseCue;
  line: number;
  range: SourceRange;
  text: string;
}
export interface ProofCheckResult {
  steps: ProofStep[];
  /** equations read as conditions or definitions and therefore not checked */
  premises?: ProofPremise[];
  /** formal-prover diagnostics (coqc / lean), when the file went to a prover */
  proverDiagnostics?: ProofDiagnostic[];
  prover?: ProverOutcome;
}
/** What one theorem of a `.v` / `.lean` file rests on, as the prover itself lists it. */
export interface TheoremCheck {
  /** as the prover names it (modules / namespaces included) */
  name: string;
  /** the name in the document */
  range: SourceRange;
  /** every axiom it depends on (Coq `Print Assumptions`, Lean `#print axioms`) */
  axioms: string[];
  /** rests on an escape hatch (Admitted, sorry, a switched-off checker): not proved */
  unproved: boolean;
  /** the prover could not list its axioms */
  unknown?: boolean;
}
/** why a prover was not run */
export type ProverRefusal = 'untrusted-workspace' | 'file-access';
export interface ProverOutcome {
  name: string;
  available: boolean;
  /** compiled with no gap and no theorem resting on an escape hatch; see `assuming` */
  proved?: boolean;
  /** axioms beyond the prover's foundations that the proof rests on: "proved, assuming …" */
  assuming?: string[];
  theorems?: TheoremCheck[];
  refused?: ProverRefusal;
  message?: string;
}
export const ProofCheckRequest = new RequestType<ProofCheckParams, ProofCheckResult, void>('proof/check');

// ---------------------------------------------------------------- stats
export interface EngineStats {
  model?: ModelInfo;
  residentExpertBytes?: number;
  /** the memory budget the local model loaded with (dense part + routed experts) */
  memoryBudgetBytes?: number;
  rssBytes: number;
  lastGeneration?: GenerationStats;
}
export const StatsRequest = new RequestType0<EngineStats, void>('stats');

// ---------------------------------------------------------------- cache/info, cache/clear
/** One model's graphs in the on-disk graph cache: a checkpoint built at one precision. */
export interface GraphCacheEntry {
  /** the folder's name under the cache root */
  name: string;
  /** the checkpoint folder the graphs were built from */
  checkpoint: string;
  precision?: WeightPrecision;
  bytes: number;
  /** ISO 8601 time of the last load */
  lastUsed: string;
  /** pids of the engines that have these graphs loaded now (this one's included); empty: free to remove */
  inUseBy: number[];
}
export interface GraphCacheInfo {
  root: string;
  /** bytes of all entries */
  totalBytes: number;
  /** the cache is trimmed to this after each load (least recently used first; entries in use stay) */
  limitBytes: number;
  /** most recently used first */
  entries: GraphCacheEntry[];
}
export const CacheInfoRequest = new RequestType0<GraphCacheInfo, void>('cache/info');

/** Why cache/clear (or an eviction) left an entry in place. */
export type CacheKept =
  { entry: GraphCacheEntry; reason: 'in-use' } | { entry: GraphCacheEntry; reason: 'failed'; message: string };
export interface CacheClearResult {
  root: string;
  removed: GraphCacheEntry[];
  kept: CacheKept[];
  /** bytes removed: the entries plus half-built folders of engines that died mid-build */
  freedBytes: number;
}
/** Removes every entry no live engine has loaded. */
export const CacheClearRequest = new RequestType0<CacheClearResult, void>('cache/clear');

// ---------------------------------------------------------------- routing/profile
/** The domain profile the loaded model's requests are skewed by, or why none is (no file, refused, remote model). */
export type RoutingProfileResult =
  { profile: RoutingProfile; reason?: undefined } | { profile?: undefined; reason: string };
export const RoutingProfileRequest = new RequestType0<RoutingProfileResult, void>('routing/profile');

// ---------------------------------------------------------------- calibrate
export interface CalibrateParams {
  code: string[];
  math: string[];
  general: string[];
  out?: string;
}
export interface CalibrateResult {
  profilePath: string;
}
export const CalibrateRequest = new RequestType<CalibrateParams, CalibrateResult, void>('calibrate');

// ---------------------------------------------------------------- remote/connect
/** Send complete / chat to an OpenAI-compatible server (vLLM, SGLang, DeepSeek API, llama.cpp, Ollama) instead of
 * the local runtime, until the next model/load. */
export interface RemoteConnectParams {
  /** e.g. http://gpu-box:8000/v1 (the part before /completions) */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** per request: until the first byte, and between two streamed events; default 60000 */
  timeoutMs?: number;
  /** 'prompt' (default): the FIM prompt is built here and sent raw; 'suffix': prompt + suffix fields */
  fimMode?: 'prompt' | 'suffix';
  /** FIM family when the model name does not tell it: 'deepseek' | 'qwen' | 'starcoder2' | 'codellama' */
  fimFormat?: string;
}
export const RemoteConnectRequest = new RequestType<RemoteConnectParams, ModelInfo, void>('remote/connect');

// ---------------------------------------------------------------- serve/start, serve/stop
/** The engine also answers other tools (Continue, Cline, `openai` scripts) over the OpenAI API, sharing its model. */
export interface ServeParams {
  /** default 127.0.0.1 (this machine only) */
  host?: string;
  /** default 8012; 0 picks a free port */
  port?: number;
  /** when set, every /v1 request needs `Authorization: Bearer <apiKey>` */
  apiKey?: string;
  /** HTTP requests that may wait behind the one running; more get 503 (default 8) */
  queue?: number;
  /** the name clients send as `model` (default: the model folder's name) */
  modelId?: string;
  /** browser origins allowed to call the server (default none: requests with another Origin get 403) */
  allowOrigins?: string[];
}
export interface ServeResult {
  url: string;
  modelId: string;
}
export const ServeStartRequest = new RequestType<ServeParams, ServeResult, void>('serve/start');
export const ServeStopRequest = new RequestType0<void, void>('serve/stop');

// ---------------------------------------------------------------- shutdown
export const ShutdownRequest = new RequestType0<void, void>('shutdown');
/** Liveness: answered at once by the engine's main loop, whatever else runs (the extension's watchdog sends it). */
export interface PingResult {
  pid: number;
}
export const PingRequest = new RequestType0<PingResult, void>('ping');

/** JSON-RPC error codes the engine uses beyond the standard ones, so the client can tell causes apart. */
export const EngineErrorCodes = {
  NoModelLoaded: -32001,
  BadCheckpoint: -32002,
  Cancelled: -32800, // same as LSP's RequestCancelled
  BadInput: -32003,
  /** the OpenAI-compatible server failed (unreachable, refused the key, unknown model, timed out, broken stream) */
  RemoteFailed: -32004,
  /** a feature this build does not contain (e.g. calibration before the routing work lands) */
  NotAvailable: -32005,
  /** the request queue is full; retry later */
  Busy: -32006,
} as const;
