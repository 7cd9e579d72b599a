// The GGUF metadata of llama.cpp's `deepseek2` architecture -> ModelConfig. The keys become the config.json fields
// they were written from (llama.cpp's convert_hf_to_gguf.py), and parseConfig checks them as it checks config.json,
// so both formats obey one set of rules; its errors are renamed to the GGUF key. What llama.cpp does not store is
// read from which tensors the file holds: the noaux_tc bias (exp_probs_b) and an untied output head.
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import { type ModelConfig, parseConfig } from './config';
import type { GgufValue } from './gguf';

const ARCH = 'deepseek2';

/** config.json field -> the GGUF key it comes from (after `deepseek2.`). */
const KEYS: Record<string, string> = {
  max_position_embeddings: 'context_length',
  hidden_size: 'embedding_length',
  intermediate_size: 'feed_forward_length',
  num_hidden_layers: 'block_count',
  num_attention_heads: 'attention.head_count',
  q_lora_rank: 'attention.q_lora_rank',
  kv_lora_rank: 'attention.kv_lora_rank',
  qk_rope_head_dim: 'rope.dimension_count',
  qk_nope_head_dim: 'attention.key_length_mla',
  v_head_dim: 'attention.value_length_mla',
  rms_norm_eps: 'attention.layer_norm_rms_epsilon',
  rope_theta: 'rope.freq_base',
  first_k_dense_replace: 'leading_dense_block_count',
  vocab_size: 'vocab_size',
  moe_intermediate_size: 'expert_feed_forward_length',
  n_routed_experts: 'expert_count',
  n_shared_experts: 'expert_shared_count',
  num_experts_per_tok: 'expert_used_count',
  routed_scaling_factor: 'expert_weights_scale',
  norm_topk_prob: 'expert_weights_norm',
  scoring_func: 'expert_gating_func',
  n_group: 'expert_group_count',
  topk_group: 'expert_group_used_count',
  'rope_scaling.type': 'rope.scaling.type',
  'rope_scaling.factor': 'rope.scaling.factor',
  'rope_scaling.original_max_position_embeddings': 'rope.scaling.original_context_length',
  'rope_scaling.mscale_all_dim': 'rope.scaling.yarn_log_multiplier',
  'rope_scaling.beta_fast': 'rope.scaling.yarn_beta_fast',
  'rope_scaling.beta_slow': 'rope.scaling.yarn_beta_slow',
};

/** llama_expert_gating_func_type */
const GATING: Record<number, string> = { 1: 'softmax', 2: 'sigmoid' };

function keyOf(field: string): string {
  if (field === 'bos_token_id') return 'tokenizer.ggml.bos_token_id';
  if (field === 'eos_token_id') return 'tokenizer.ggml.eos_token_id';
  return `${ARCH}.${KEYS[field] ?? field}`;
}

/**
 * The ModelConfig of a GGUF file from its metadata and tensor names; every problem is an EngineError naming the file
 * and the metadata key. An architecture other than deepseek2 is named in the error.
 */
export function ggufConfig(
  file: string,
  metadata: Record<string, GgufValue>,
  tensorNames: ReadonlySet<string>,
): ModelConfig {
  const bad = (key: string, why: string) =>
    new EngineError(`${file}: metadata '${key}' ${why}`, EngineErrorCodes.BadCheckpoint);
  const arch = metadata['general.architecture'];
  if (arch !== ARCH)
    throw bad(
      'general.architecture',
      `is ${JSON.stringify(arch)?.slice(0, 80)}: the engine runs DeepSeek-V2/V3 checkpoints, llama.cpp architecture 'deepseek2'`,
    );
  const get = (field: string): unknown => {
    const v = metadata[keyOf(field)];
    return typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const int = (field: string): number | undefined => {
    const v = get(field);
    return typeof v === 'number' ? v : undefined;
  };
  const rope = int('qk_rope_head_dim');
  // absorbed-MLA files (key_length_mla) and the earlier ones (key_length is then qk_nope + qk_rope)
  const keyMla = int('qk_nope_head_dim') ?? int('attention.key_length');
  const valueMla = int('v_head_dim') ?? int('attention.value_length');
  const gating = get('scoring_func');
  if (gating !== undefined && !(typeof gating === 'number' && gating in GATING))
    throw bad(keyOf('scoring_func'), `is ${String(gating)}: not softmax (1) or sigmoid (2)`);
  const layers = int('num_hidden_layers');
  const nextn = int('nextn_predict_layers') ?? 0; // MTP layers stored after the decoder layers
  const hasBias = [...tensorNames].some((n) => n.endsWith('.exp_probs_b.bias'));
  const nGroup = int('n_group') ?? 1;
  const scalingType = get('rope_scaling.type');
  const logMultiplier = get('rope_scaling.mscale_all_dim');
  const tokens = metadata['tokenizer.ggml.tokens'];
  const config: Record<string, unknown> = {
    model_type: gating === 2 || hasBias ? 'deepseek_v3' : 'deepseek_v2',
    vocab_size: get('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : undefined),
    hidden_size: get('hidden_size'),
    intermediate_size: get('intermediate_size'),
    moe_intermediate_size: get('moe_intermediate_size'),
    num_hidden_layers: layers === undefined ? get('num_hidden_layers') : layers - nextn,
    first_k_dense_replace: get('first_k_dense_replace'),
    num_attention_heads: get('num_attention_heads'),
    q_lora_rank: get('q_lora_rank') ?? 0,
    kv_lora_rank: get('kv_lora_rank'),
    qk_nope_head_dim: keyMla !== undefined && rope !== undefined ? keyMla - rope : undefined,
    qk_rope_head_dim: get('qk_rope_head_dim'),
    v_head_dim: valueMla,
    n_routed_experts: get('n_routed_experts'),
    n_shared_experts: get('n_shared_experts'),
    num_experts_per_tok: get('num_experts_per_tok'),
    n_group: nGroup,
    topk_group: get('topk_group') ?? 1,
    topk_method: hasBias ? 'noaux_tc' : nGroup > 1 ? 'group_limited_greedy' : 'greedy',
    scoring_func: GATING[typeof gating === 'number' ? gating : 1],
    norm_topk_prob: get('norm_topk_prob') === true,
    routed_scaling_factor: get('routed_scaling_factor'),
    rms_norm_eps: get('rms_norm_eps'),
    rope_theta: get('rope_theta'),
    rope_scaling:
      scalingType === undefined || scalingType === 'none'
        ? null
        : {
            type: scalingType,
            factor: get('rope_scaling.factor'),
            original_max_position_embeddings: get('rope_scaling.original_max_position_embeddings'),
            beta_fast: get('rope_scaling.beta_fast'),
            beta_slow: get('rope_scaling.beta_slow'),
            // llama.cpp stores 0.1 * mscale_all_dim (the YaRN attention-temperature coefficient)
            mscale_all_dim: typeof logMultiplier === 'number' ? logMultiplier / 0.1 : logMultiplier,
          },
    max_position_embeddings: get('max_position_embeddings'),
    bos_token_id: get('bos_token_id'),
    eos_token_id: get('eos_token_id'),
    tie_word_embeddings: !tensorNames.has('output.weight'),
  };
  try {
    return parseConfig(config);
  } catch (e) {
    const m = e instanceof EngineError ? /^config\.json: field '([^']+)' (.*)$/s.exec(e.message) : null;
    if (!m) throw e;
    if (m[1] === 'tie_word_embeddings') {
      throw new EngineError(
        `${file}: no tensor 'output.weight': a tied output head is not supported (DeepSeek checkpoints are untied)`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
    throw bad(keyOf(m[1]), m[2]);
  }
}
