// One decoder layer: h += MLA(input_layernorm(h)); h += FFN(post_attention_layernorm(h)), the FFN a dense SwiGLU MLP
// for the first first_k_dense_replace layers and DeepSeekMoE after them. Graph half: the block's graph holds the
// attention and its residual, then either the dense MLP and its residual, or, for a MoE layer, the FFN input and the
// gate's logits (routing and the experts run in moe.ts). Runtime half: Block.forward, one layer of one step.
import type * as ort from 'onnxruntime-node';
import type { ModelConfig } from '../checkpoint/config';
import { layerPrefix } from '../checkpoint/tensors';
import { GraphBuilder } from '../onnx/builder';
import { type WeightSource, rmsNorm, swigluMlp, vectorWeight } from '../onnx/ops';
import { f32Tensor } from '../onnx/session';
import type { LatentCache } from './latent-cache';
import { gateLogits, type Routing } from './gate';
import { mla } from './mla';
import type { MoE } from './moe';

/** The block graph's inputs and outputs, for the builder and the feeds alike. */
export const BlockIO = {
  /** hidden [T, d], cos/sin [T, R/2], mask [T, P+T], past_latent [P, kv_lora_rank + R] */
  in: ['hidden', 'cos', 'sin', 'mask', 'past_latent'],
  /** hidden_out [T, d] (a MoE layer's: after attention only), new_latent [T, kv_lora_rank + R] */
  out: ['hidden_out', 'new_latent'],
  /** MoE layers only: ffn_input [T, d] = post_attention_layernorm(hidden_out), router_logits [T, E] */
  moeOut: ['ffn_input', 'router_logits'],
} as const;

type Name<K extends keyof typeof BlockIO> = (typeof BlockIO)[K][number];
/** What a step feeds every block: the rotary tables and the mask are the same for all layers. */
export type PositionFeeds = Record<Exclude<Name<'in'>, 'hidden' | 'past_latent'>, ort.Tensor>;
type BlockFeeds = Record<Name<'in'>, ort.Tensor>;
const [HIDDEN, COS, SIN, MASK, PAST_LATENT] = BlockIO.in;
const [HIDDEN_OUT, NEW_LATENT] = BlockIO.out;
const [FFN_INPUT, ROUTER_LOGITS] = BlockIO.moeOut;

export function blockGraph(
  cfg: ModelConfig,
  src: WeightSource,
  layer: number,
  softmaxScale: number,
  moe: boolean,
): Uint8Array {
  const g = new GraphBuilder(`layer${layer}.attention`);
  const d = cfg.hidden_size;
  const R = cfg.qk_rope_head_dim;
  const C = cfg.kv_lora_rank + R;
  const p = layerPrefix(layer);
  const h = g.input(HIDDEN, ['T', d]);
  const cos = g.input(COS, ['T', R / 2]);
  const sin = g.input(SIN, ['T', R / 2]);
  const mask = g.input(MASK, ['T', 'S']);
  const pastLatent = g.input(PAST_LATENT, ['P', C]);
  const x = rmsNorm(g, h, vectorWeight(g, src, `${p}input_layernorm.weight`, d), cfg.rms_norm_eps); // [T, d]
  const attn = mla(g, src, cfg, layer, { x, cos, sin, mask, pastLatent }, softmaxScale); // [T, d], [T, r+R]
  const h1 = g.op('Add', [h, attn.out]); // the first residual
  g.output(attn.newLatent, NEW_LATENT, ['T', C]);
  const ffnIn = rmsNorm(g, h1, vectorWeight(g, src, `${p}post_attention_layernorm.weight`, d), cfg.rms_norm_eps); // [T, d]
  if (!moe) {
    g.output(g.op('Add', [h1, swigluMlp(g, src, `${p}mlp.`, ffnIn, d, cfg.intermediate_size)]), HIDDEN_OUT, ['T', d]);
    return g.serialize();
  }
  g.output(h1, HIDDEN_OUT, ['T', d]);
  g.output(ffnIn, FFN_INPUT, ['T', d]);
  g.output(gateLogits(g, src, cfg, layer, ffnIn), ROUTER_LOGITS, ['T', cfg.n_routed_experts]); // [T, E]
  return g.serialize();
}

export interface BlockOptions {
  /** this layer's selection bias (the request's, plus the kept-experts mask) */
  selection?: Float32Array;
  /** keep the gate's unbiased scores in the routing (calibration) */
  routerScores?: boolean;
  /** the request's τ: skip a selected expert whose share of the token's mix is below it (gate.ts) */
  minExpertWeight?: number;
}

export class Block {
  constructor(
    readonly cfg: ModelConfig,
    readonly layer: number,
    private readonly graph: ort.InferenceSession,
    /** undefined for a dense layer */
    readonly moe: MoE | undefined,
  ) {}

  /** hidden [T, d] at positions cache.length.. -> hidden [T, d]; writes the layer's new latent rows to the cache. */
  async forward(
    hidden: ort.Tensor,
    positions: PositionFeeds,
    cache: LatentCache,
    opts: BlockOptions = {},
  ): Promise<{ hidden: ort.Tensor; routing?: Routing }> {
    const past = f32Tensor(cache.view(this.layer), [cache.length, cache.width]); // [P, r+R], zero-copy
    const feeds: BlockFeeds = { ...positions, [HIDDEN]: hidden, [PAST_LATENT]: past };
    const out = await this.graph.run(feeds);
    cache.write(this.layer, out[NEW_LATENT].data as Float32Array);
    if (!this.moe) return { hidden: out[HIDDEN_OUT] as ort.Tensor };
    const T = hidden.dims[0];
    const logits = out[ROUTER_LOGITS].data as Float32Array;
    const h1 = out[HIDDEN_OUT].data as Float32Array;
    const { hidden: h, routing } = await this.moe.forward(
      out[FFN_INPUT] as ort.Tensor,
      logits,
      h1,
      T,
      opts.selection,
      opts.routerScores,
      opts.minExpertWeight,
    );
    return { hidden: f32Tensor(h, [T, this.cfg.hidden_size]), routing };
  }

  release(): Promise<void> {
    return this.graph.release();
  }
}
