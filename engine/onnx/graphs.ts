// The graphs one checkpoint is run with. Per decoder layer:
//   attention graph: h += MLA(input_layernorm(h)); then for a dense layer h += MLP(post_attention_layernorm(h)),
//                    for a MoE layer it also returns the FFN input and the router logits (routing runs in JS);
//   experts graph (MoE layers): the shared experts on all tokens, and each routed expert on the rows routed to it
//                    (empty inputs for experts nobody chose: they cost a few microseconds and no weight reads).
// Plus embedding (Gather) and head (final norm + lm_head). Routed-expert weights go to their own external-data file
// per layer, so their residency can be read from the OS.
import type { ModelConfig } from '../checkpoint/config';
import { expertPrefix, layerPrefix } from '../checkpoint/tensors';
import { DataType, GraphBuilder } from './builder';
import { type WeightSource, linearWeight, rmsNorm, swigluMlp, vectorWeight } from './ops';
import { mla } from './mla';

export const expertInput = (e: number): string => `x_e${e}`;
export const expertOutput = (e: number): string => `y_e${e}`;

export function embedGraph(cfg: ModelConfig, src: WeightSource): Uint8Array {
  const g = new GraphBuilder('embed');
  const ids = g.input('input_ids', ['T'], DataType.INT64);
  const table = g.weight('model.embed_tokens.weight', src.ckpt.readF32('model.embed_tokens.weight'), [cfg.vocab_size, cfg.hidden_size], src.file);
  g.output(g.op('Gather', [table, ids], { axis: 0 }), 'hidden', ['T', cfg.hidden_size]);
  return g.serialize();
}

export function headGraph(cfg: ModelConfig, src: WeightSource): Uint8Array {
  const g = new GraphBuilder('head');
  const h = g.input('hidden', ['T', cfg.hidden_size]);
  const x = rmsNorm(g, h, vectorWeight(g, src, 'model.norm.weight', cfg.hidden_size), cfg.rms_norm_eps);
  const logits = g.op('MatMul', [x, linearWeight(g, src, 'lm_head.weight', cfg.vocab_size, cfg.hidden_size)]);
  g.output(logits, 'logits', ['T', cfg.vocab_size]);
  return g.serialize();
}

export function attentionGraph(cfg: ModelConfig, src: WeightSource, layer: number, softmaxScale: number, moe: boolean): Uint8Array {
  const g = new GraphBuilder(`layer${layer}.attention`);
  const d = cfg.hidden_size;
  const R = cfg.qk_rope_head_dim;
  const C = cfg.kv_lora_rank + R;
  const p = layerPrefix(layer);
  const h = g.input('hidden', ['T', d]);
  const cos = g.input('cos', ['T', R / 2]);
  const sin = g.input('sin', ['T', R / 2]);
  const mask = g.input('mask', ['T', 'S']);
  const pastLatent = g.input('past_latent', ['P', C]);
  const x = rmsNorm(g, h, vectorWeight(g, src, `${p}input_layernorm.weight`, d), cfg.rms_norm_eps);
  const attn = mla(g, src, cfg, layer, { x, cos, sin, mask, pastLatent }, softmaxScale);
  const h1 = g.op('Add', [h, attn.out]);
  g.output(attn.newLatent, 'new_latent', ['T', C]);
  const ffnIn = rmsNorm(g, h1, vectorWeight(g, src, `${p}post_attention_layernorm.weight`, d), cfg.rms_norm_eps);
  if (!moe) {
    g.output(g.op('Add', [h1, swigluMlp(g, src, `${p}mlp.`, ffnIn, d, cfg.intermediate_size)]), 'hidden_out', ['T', d]);
    return g.serialize();
  }
  g.output(h1, 'hidden_out', ['T', d]);
  g.output(ffnIn, 'ffn_input', ['T', d]);
  const gate = linearWeight(g, src, `${p}mlp.gate.weight`, cfg.n_routed_experts, d);
  g.output(g.op('MatMul', [ffnIn, gate]), 'router_logits', ['T', cfg.n_routed_experts]);
  return g.serialize();
}

/** Shared experts on `x_shared` [T, d]; routed expert e on `x_e{e}` [n_e, d]. */
export function expertsGraph(cfg: ModelConfig, shared: WeightSource, routed: WeightSource, layer: number): Uint8Array {
  const g = new GraphBuilder(`layer${layer}.experts`);
  const d = cfg.hidden_size;
  if (cfg.n_shared_experts > 0) {
    const x = g.input('x_shared', ['T', d]);
    const y = swigluMlp(g, shared, `${layerPrefix(layer)}mlp.shared_experts.`, x, d, cfg.n_shared_experts * cfg.moe_intermediate_size);
    g.output(y, 'y_shared', ['T', d]);
  }
  for (let e = 0; e < cfg.n_routed_experts; e++) {
    const x = g.input(expertInput(e), [`n${e}`, d]);
    g.output(swigluMlp(g, routed, expertPrefix(layer, e), x, d, cfg.moe_intermediate_size), expertOutput(e), [`n${e}`, d]);
  }
  return g.serialize();
}
