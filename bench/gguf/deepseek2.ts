// A Hugging Face DeepSeek-V2/V3 checkpoint as a GGUF file for llama.cpp's `deepseek2` architecture, the way llama.cpp's
// own converter lays it out: MLA as absorbed attention (kv_b_proj split into attn_k_b, transposed, and attn_v_b; one
// KV head of kv_lora_rank + rope width), routed experts stacked into one 3-D tensor per projection, the noaux_tc bias as
// exp_probs_b, the folder's tokenizer.json as tokenizer metadata (tokenizer.ts). Every matrix is written at the chosen
// type; norms, the router and biases stay F32, and so does a matrix whose rows are not a whole number of 32-value
// blocks (as llama-quantize leaves them). Used by bench:engine to run llama.cpp on the very weights the engine runs,
// and by the tests that check it against the fixtures.
import { basename } from 'node:path';
import { isMoeLayer, readConfig, type ModelConfig } from '../../engine/checkpoint/config';
import { SafetensorsCheckpoint } from '../../engine/checkpoint/safetensors';
import { QK, decode, encode, type GgmlType } from './ggml-blocks';
import { tokenizerMetadata } from './tokenizer';
import { writeGguf, type GgufTensor, type MetaValue } from './writer';

/**
 * Q4_K_M: llama-quantize's mix, in short: Q4_K matrices, Q6_K for the down projections, attn_v_b and the output, Q8_0
 * where rows are no whole number of 256-value super-blocks.
 */
export type GgufPrecision = 'F32' | 'Q8_0' | 'Q4_0' | 'Q4_K_M';

/** llama_expert_gating_func_type */
const GATING = { softmax: 1, sigmoid: 2 } as const;

function metadata(cfg: ModelConfig, dir: string): Record<string, MetaValue> {
  const name = basename(dir);
  const a = 'deepseek2';
  const m: Record<string, MetaValue> = {
    'general.architecture': { str: a },
    'general.name': { str: name },
    [`${a}.context_length`]: { u32: cfg.max_position_embeddings },
    [`${a}.embedding_length`]: { u32: cfg.hidden_size },
    [`${a}.feed_forward_length`]: { u32: cfg.intermediate_size },
    [`${a}.block_count`]: { u32: cfg.num_hidden_layers },
    [`${a}.attention.head_count`]: { u32: cfg.num_attention_heads },
    // absorbed MLA is multi-query attention over the latent: one KV head of kv_lora_rank (+ the rope key)
    [`${a}.attention.head_count_kv`]: { u32: 1 },
    [`${a}.attention.key_length`]: { u32: cfg.kv_lora_rank + cfg.qk_rope_head_dim },
    [`${a}.attention.value_length`]: { u32: cfg.kv_lora_rank },
    [`${a}.attention.key_length_mla`]: { u32: cfg.qk_nope_head_dim + cfg.qk_rope_head_dim },
    [`${a}.attention.value_length_mla`]: { u32: cfg.v_head_dim },
    [`${a}.attention.kv_lora_rank`]: { u32: cfg.kv_lora_rank },
    [`${a}.attention.layer_norm_rms_epsilon`]: { f32: cfg.rms_norm_eps },
    [`${a}.rope.freq_base`]: { f32: cfg.rope_theta },
    [`${a}.rope.dimension_count`]: { u32: cfg.qk_rope_head_dim },
    [`${a}.leading_dense_block_count`]: { u32: cfg.first_k_dense_replace },
    [`${a}.vocab_size`]: { u32: cfg.vocab_size },
    [`${a}.expert_feed_forward_length`]: { u32: cfg.moe_intermediate_size },
    [`${a}.expert_count`]: { u32: cfg.n_routed_experts },
    [`${a}.expert_shared_count`]: { u32: cfg.n_shared_experts },
    [`${a}.expert_used_count`]: { u32: cfg.num_experts_per_tok },
    [`${a}.expert_weights_scale`]: { f32: cfg.routed_scaling_factor },
    [`${a}.expert_weights_norm`]: { bool: cfg.norm_topk_prob },
    [`${a}.expert_gating_func`]: { u32: GATING[cfg.scoring_func] },
  };
  if (cfg.q_lora_rank > 0) m[`${a}.attention.q_lora_rank`] = { u32: cfg.q_lora_rank };
  if (cfg.n_group > 1) {
    m[`${a}.expert_group_count`] = { u32: cfg.n_group };
    m[`${a}.expert_group_used_count`] = { u32: cfg.topk_group };
  }
  const y = cfg.rope_scaling;
  if (y) {
    m[`${a}.rope.scaling.type`] = { str: 'yarn' };
    m[`${a}.rope.scaling.factor`] = { f32: y.factor };
    m[`${a}.rope.scaling.original_context_length`] = { u32: y.originalMaxPositionEmbeddings };
    m[`${a}.rope.scaling.yarn_log_multiplier`] = { f32: 0.1 * y.mscale_all_dim };
  }
  return { ...m, ...(tokenizerMetadata(dir, cfg.vocab_size) ?? placeholderVocabulary(cfg)) };
}

/**
 * A placeholder SentencePiece vocabulary of the checkpoint's size, for a folder without tokenizer.json: llama.cpp
 * needs one to load a model, and the benchmark and tests feed token ids, never text. BOS and EOS are control tokens, 256 byte tokens follow (llama.cpp
 * looks up the newline byte), the rest are plain.
 */
function placeholderVocabulary(cfg: ModelConfig): Record<string, MetaValue> {
  const bos = cfg.bos_token_id ?? 0;
  const eos = cfg.eos_token_ids[0] ?? (bos === 1 ? 2 : 1);
  const tokens: string[] = [];
  const types: number[] = [];
  let byte = 0;
  for (let id = 0; id < cfg.vocab_size; id++) {
    if (id === bos || id === eos) {
      tokens.push(`<special_${id}>`);
      types.push(3);
    } else if (byte < 256) {
      tokens.push(`<0x${(byte++).toString(16).toUpperCase().padStart(2, '0')}>`);
      types.push(6);
    } else {
      tokens.push(`<tok_${id}>`);
      types.push(1);
    }
  }
  if (byte < 256) throw new Error(`a vocabulary of ${cfg.vocab_size} is too small for the placeholder tokens`);
  return {
    'tokenizer.ggml.model': { str: 'llama' },
    'tokenizer.ggml.tokens': { strs: tokens },
    'tokenizer.ggml.scores': { f32s: new Float32Array(cfg.vocab_size) },
    'tokenizer.ggml.token_type': { i32s: types },
    'tokenizer.ggml.bos_token_id': { u32: bos },
    'tokenizer.ggml.eos_token_id': { u32: eos },
    'tokenizer.ggml.add_bos_token': { bool: false },
  };
}

/** The GGUF tensors of the checkpoint, each read (and split, stacked or transposed) only when written. */
function tensors(cfg: ModelConfig, ckpt: SafetensorsCheckpoint, precision: GgufPrecision): GgufTensor[] {
  const out: GgufTensor[] = [];
  const matrixType = (rowLength: number, name: string): GgmlType => {
    if (precision === 'Q4_K_M') {
      // rows that are no whole number of super-blocks fall back to a 32-value type, as llama-quantize's do
      if (rowLength % 256 !== 0) return rowLength % QK === 0 ? 'Q8_0' : 'F32';
      return /ffn_down|attn_v_b|^output\./.test(name) ? 'Q6_K' : 'Q4_K';
    }
    return precision !== 'F32' && rowLength % QK === 0 ? precision : 'F32';
  };
  const plain = (
    name: string,
    hf: string,
    shape: number[],
    type: GgmlType = matrixType(shape[shape.length - 1], name),
  ) => out.push({ name, shape, type, data: () => ckpt.readF32(hf) });
  const norm = (name: string, hf: string, n: number) => plain(name, hf, [n], 'F32');
  const d = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const qkHead = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim;

  plain('token_embd.weight', 'model.embed_tokens.weight', [cfg.vocab_size, d]);
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    const b = `blk.${l}.`;
    norm(`${b}attn_norm.weight`, `${p}input_layernorm.weight`, d);
    if (cfg.q_lora_rank > 0) {
      plain(`${b}attn_q_a.weight`, `${p}self_attn.q_a_proj.weight`, [cfg.q_lora_rank, d]);
      norm(`${b}attn_q_a_norm.weight`, `${p}self_attn.q_a_layernorm.weight`, cfg.q_lora_rank);
      plain(`${b}attn_q_b.weight`, `${p}self_attn.q_b_proj.weight`, [H * qkHead, cfg.q_lora_rank]);
    } else {
      plain(`${b}attn_q.weight`, `${p}self_attn.q_proj.weight`, [H * qkHead, d]);
    }
    plain(`${b}attn_kv_a_mqa.weight`, `${p}self_attn.kv_a_proj_with_mqa.weight`, [
      cfg.kv_lora_rank + cfg.qk_rope_head_dim,
      d,
    ]);
    norm(`${b}attn_kv_a_norm.weight`, `${p}self_attn.kv_a_layernorm.weight`, cfg.kv_lora_rank);
    // kv_b_proj [H * (nope + v), kv_lora] = per head [nope rows of W_UK; v rows of W_UV]
    const kvB = () => ckpt.readF32(`${p}self_attn.kv_b_proj.weight`);
    const [nope, v, r] = [cfg.qk_nope_head_dim, cfg.v_head_dim, cfg.kv_lora_rank];
    out.push({
      name: `${b}attn_k_b.weight`, // [H, kv_lora, nope]: W_UK transposed, so q_nope is absorbed into the latent
      shape: [H, r, nope],
      type: matrixType(nope, 'attn_k_b'),
      data: () => {
        const w = kvB();
        const t = new Float32Array(H * r * nope);
        for (let h = 0; h < H; h++)
          for (let i = 0; i < nope; i++)
            for (let j = 0; j < r; j++) t[(h * r + j) * nope + i] = w[(h * (nope + v) + i) * r + j];
        return t;
      },
    });
    out.push({
      name: `${b}attn_v_b.weight`, // [H, v, kv_lora]: W_UV as it is
      shape: [H, v, r],
      type: matrixType(r, 'attn_v_b'),
      data: () => {
        const w = kvB();
        const t = new Float32Array(H * v * r);
        for (let h = 0; h < H; h++) t.set(w.subarray((h * (nope + v) + nope) * r, (h + 1) * (nope + v) * r), h * v * r);
        return t;
      },
    });
    plain(`${b}attn_output.weight`, `${p}self_attn.o_proj.weight`, [d, H * v]);
    norm(`${b}ffn_norm.weight`, `${p}post_attention_layernorm.weight`, d);
    if (!isMoeLayer(cfg, l)) {
      const I = cfg.intermediate_size;
      plain(`${b}ffn_gate.weight`, `${p}mlp.gate_proj.weight`, [I, d]);
      plain(`${b}ffn_up.weight`, `${p}mlp.up_proj.weight`, [I, d]);
      plain(`${b}ffn_down.weight`, `${p}mlp.down_proj.weight`, [d, I]);
      continue;
    }
    plain(`${b}ffn_gate_inp.weight`, `${p}mlp.gate.weight`, [cfg.n_routed_experts, d], 'F32');
    if (cfg.topk_method === 'noaux_tc')
      norm(`${b}exp_probs_b.bias`, `${p}mlp.gate.e_score_correction_bias`, cfg.n_routed_experts);
    const E = cfg.n_routed_experts;
    const I = cfg.moe_intermediate_size;
    for (const [gguf, hf, shape] of [
      ['gate', 'gate_proj', [I, d]],
      ['up', 'up_proj', [I, d]],
      ['down', 'down_proj', [d, I]],
    ] as const) {
      out.push({
        name: `${b}ffn_${gguf}_exps.weight`,
        shape: [E, ...shape],
        type: matrixType(shape[1], `ffn_${gguf}_exps`),
        data: () => {
          const t = new Float32Array(E * shape[0] * shape[1]);
          for (let e = 0; e < E; e++) t.set(ckpt.readF32(`${p}mlp.experts.${e}.${hf}.weight`), e * shape[0] * shape[1]);
          return t;
        },
      });
    }
    if (cfg.n_shared_experts > 0) {
      const S = cfg.n_shared_experts * I;
      plain(`${b}ffn_gate_shexp.weight`, `${p}mlp.shared_experts.gate_proj.weight`, [S, d]);
      plain(`${b}ffn_up_shexp.weight`, `${p}mlp.shared_experts.up_proj.weight`, [S, d]);
      plain(`${b}ffn_down_shexp.weight`, `${p}mlp.shared_experts.down_proj.weight`, [d, S]);
    }
  }
  norm('output_norm.weight', 'model.norm.weight', d);
  plain('output.weight', cfg.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight', [cfg.vocab_size, d]);
  return out;
}

/** The metadata and tensors of `dir`'s checkpoint as GGUF, every matrix at `precision` (nothing read yet). */
export function deepseek2Gguf(
  dir: string,
  precision: GgufPrecision,
): { metadata: Record<string, MetaValue>; tensors: GgufTensor[] } {
  const cfg = readConfig(dir);
  return { metadata: metadata(cfg, dir), tensors: tensors(cfg, new SafetensorsCheckpoint(dir), precision) };
}

/** Writes `dir`'s checkpoint to `file` as GGUF with every matrix at `precision`. */
export function writeDeepseek2Gguf(dir: string, file: string, precision: GgufPrecision): void {
  const { metadata, tensors } = deepseek2Gguf(dir, precision);
  writeGguf(file, metadata, tensors);
}

/**
 * Writes `dir`'s checkpoint as an F32 GGUF holding exactly the values `precision`'s blocks decode to: what an engine
 * that dequantizes computes with, so llama.cpp can run the same numbers without its quantized kernels.
 */
export function writeDeepseek2GgufDequantized(dir: string, file: string, precision: GgufPrecision): void {
  const { metadata, tensors } = deepseek2Gguf(dir, precision);
  const asF32 = (t: GgufTensor): GgufTensor => {
    if (t.type === 'F32') return t;
    const data = () => {
      const x = t.data();
      return decode(t.type, encode(t.type, x), x.length);
    };
    return { ...t, type: 'F32', data };
  };
  writeGguf(file, metadata, tensors.map(asF32));
}
