// A synthetic DeepSeek-V2-Lite-shaped checkpoint with random weights, written as BF16 safetensors in the Hugging Face
// layout: real dimensions (hidden 2048, 16 heads, kv_lora 512, 64 routed + 2 shared experts of 1408, top-6, dense
// first layer of 10944) with fewer layers. Written once per folder (a marker file records completion).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedTensors } from '../engine/checkpoint/tensors';
import { parseConfig } from '../engine/checkpoint/config';
import { type TensorSpec, writeSafetensors } from '../engine/checkpoint/safetensors-writer';

/** `qLoraRank` > 0 gives the queries a LoRA (as DeepSeek-V2 and V3 have, V2-Lite not). */
export function v2LiteConfig(layers: number, vocab: number, qLoraRank = 0): Record<string, unknown> {
  return {
    architectures: ['DeepseekV2ForCausalLM'],
    model_type: 'deepseek_v2',
    vocab_size: vocab,
    hidden_size: 2048,
    intermediate_size: 10944,
    moe_intermediate_size: 1408,
    num_hidden_layers: layers,
    first_k_dense_replace: 1,
    num_attention_heads: 16,
    num_key_value_heads: 16,
    q_lora_rank: qLoraRank > 0 ? qLoraRank : null,
    kv_lora_rank: 512,
    qk_nope_head_dim: 128,
    qk_rope_head_dim: 64,
    v_head_dim: 128,
    n_routed_experts: 64,
    n_shared_experts: 2,
    num_experts_per_tok: 6,
    n_group: 1,
    topk_group: 1,
    topk_method: 'greedy',
    scoring_func: 'softmax',
    norm_topk_prob: false,
    routed_scaling_factor: 1.0,
    moe_layer_freq: 1,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    rope_scaling: null,
    max_position_embeddings: 4096,
    bos_token_id: 0,
    eos_token_id: 1,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
  };
}

/** Uniform values with the variance of N(0, gain^2 / fan_in) (N(0,1) for embeddings, ~1 for norms). */
function randomTensor(name: string, shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (name.endsWith('layernorm.weight') || name.endsWith('norm.weight')) return out.fill(1);
  const fanIn = name.includes('embed_tokens') ? 1 : shape[shape.length - 1];
  const gain = name.endsWith('mlp.gate.weight') ? 2 : name === 'lm_head.weight' ? 2.5 : 1;
  const a = (gain * Math.sqrt(3)) / Math.sqrt(fanIn);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * a;
  }
  return out;
}

/** Where the benchmarks keep the synthetic checkpoint of a shape and its graphs (reused between runs). */
export const BENCH_ROOT = join(tmpdir(), 'switchyard-bench');
export const syntheticCheckpointDir = (layers: number, qLoraRank: number): string =>
  join(BENCH_ROOT, `v2lite-shaped-${layers}l${qLoraRank ? `-qlora${qLoraRank}` : ''}-bf16`);
export const BENCH_GRAPH_CACHE = join(BENCH_ROOT, 'graphs');

export function writeSyntheticCheckpoint(
  dir: string,
  layers = 4,
  vocab = 32000,
  qLoraRank = 0,
): { dir: string; built: boolean } {
  return writeRandomCheckpoint(dir, v2LiteConfig(layers, vocab, qLoraRank));
}

/** Random weights for any DeepSeek config (BF16, two shards with an index); skipped when already complete. */
export function writeRandomCheckpoint(
  dir: string,
  config: Record<string, unknown>,
  dtype: 'BF16' | 'F32' = 'BF16',
): { dir: string; built: boolean } {
  if (existsSync(join(dir, '.complete'))) return { dir, built: false };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const tensors: TensorSpec[] = expectedTensors(parseConfig(config)).map((t, i) => ({
    name: t.name,
    shape: t.shape,
    data: () => randomTensor(t.name, t.shape, 0x9e3779b9 ^ (i * 2654435761)),
  }));
  // two shards with an index, as real checkpoints come
  const half = Math.ceil(tensors.length / 2);
  const weightMap: Record<string, string> = {};
  [tensors.slice(0, half), tensors.slice(half)].forEach((part, s) => {
    const file = `model-0000${s + 1}-of-00002.safetensors`;
    writeSafetensors(join(dir, file), part, dtype);
    for (const t of part) weightMap[t.name] = file;
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  writeFileSync(join(dir, '.complete'), '');
  return { dir, built: true };
}
