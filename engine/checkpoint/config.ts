// config.json -> ModelConfig: every hyperparameter of a DeepSeek-V2/V3 checkpoint, parsed and checked once.
// Field names follow the Hugging Face config (and the DeepSeek papers); the rest of the engine reads only this type.
import { readFileSync, existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';

export type TopkMethod = 'greedy' | 'group_limited_greedy' | 'noaux_tc';
export type ScoringFunc = 'softmax' | 'sigmoid';

/** YaRN context extension (rope_scaling.type "yarn"). */
export interface YarnScaling {
  /** context extension factor s */
  factor: number;
  /** the pre-training context length (original_max_position_embeddings) */
  originalMaxPositionEmbeddings: number;
  beta_fast: number;
  beta_slow: number;
  /** attention-temperature coefficient: softmax_scale *= (0.1 * mscale_all_dim * ln(factor) + 1)^2 */
  mscale_all_dim: number;
}

export interface ModelConfig {
  modelType: 'deepseek_v2' | 'deepseek_v3';
  vocab_size: number;
  hidden_size: number;
  /** width of the dense-layer MLP */
  intermediate_size: number;
  /** width of one routed (and of one shared) expert */
  moe_intermediate_size: number;
  /** decoder layers actually run; MTP layers (`num_nextn_predict_layers`) stored after them are skipped */
  num_hidden_layers: number;
  /** the first k layers use a dense MLP, the rest DeepSeekMoE */
  first_k_dense_replace: number;
  num_attention_heads: number;
  /** q LoRA rank; 0 = plain q_proj (V2-Lite) */
  q_lora_rank: number;
  /** rank of the compressed KV latent c_KV (what the cache stores per token, with the rope key) */
  kv_lora_rank: number;
  qk_nope_head_dim: number;
  /** decoupled RoPE key/query width; the key part is shared by all heads */
  qk_rope_head_dim: number;
  v_head_dim: number;
  n_routed_experts: number;
  /** shared experts, run as one MLP of width n_shared_experts * moe_intermediate_size */
  n_shared_experts: number;
  num_experts_per_tok: number;
  n_group: number;
  topk_group: number;
  topk_method: TopkMethod;
  scoring_func: ScoringFunc;
  norm_topk_prob: boolean;
  routed_scaling_factor: number;
  rms_norm_eps: number;
  rope_theta: number;
  rope_scaling?: YarnScaling;
  /** the context length, the one the engine reports (ModelInfo.contextLength); 4096 when config.json does not say */
  max_position_embeddings: number;
  bos_token_id?: number;
  eos_token_ids: number[];
  tie_word_embeddings: boolean;
}

/** A value from the file as the error shows it: short, whatever the file holds. */
function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function bad(field: string, why: string): EngineError {
  return new EngineError(`config.json: field '${field}' ${why}`, EngineErrorCodes.BadCheckpoint);
}

type Json = Record<string, unknown>;

/**
 * The largest value each size may take: well above any released DeepSeek checkpoint (V3: 61 layers, 256 experts,
 * 129280 vocabulary), far below what would make the engine allocate without bound while it plans the tensors.
 */
const MAX: Record<string, number> = {
  vocab_size: 1 << 22,
  hidden_size: 1 << 16,
  intermediate_size: 1 << 20,
  moe_intermediate_size: 1 << 18,
  num_hidden_layers: 1024,
  first_k_dense_replace: 1024,
  num_attention_heads: 1024,
  q_lora_rank: 1 << 16,
  kv_lora_rank: 1 << 16,
  qk_nope_head_dim: 4096,
  qk_rope_head_dim: 4096,
  v_head_dim: 4096,
  n_routed_experts: 4096,
  n_shared_experts: 64,
  num_experts_per_tok: 256,
  n_group: 4096,
  topk_group: 4096,
  max_position_embeddings: 1 << 24,
};

/** At most this many tensors (layers x experts x 3 dominate): beyond it the plan alone would not fit in memory. */
const MAX_TENSORS = 2_000_000;
/** An absolute bound on parameters (DeepSeek-V3 has 6.7e11). */
const MAX_PARAMETERS = 1e13;

function int(c: Json, field: string, opts: { min?: number; fallback?: number } = {}): number {
  const v = c[field] ?? opts.fallback;
  if (v === undefined || v === null) throw bad(field, 'is missing');
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(field, `must be an integer, got ${show(v)}`);
  if (v < (opts.min ?? 1)) throw bad(field, `must be >= ${opts.min ?? 1}, got ${v}`);
  const max = MAX[field];
  if (max !== undefined && v > max) throw bad(field, `is ${v}, over the supported maximum ${max}`);
  return v;
}

function num(c: Json, field: string, fallback?: number): number {
  const v = c[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(field, `must be a number, got ${show(v)}`);
  return v;
}

function oneOf<T extends string>(c: Json, field: string, allowed: readonly T[], fallback?: T): T {
  const v = c[field] ?? fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw bad(field, `must be one of ${allowed.join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

function parseYarn(v: unknown): YarnScaling | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') throw bad('rope_scaling', 'must be an object or null');
  const r = v as Json;
  const type = r.type ?? r.rope_type;
  if (type !== 'yarn') throw bad('rope_scaling.type', `is not supported: ${show(type)} (only "yarn")`);
  const f = (name: string, fallback?: number) => {
    const x = r[name] ?? fallback;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(`rope_scaling.${name}`, 'must be a number');
    return x;
  };
  // Defaults are the official ModelArgs defaults (beta_fast 32, beta_slow 1, mscale 1).
  return {
    factor: f('factor'),
    originalMaxPositionEmbeddings: f('original_max_position_embeddings'),
    beta_fast: f('beta_fast', 32),
    beta_slow: f('beta_slow', 1),
    mscale_all_dim: f('mscale_all_dim', 1),
  };
}

/** Parses and checks a config.json object; every unsupported value is an EngineError naming the field. */
export function parseConfig(c: Json): ModelConfig {
  const modelType = c.model_type;
  if (modelType !== 'deepseek_v2' && modelType !== 'deepseek_v3') {
    throw bad('model_type', `is not supported: ${show(modelType)} (expected deepseek_v2 or deepseek_v3)`);
  }
  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu') throw bad('hidden_act', `is not supported: ${show(act)} (only silu)`);
  if ((c.moe_layer_freq ?? 1) !== 1) throw bad('moe_layer_freq', 'must be 1');
  if (c.attention_bias === true) throw bad('attention_bias', 'true is not supported');
  const n_routed_experts = int(c, 'n_routed_experts');
  const num_experts_per_tok = int(c, 'num_experts_per_tok');
  if (num_experts_per_tok > n_routed_experts) throw bad('num_experts_per_tok', 'exceeds n_routed_experts');
  const topk_method = oneOf(c, 'topk_method', ['greedy', 'group_limited_greedy', 'noaux_tc'] as const, 'greedy');
  let n_group = int(c, 'n_group', { fallback: 1 });
  let topk_group = int(c, 'topk_group', { fallback: 1 });
  if (topk_method === 'greedy') {
    n_group = 1;
    topk_group = 1;
  }
  if (n_routed_experts % n_group !== 0) throw bad('n_group', `must divide n_routed_experts (${n_routed_experts})`);
  if (topk_group > n_group) throw bad('topk_group', 'exceeds n_group');
  if (topk_group * (n_routed_experts / n_group) < num_experts_per_tok) {
    throw bad('topk_group', 'keeps fewer experts than num_experts_per_tok');
  }
  const num_hidden_layers = int(c, 'num_hidden_layers');
  const first_k_dense_replace = int(c, 'first_k_dense_replace', { min: 0, fallback: 0 });
  if (first_k_dense_replace > num_hidden_layers) throw bad('first_k_dense_replace', 'exceeds num_hidden_layers');
  const qk_rope_head_dim = int(c, 'qk_rope_head_dim');
  if (qk_rope_head_dim % 2 !== 0) throw bad('qk_rope_head_dim', 'must be even');
  const qLora = c.q_lora_rank;
  const q_lora_rank = qLora === null || qLora === undefined || qLora === 0 ? 0 : int(c, 'q_lora_rank');
  const eos = c.eos_token_id;
  const eos_token_ids = eos === null || eos === undefined ? [] : Array.isArray(eos) ? (eos as unknown[]) : [eos];
  if (
    eos_token_ids.length > 64 ||
    !eos_token_ids.every((t) => typeof t === 'number' && Number.isSafeInteger(t) && t >= 0)
  ) {
    throw bad('eos_token_id', `must be a token id or a list of them, got ${show(eos)}`);
  }
  const bos = c.bos_token_id;
  const cfg: ModelConfig = {
    modelType,
    vocab_size: int(c, 'vocab_size'),
    hidden_size: int(c, 'hidden_size'),
    intermediate_size: int(c, 'intermediate_size'),
    moe_intermediate_size: int(c, 'moe_intermediate_size'),
    num_hidden_layers,
    first_k_dense_replace,
    num_attention_heads: int(c, 'num_attention_heads'),
    q_lora_rank,
    kv_lora_rank: int(c, 'kv_lora_rank'),
    qk_nope_head_dim: int(c, 'qk_nope_head_dim'),
    qk_rope_head_dim,
    v_head_dim: int(c, 'v_head_dim'),
    n_routed_experts,
    n_shared_experts: int(c, 'n_shared_experts', { min: 0, fallback: 0 }),
    num_experts_per_tok,
    n_group,
    topk_group,
    topk_method,
    scoring_func: oneOf(c, 'scoring_func', ['softmax', 'sigmoid'] as const, 'softmax'),
    norm_topk_prob: c.norm_topk_prob === true,
    routed_scaling_factor: num(c, 'routed_scaling_factor', 1),
    rms_norm_eps: num(c, 'rms_norm_eps', 1e-6),
    rope_theta: num(c, 'rope_theta', 10000),
    rope_scaling: parseYarn(c.rope_scaling),
    max_position_embeddings: int(c, 'max_position_embeddings', { fallback: 4096 }),
    bos_token_id: typeof bos === 'number' ? bos : undefined,
    eos_token_ids: eos_token_ids as number[],
    tie_word_embeddings: c.tie_word_embeddings === true,
  };
  if (cfg.tie_word_embeddings)
    throw bad('tie_word_embeddings', 'true is not supported (DeepSeek checkpoints are untied)');
  checkTotals(cfg);
  return cfg;
}

/** Parameters a config implies: all of them, and those outside the routed experts (resident whatever the routing). */
export function parameterCounts(cfg: ModelConfig): { total: number; resident: number; tensors: number } {
  const d = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const attn =
    (cfg.q_lora_rank > 0
      ? cfg.q_lora_rank * d + cfg.q_lora_rank + H * (cfg.qk_nope_head_dim + cfg.qk_rope_head_dim) * cfg.q_lora_rank
      : H * (cfg.qk_nope_head_dim + cfg.qk_rope_head_dim) * d) +
    (cfg.kv_lora_rank + cfg.qk_rope_head_dim) * d +
    cfg.kv_lora_rank +
    H * (cfg.qk_nope_head_dim + cfg.v_head_dim) * cfg.kv_lora_rank +
    d * H * cfg.v_head_dim +
    2 * d;
  const moeLayers = cfg.num_hidden_layers - cfg.first_k_dense_replace;
  const expert = 3 * d * cfg.moe_intermediate_size;
  const resident =
    2 * cfg.vocab_size * d +
    d +
    cfg.num_hidden_layers * attn +
    cfg.first_k_dense_replace * 3 * d * cfg.intermediate_size +
    moeLayers * (cfg.n_routed_experts * (d + 1) + cfg.n_shared_experts * expert);
  const total = resident + moeLayers * cfg.n_routed_experts * expert;
  const tensors = 4 + cfg.num_hidden_layers * 12 + moeLayers * (3 * cfg.n_routed_experts + 5);
  return { total, resident, tensors };
}

function checkTotals(cfg: ModelConfig): void {
  const { total, resident, tensors } = parameterCounts(cfg);
  if (tensors > MAX_TENSORS)
    throw bad(
      'n_routed_experts',
      `with num_hidden_layers ${cfg.num_hidden_layers} implies ${tensors} tensors, over the supported ${MAX_TENSORS}`,
    );
  if (total > MAX_PARAMETERS)
    throw bad(
      'num_hidden_layers',
      `and the sizes imply ${total.toExponential(2)} parameters, over the supported ${MAX_PARAMETERS.toExponential(0)}`,
    );
  // the parameters outside the routed experts are always in memory: at int4 at least half a byte each
  const memory = totalmem();
  if (resident / 2 > memory) {
    throw bad(
      'hidden_size',
      `and the sizes imply ${resident.toExponential(2)} always-resident parameters (${(resident / 2 / 2 ** 30).toFixed(1)} GiB even at int4), more than this machine's ${(memory / 2 ** 30).toFixed(1)} GiB`,
    );
  }
}

export function readConfig(dir: string): ModelConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path))
    throw new EngineError(`${path}: no config.json in the model folder`, EngineErrorCodes.BadCheckpoint);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new EngineError(`${path}: not valid JSON (${(e as Error).message})`, EngineErrorCodes.BadCheckpoint);
  }
  if (typeof json !== 'object' || json === null)
    throw new EngineError(`${path}: not a JSON object`, EngineErrorCodes.BadCheckpoint);
  if (Array.isArray(json)) throw new EngineError(`${path}: not a JSON object`, EngineErrorCodes.BadCheckpoint);
  try {
    return parseConfig(json as Json);
  } catch (e) {
    // name the file, not just "config.json"
    if (e instanceof EngineError) throw new EngineError(e.message.replace(/^config\.json:/, `${path}:`), e.code);
    throw e;
  }
}

/** Layers that run DeepSeekMoE (all after the first_k_dense_replace dense ones). */
export function isMoeLayer(cfg: ModelConfig, layer: number): boolean {
  return layer >= cfg.first_k_dense_replace;
}

export function moeLayerCount(cfg: ModelConfig): number {
  return cfg.num_hidden_layers - cfg.first_k_dense_replace;
}
