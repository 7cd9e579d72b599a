// One forward step of the DeepSeek-V2/V3 transformer over onnxruntime sessions: embed, then per layer the attention
// graph (MLA + dense MLP, or MLA + router logits), JS routing and the experts graph for MoE layers, then the head.
// The same step serves a fresh prefill (start 0), a prefill after a cached prefix, and one-token decode.
import * as ort from 'onnxruntime-node';
import type { ModelConfig } from '../checkpoint/config';
import type { GraphFiles } from '../onnx/graph-cache';
import { expertInput, expertOutput } from '../onnx/graphs';
import type { SelectionBias } from './api';
import { LatentCache } from './latent-cache';
import { ropeInvFreq, ropeTables } from './rope';
import { type Routing, route } from './router';

export interface StepResult {
  /** [rows, vocab] logits of the requested rows (all, or only the last) */
  logits: Float32Array;
  rows: number;
  /** per MoE layer, the routing of the step's tokens */
  routing: Routing[];
}

export interface StepOptions {
  selectionBias?: SelectionBias;
  /** compute logits for every position (forward) or only the last one (generation) */
  allLogits?: boolean;
  /** keep every router's unbiased scores in the routing (calibration) */
  routerScores?: boolean;
}

async function createSession(path: string, threads: number, prepack = false): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Float32 weights stay memory-mapped without prepacking (with it, onnxruntime copies every weight to the heap).
    // MatMulNBits has no fast kernel without its prepacked layout (measured ~100x slower), so quantized experts are
    // prepacked: resident in full, at a quarter (int8) or an eighth (int4) of their float32 size.
    // No spinning: idle threads that spin steal the core the other thread needs on a busy machine (4x slower decode).
    extra: { session: { disable_prepacking: prepack ? '0' : '1', 'intra_op.allow_spinning': '0' } },
  });
}

const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

export class Transformer {
  private readonly invFreq: Float32Array;
  private readonly latentWidth: number;

  private constructor(
    readonly cfg: ModelConfig,
    private readonly embed: ort.InferenceSession,
    private readonly head: ort.InferenceSession,
    private readonly attention: ort.InferenceSession[],
    private readonly experts: (ort.InferenceSession | undefined)[],
    private readonly correctionBias: (Float32Array | undefined)[],
    private readonly computeAllExperts: boolean,
  ) {
    this.invFreq = ropeInvFreq(cfg);
    this.latentWidth = cfg.kv_lora_rank + cfg.qk_rope_head_dim;
  }

  static async create(
    cfg: ModelConfig,
    files: GraphFiles,
    correctionBias: (Float32Array | undefined)[],
    threads: number,
    computeAllExperts = false,
    prepackExperts = false,
  ): Promise<Transformer> {
    const embed = await createSession(files.embed, threads);
    const head = await createSession(files.head, threads);
    const attention: ort.InferenceSession[] = [];
    const experts: (ort.InferenceSession | undefined)[] = [];
    for (let l = 0; l < cfg.num_hidden_layers; l++) {
      attention.push(await createSession(files.attention[l], threads));
      const e = files.experts[l];
      experts.push(e ? await createSession(e, threads, prepackExperts) : undefined);
    }
    return new Transformer(cfg, embed, head, attention, experts, correctionBias, computeAllExperts);
  }

  newCache(): LatentCache {
    return new LatentCache(this.cfg.num_hidden_layers, this.latentWidth);
  }

  /** Runs `tokens` at positions cache.length.. and appends their latent entries to the cache. */
  async step(tokens: number[], cache: LatentCache, opts: StepOptions = {}): Promise<StepResult> {
    const cfg = this.cfg;
    const T = tokens.length;
    const P = cache.length;
    const S = P + T;
    const d = cfg.hidden_size;
    cache.reserve(T);
    const ids = new ort.Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [T]);
    let hidden = (await this.embed.run({ input_ids: ids })).hidden as ort.Tensor;
    const { cos, sin } = ropeTables(this.invFreq, P, T);
    const cosT = tensor(cos, [T, this.invFreq.length]);
    const sinT = tensor(sin, [T, this.invFreq.length]);
    // causal within the new tokens; every cached position is visible
    const mask = new Float32Array(T * S);
    for (let t = 0; t < T; t++) mask.fill(-Infinity, t * S + P + t + 1, (t + 1) * S);
    const maskT = tensor(mask, [T, S]);
    const routing: Routing[] = [];
    for (let l = 0; l < cfg.num_hidden_layers; l++) {
      const out = await this.attention[l].run({
        hidden,
        cos: cosT,
        sin: sinT,
        mask: maskT,
        past_latent: tensor(cache.view(l), [P, this.latentWidth]),
      });
      cache.write(l, out.new_latent.data as Float32Array);
      const experts = this.experts[l];
      if (!experts) {
        hidden = out.hidden_out as ort.Tensor;
        continue;
      }
      const moeIndex = routing.length;
      const r = route(cfg, out.router_logits.data as Float32Array, T, {
        correction: this.correctionBias[l],
        selection: opts.selectionBias?.[moeIndex],
      }, opts.routerScores);
      routing.push(r);
      hidden = tensor(await this.moe(experts, r, out.ffn_input as ort.Tensor, out.hidden_out.data as Float32Array, T, d), [T, d]);
    }
    cache.commit(tokens);
    const rows = opts.allLogits ? T : 1;
    const h = hidden.data as Float32Array;
    const last = opts.allLogits ? hidden : tensor(h.subarray((T - 1) * d, T * d), [1, d]);
    const logits = (await this.head.run({ hidden: last })).logits.data as Float32Array;
    return { logits, rows, routing };
  }

  /** h1 + sum_k w_k * expert_k(x) + shared(x), computing only the chosen experts on their rows. */
  private async moe(session: ort.InferenceSession, r: Routing, x: ort.Tensor, h1: Float32Array, T: number, d: number): Promise<Float32Array> {
    const cfg = this.cfg;
    const E = cfg.n_routed_experts;
    const xs = x.data as Float32Array;
    const rowsOf: number[][] = Array.from({ length: E }, () => []);
    const weightOf: number[][] = Array.from({ length: E }, () => []);
    if (this.computeAllExperts) {
      for (let e = 0; e < E; e++) for (let t = 0; t < T; t++) (rowsOf[e].push(t), weightOf[e].push(0));
    }
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < r.k; j++) {
        const e = r.ids[t * r.k + j];
        if (this.computeAllExperts) weightOf[e][t] = r.weights[t * r.k + j];
        else {
          rowsOf[e].push(t);
          weightOf[e].push(r.weights[t * r.k + j]);
        }
      }
    }
    const feeds: Record<string, ort.Tensor> = {};
    if (cfg.n_shared_experts > 0) feeds.x_shared = x;
    for (let e = 0; e < E; e++) {
      const rows = rowsOf[e];
      const xe = new Float32Array(rows.length * d);
      rows.forEach((t, i) => xe.set(xs.subarray(t * d, (t + 1) * d), i * d));
      feeds[expertInput(e)] = tensor(xe, [rows.length, d]);
    }
    const out = await session.run(feeds);
    const y = new Float32Array(T * d);
    for (let e = 0; e < E; e++) {
      const rows = rowsOf[e];
      if (rows.length === 0) continue;
      const ye = out[expertOutput(e)].data as Float32Array;
      rows.forEach((t, i) => {
        const w = weightOf[e][i];
        for (let c = 0; c < d; c++) y[t * d + c] += ye[i * d + c] * w;
      });
    }
    const shared = cfg.n_shared_experts > 0 ? (out.y_shared.data as Float32Array) : undefined;
    for (let i = 0; i < T * d; i++) y[i] = h1[i] + (shared ? y[i] + shared[i] : y[i]);
    return y;
  }

  async dispose(): Promise<void> {
    for (const s of [this.embed, this.head, ...this.attention, ...this.experts]) await s?.release();
  }
}
