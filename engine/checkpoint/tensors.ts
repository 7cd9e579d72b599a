// The tensors a DeepSeek-V2/V3 checkpoint must hold (HF names), derived from the ModelConfig, and the check that a
// folder holds exactly those with the right shapes. MTP layers (model.layers.{num_hidden_layers}.*) are ignored.
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import { type ModelConfig, isMoeLayer } from './config';
import type { CheckpointWeights } from './weights';

export interface ExpectedTensor {
  name: string;
  shape: number[];
}

export const layerPrefix = (layer: number): string => `model.layers.${layer}.`;
export const expertPrefix = (layer: number, expert: number): string => `${layerPrefix(layer)}mlp.experts.${expert}.`;

/** Every tensor the engine reads, with its shape ([out, in] for projections, as in the checkpoint). */
export function expectedTensors(cfg: ModelConfig): ExpectedTensor[] {
  const d = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const qkHead = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim;
  const out: ExpectedTensor[] = [{ name: 'model.embed_tokens.weight', shape: [cfg.vocab_size, d] }];
  const mlp = (prefix: string, inter: number) => {
    out.push({ name: `${prefix}gate_proj.weight`, shape: [inter, d] });
    out.push({ name: `${prefix}up_proj.weight`, shape: [inter, d] });
    out.push({ name: `${prefix}down_proj.weight`, shape: [d, inter] });
  };
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = layerPrefix(l);
    out.push({ name: `${p}input_layernorm.weight`, shape: [d] });
    out.push({ name: `${p}post_attention_layernorm.weight`, shape: [d] });
    const a = `${p}self_attn.`;
    if (cfg.q_lora_rank > 0) {
      out.push({ name: `${a}q_a_proj.weight`, shape: [cfg.q_lora_rank, d] });
      out.push({ name: `${a}q_a_layernorm.weight`, shape: [cfg.q_lora_rank] });
      out.push({ name: `${a}q_b_proj.weight`, shape: [H * qkHead, cfg.q_lora_rank] });
    } else {
      out.push({ name: `${a}q_proj.weight`, shape: [H * qkHead, d] });
    }
    out.push({ name: `${a}kv_a_proj_with_mqa.weight`, shape: [cfg.kv_lora_rank + cfg.qk_rope_head_dim, d] });
    out.push({ name: `${a}kv_a_layernorm.weight`, shape: [cfg.kv_lora_rank] });
    out.push({ name: `${a}kv_b_proj.weight`, shape: [H * (cfg.qk_nope_head_dim + cfg.v_head_dim), cfg.kv_lora_rank] });
    out.push({ name: `${a}o_proj.weight`, shape: [d, H * cfg.v_head_dim] });
    if (!isMoeLayer(cfg, l)) {
      mlp(`${p}mlp.`, cfg.intermediate_size);
      continue;
    }
    out.push({ name: `${p}mlp.gate.weight`, shape: [cfg.n_routed_experts, d] });
    if (cfg.topk_method === 'noaux_tc') {
      out.push({ name: `${p}mlp.gate.e_score_correction_bias`, shape: [cfg.n_routed_experts] });
    }
    for (let e = 0; e < cfg.n_routed_experts; e++) mlp(expertPrefix(l, e), cfg.moe_intermediate_size);
    if (cfg.n_shared_experts > 0) mlp(`${p}mlp.shared_experts.`, cfg.n_shared_experts * cfg.moe_intermediate_size);
  }
  out.push({ name: 'model.norm.weight', shape: [d] });
  out.push({ name: 'lm_head.weight', shape: [cfg.vocab_size, d] });
  return out;
}

/** Throws an EngineError naming the first missing or mis-shaped tensor (and its file). */
export function validateCheckpoint(cfg: ModelConfig, ckpt: CheckpointWeights): void {
  for (const want of expectedTensors(cfg)) {
    if (!ckpt.has(want.name)) {
      throw new EngineError(
        `${ckpt.path}: checkpoint has no tensor '${ckpt.fileName(want.name)}' (required by ${ckpt.configSource})`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
    const got = ckpt.shape(want.name);
    if (got.length !== want.shape.length || got.some((n, i) => n !== want.shape[i])) {
      throw new EngineError(
        `${ckpt.locate(want.name)} has shape [${got}] but ${ckpt.configSource} implies [${want.shape}]`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
  }
}
