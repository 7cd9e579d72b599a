// DeepSeekMoE: the shared experts on every token plus the k routed experts the gate picked, mixed by the gate's
// weights. Graph half: per MoE layer one shared-experts graph (all rows) and the routed experts in groups, one graph
// and one external-data file per group (routed expert e on the rows routed to it; empty inputs for experts of the
// group nobody chose cost a few microseconds and no weight reads). Why groups of their own: quantized weights are only
// fast in MatMulNBits' prepacked layout, which onnxruntime copies onto the heap when the session opens (without it
// ~170x slower, measured), so a session over all of a layer's experts made all of them resident at load. A group's
// session is opened the first time routing selects one of its experts and closed again to stay under the memory
// budget (../runtime/expert-pool.ts), so only selected experts become resident at every precision. Runtime half: the
// gate, the rows each expert runs on, and the combine h1 + shared(x) + sum_k w_k * expert_k(x).
import type * as ort from 'onnxruntime-node';
import type { ModelConfig } from '../checkpoint/config';
import { expertPrefix, layerPrefix } from '../checkpoint/tensors';
import { GraphBuilder } from '../onnx/builder';
import { type WeightSource, swigluMlp } from '../onnx/ops';
import { f32Tensor } from '../onnx/session';
import { type RouterBiases, type Routing, isComputed, route } from './gate';

/** The experts graphs' inputs and outputs: the shared experts' pair, and one pair per routed expert e. */
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

/**
 * Routed experts per group (one session each): consecutive experts, at most 64 groups a layer. One expert a group
 * where E <= 64 (DeepSeek-V2-Lite, the fixtures): a token's k experts make exactly k experts resident. A session costs
 * ~0.1 MB and an intra-op thread beyond its weights (measured), so DeepSeek-V3's 256 experts go 4 to a group rather
 * than 14848 sessions; E / n_group is a multiple of 4 there, so a group never spans two of DeepSeek's groups.
 */
export function expertsPerGroup(cfg: ModelConfig): number {
  return Math.ceil(cfg.n_routed_experts / 64);
}

/** The routed experts of group g: [first, end). */
export function groupExperts(cfg: ModelConfig, size: number, g: number): { first: number; end: number } {
  return { first: g * size, end: Math.min(cfg.n_routed_experts, (g + 1) * size) };
}

/** The shared experts on ExpertsIO.sharedIn (MoE layers with n_shared_experts > 0). */
export function sharedExpertsGraph(cfg: ModelConfig, shared: WeightSource, layer: number): Uint8Array {
  const g = new GraphBuilder(`layer${layer}.shared-experts`);
  const d = cfg.hidden_size;
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
  return g.serialize();
}

/** Routed expert e on ExpertsIO.routedIn(e), for the experts [first, end) of one group. */
export function routedExpertsGraph(
  cfg: ModelConfig,
  routed: WeightSource,
  layer: number,
  first: number,
  end: number,
): Uint8Array {
  const g = new GraphBuilder(`layer${layer}.experts${first}-${end - 1}`);
  const d = cfg.hidden_size;
  for (let e = first; e < end; e++) {
    const x = g.input(ExpertsIO.routedIn(e), [`n${e}`, d]);
    g.output(swigluMlp(g, routed, expertPrefix(layer, e), x, d, cfg.moe_intermediate_size), ExpertsIO.routedOut(e), [
      `n${e}`,
      d,
    ]);
  }
  return g.serialize();
}

/** Runs one group of a layer's routed experts, opening its session first when it is not resident. */
export interface ExpertGroups {
  readonly size: number;
  run(layer: number, group: number, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType>;
}

/** Per routed expert, the token rows it runs on and the mixing weight of each. */
export interface ExpertRows {
  rows: number[][];
  weights: number[][];
}

/** Which rows each expert runs on, given the routing of T tokens over E experts. */
export type ExpertDispatch = (r: Routing, T: number, E: number) => ExpertRows;

/** Only the selected experts (less those the gate skipped), each on the rows that chose it: the engine's dispatch. */
export const selectedExperts: ExpertDispatch = (r, T, E) => {
  const rows: number[][] = Array.from({ length: E }, () => []);
  const weights: number[][] = Array.from({ length: E }, () => []);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < r.k; j++) {
      if (!isComputed(r, t * r.k + j)) continue;
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

/**
 * One MoE layer: its shared-experts session, its routed-expert groups (opened when routing first selects one of
 * theirs), the checkpoint's correction bias, and how rows go to experts.
 */
export class MoE {
  constructor(
    private readonly cfg: ModelConfig,
    private readonly layer: number,
    /** undefined when the layer has no shared experts */
    private readonly shared: ort.InferenceSession | undefined,
    private readonly routed: ExpertGroups,
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
    minExpertWeight = 0,
  ): Promise<MoeResult> {
    const cfg = this.cfg;
    const d = cfg.hidden_size;
    const E = cfg.n_routed_experts;
    const biases: RouterBiases = { correction: this.correction, selection, minExpertWeight };
    const routing = route(cfg, logits, T, biases, keepScores);
    const { rows: rowsOf, weights: weightOf } = this.dispatch(routing, T, E);
    const xs = x.data as Float32Array;
    const y = new Float32Array(T * d); // [T, d]
    const size = this.routed.size;
    for (let grp = 0; grp * size < E; grp++) {
      const { first, end } = groupExperts(cfg, size, grp);
      let used = false;
      for (let e = first; e < end; e++) used ||= rowsOf[e].length > 0;
      if (!used) continue; // a group nobody chose is not run, and not opened
      const feeds: Record<string, ort.Tensor> = {};
      for (let e = first; e < end; e++) {
        const rows = rowsOf[e];
        const xe = new Float32Array(rows.length * d); // [n_e, d]
        rows.forEach((t, i) => xe.set(xs.subarray(t * d, (t + 1) * d), i * d));
        feeds[ExpertsIO.routedIn(e)] = f32Tensor(xe, [rows.length, d]);
      }
      const out = await this.routed.run(this.layer, grp, feeds);
      for (let e = first; e < end; e++) {
        const rows = rowsOf[e];
        if (rows.length === 0) continue;
        const ye = out[ExpertsIO.routedOut(e)].data as Float32Array; // [n_e, d]
        rows.forEach((t, i) => {
          const w = weightOf[e][i];
          for (let c = 0; c < d; c++) y[t * d + c] += ye[i * d + c] * w;
        });
      }
    }
    const shared = this.shared
      ? ((await this.shared.run({ [ExpertsIO.sharedIn]: x }))[ExpertsIO.sharedOut].data as Float32Array)
      : undefined;
    for (let i = 0; i < T * d; i++) y[i] = h1[i] + (shared ? y[i] + shared[i] : y[i]);
    return { hidden: y, routing };
  }

  /** The shared experts' session (the routed groups belong to the pool that opened them). */
  async release(): Promise<void> {
    await this.shared?.release();
  }
}
