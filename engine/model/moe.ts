// DeepSeekMoE: the shared experts on every token plus the k routed experts the gate picked, mixed by the gate's
// weights. Graph half: one experts graph per MoE layer (shared experts on all rows, routed expert e on the rows routed
// to it; empty inputs for experts nobody chose cost a few microseconds and no weight reads). Routed-expert weights go
// to their own external-data file per layer, so their residency can be read from the OS. Runtime half: the gate, the
// rows each expert runs on, and the combine h1 + shared(x) + sum_k w_k * expert_k(x).
import type * as ort from 'onnxruntime-node';
import type { ModelConfig } from '../checkpoint/config';
import { expertPrefix, layerPrefix } from '../checkpoint/tensors';
import { GraphBuilder } from '../onnx/builder';
import { type WeightSource, swigluMlp } from '../onnx/ops';
import { f32Tensor } from '../onnx/session';
import { type RouterBiases, type Routing, route } from './gate';

/** The experts graph's inputs and outputs: the shared experts' pair, and one pair per routed expert e. */
export const ExpertsIO = {
  /** [T, d] the FFN input, all rows */
  sharedIn: 'x_shared',
  /** [T, d] */
  sharedOut: 'y_shared',
  /** [n_e, d] the rows routed to expert e */
  routedIn: (e: number) => `x_e${e}` as const,
  /** [n_e, d] */
  routedOut: (e: number) => `y_e${e}` as const,
} as const;

/** Shared experts on ExpertsIO.sharedIn; routed expert e on ExpertsIO.routedIn(e). */
export function expertsGraph(cfg: ModelConfig, shared: WeightSource, routed: WeightSource, layer: number): Uint8Array {
  const g = new GraphBuilder(`layer${layer}.experts`);
  const d = cfg.hidden_size;
  if (cfg.n_shared_experts > 0) {
    const x = g.input(ExpertsIO.sharedIn, ['T', d]);
    const y = swigluMlp(
      g,
      shared,
      `${layerPrefix(layer)}mlp.shared_experts.`,
      x,
      d,
      cfg.n_shared_experts * cfg.moe_intermediate_size,
    );
    g.output(y, ExpertsIO.sharedOut, ['T', d]);
  }
  for (let e = 0; e < cfg.n_routed_experts; e++) {
    const x = g.input(ExpertsIO.routedIn(e), [`n${e}`, d]);
    g.output(swigluMlp(g, routed, expertPrefix(layer, e), x, d, cfg.moe_intermediate_size), ExpertsIO.routedOut(e), [
      `n${e}`,
      d,
    ]);
  }
  return g.serialize();
}

/** Per routed expert, the token rows it runs on and the mixing weight of each. */
export interface ExpertRows {
  rows: number[][];
  weights: number[][];
}

/** Which rows each expert runs on, given the routing of T tokens over E experts. */
export type ExpertDispatch = (r: Routing, T: number, E: number) => ExpertRows;

/** Only the selected experts, each on the rows that chose it: the engine's dispatch. */
export const selectedExperts: ExpertDispatch = (r, T, E) => {
  const rows: number[][] = Array.from({ length: E }, () => []);
  const weights: number[][] = Array.from({ length: E }, () => []);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < r.k; j++) {
      const e = r.ids[t * r.k + j];
      rows[e].push(t);
      weights[e].push(r.weights[t * r.k + j]);
    }
  }
  return { rows, weights };
};

export interface MoeResult {
  /** [T, d] h1 + the MoE output */
  hidden: Float32Array;
  routing: Routing;
}

/** One MoE layer: its experts session, the checkpoint's correction bias, and how rows go to experts. */
export class MoE {
  constructor(
    private readonly cfg: ModelConfig,
    private readonly experts: ort.InferenceSession,
    /** e_score_correction_bias (noaux_tc), undefined otherwise */
    private readonly correction: Float32Array | undefined,
    private readonly dispatch: ExpertDispatch = selectedExperts,
  ) {}

  /**
   * x [T, d] the FFN input, logits [T, E] its router logits, h1 [T, d] the residual stream after attention.
   * Returns h1 + shared(x) + sum_k w_k * expert_k(x), computing each expert only on the rows dispatched to it.
   */
  async forward(
    x: ort.Tensor,
    logits: Float32Array,
    h1: Float32Array,
    T: number,
    selection?: Float32Array,
    keepScores = false,
  ): Promise<MoeResult> {
    const cfg = this.cfg;
    const d = cfg.hidden_size;
    const E = cfg.n_routed_experts;
    const biases: RouterBiases = { correction: this.correction, selection };
    const routing = route(cfg, logits, T, biases, keepScores);
    const { rows: rowsOf, weights: weightOf } = this.dispatch(routing, T, E);
    const xs = x.data as Float32Array;
    const feeds: Record<string, ort.Tensor> = {};
    if (cfg.n_shared_experts > 0) feeds[ExpertsIO.sharedIn] = x;
    for (let e = 0; e < E; e++) {
      const rows = rowsOf[e];
      const xe = new Float32Array(rows.length * d); // [n_e, d]
      rows.forEach((t, i) => xe.set(xs.subarray(t * d, (t + 1) * d), i * d));
      feeds[ExpertsIO.routedIn(e)] = f32Tensor(xe, [rows.length, d]);
    }
    const out = await this.experts.run(feeds);
    const y = new Float32Array(T * d); // [T, d]
    for (let e = 0; e < E; e++) {
      const rows = rowsOf[e];
      if (rows.length === 0) continue;
      const ye = out[ExpertsIO.routedOut(e)].data as Float32Array; // [n_e, d]
      rows.forEach((t, i) => {
        const w = weightOf[e][i];
        for (let c = 0; c < d; c++) y[t * d + c] += ye[i * d + c] * w;
      });
    }
    const shared = cfg.n_shared_experts > 0 ? (out[ExpertsIO.sharedOut].data as Float32Array) : undefined;
    for (let i = 0; i < T * d; i++) y[i] = h1[i] + (shared ? y[i] + shared[i] : y[i]);
    return { hidden: y, routing };
  }

  release(): Promise<void> {
    return this.experts.release();
  }
}
