// The DeepSeek-V2/V3 transformer, one step: embed the tokens, run every block (MLA, then a dense MLP or DeepSeekMoE),
// then the final norm and lm_head. The same step serves a fresh prefill (start 0), a prefill after a cached prefix, and
// one-token decode. Graph half: the embedding and head graphs. Runtime half: Transformer, over onnxruntime sessions of
// the graphs in the on-disk cache (engine/onnx/graph-cache.ts).
import * as ort from 'onnxruntime-node';
import type { ModelConfig } from '../checkpoint/config';
import { DataType, GraphBuilder } from '../onnx/builder';
import type { GraphFiles } from './graphs';
import { type WeightSource, blockGather, isQuantized, linear, rmsNorm, vectorWeight } from '../onnx/ops';
import { QUANT_BLOCK_SIZE } from '../onnx/quantize';
import { createSession, f32Tensor } from '../onnx/session';
import type { SelectionBias } from '../runtime/api';
import { LatentCache } from './latent-cache';
import { Block, type PositionFeeds } from './block';
import type { Routing } from './gate';
import { causalMask, latentWidth } from './mla';
import { type ExpertDispatch, type ExpertGroups, MoE } from './moe';
import { ropeInvFreq, ropeTables } from './rope';

/** The embedding and head graphs' inputs and outputs. */
export const EmbedIO = { in: ['input_ids'], out: ['hidden'] } as const;
export const HeadIO = { in: ['hidden'], out: ['logits'] } as const;

/**
 * input_ids [T] -> hidden [T, d]: a Gather from embed_tokens. Quantized (when d is whole blocks), the table is stored as
 * MatMulNBits' blocks along d (a GGUF's own) and com.microsoft GatherBlockQuantized dequantizes only the gathered rows.
 */
export function embedGraph(cfg: ModelConfig, src: WeightSource): Uint8Array {
  const g = new GraphBuilder('embed');
  const ids = g.input(EmbedIO.in[0], ['T'], DataType.INT64);
  const [V, d] = [cfg.vocab_size, cfg.hidden_size];
  const name = 'model.embed_tokens.weight';
  let hidden: string;
  if (isQuantized(src) && d % QUANT_BLOCK_SIZE === 0) {
    hidden = blockGather(g, src, name, V, d, ids); // a GGUF's own blocks, whatever their type
  } else {
    hidden = g.op('Gather', [g.weight(name, src.ckpt.readF32(name), [V, d], src.file), ids], { axis: 0 });
  }
  g.output(hidden, EmbedIO.out[0], ['T', d]);
  return g.serialize();
}

/** hidden [T, d] -> logits [T, V]: the final RMSNorm and lm_head. */
export function headGraph(cfg: ModelConfig, src: WeightSource): Uint8Array {
  const g = new GraphBuilder('head');
  const h = g.input(HeadIO.in[0], ['T', cfg.hidden_size]);
  const x = rmsNorm(g, h, vectorWeight(g, src, 'model.norm.weight', cfg.hidden_size), cfg.rms_norm_eps);
  const logits = linear(g, src, 'lm_head.weight', cfg.vocab_size, cfg.hidden_size, x);
  g.output(logits, HeadIO.out[0], ['T', cfg.vocab_size]);
  return g.serialize();
}

export interface StepResult {
  /** [rows, vocab] logits of the requested rows (all, or only the last) */
  logits: Float32Array;
  rows: number;
  /** per MoE layer, the routing of the step's tokens */
  routing: Routing[];
}

export interface StepOptions {
  selectionBias?: SelectionBias;
  /** adaptive expert count: skip a selected expert whose share of the token's mix is below this (0/undefined: never) */
  minExpertWeight?: number;
  /** compute logits for every position (forward) or only the last one (generation) */
  allLogits?: boolean;
  /** keep every router's unbiased scores in the routing (calibration) */
  routerScores?: boolean;
}

export interface TransformerOptions {
  threads: number;
  /** per layer, e_score_correction_bias (noaux_tc MoE layers), else undefined */
  correctionBias: (Float32Array | undefined)[];
  /** quantized graphs need their prepacked layout (onnxruntime-node's fast MatMulNBits kernel) */
  prepack?: boolean;
  /** every MoE layer's routed-expert groups, opened on first use (the caller owns and releases them) */
  routed: ExpertGroups;
  /** which rows each routed expert runs on; default only the selected ones (bench/ passes a dense baseline) */
  dispatch?: ExpertDispatch;
}

export class Transformer {
  private readonly invFreq: Float32Array;

  private constructor(
    readonly cfg: ModelConfig,
    private readonly embed: ort.InferenceSession,
    private readonly blocks: Block[],
    private readonly head: ort.InferenceSession,
  ) {
    this.invFreq = ropeInvFreq(cfg);
  }

  static async create(cfg: ModelConfig, files: GraphFiles, opts: TransformerOptions): Promise<Transformer> {
    const embed = await createSession(files.embed, opts.threads); // GatherBlockQuantized reads the mapped table: no prepacking, only touched rows resident
    const head = await createSession(files.head, opts.threads, opts.prepack);
    const blocks: Block[] = [];
    for (let l = 0; l < cfg.num_hidden_layers; l++) {
      const graph = await createSession(files.attention[l], opts.threads, opts.prepack);
      const e = files.experts[l];
      const shared = e?.shared ? await createSession(e.shared, opts.threads, opts.prepack) : undefined;
      const moe = e ? new MoE(cfg, l, shared, opts.routed, opts.correctionBias[l], opts.dispatch) : undefined;
      blocks.push(new Block(cfg, l, graph, moe));
    }
    return new Transformer(cfg, embed, blocks, head);
  }

  newCache(): LatentCache {
    return new LatentCache(this.cfg.num_hidden_layers, latentWidth(this.cfg));
  }

  /** Runs `tokens` at positions cache.length.. and appends their latent entries to the cache. */
  async step(tokens: number[], cache: LatentCache, opts: StepOptions = {}): Promise<StepResult> {
    const d = this.cfg.hidden_size;
    const T = tokens.length;
    const P = cache.length;
    cache.reserve(T);
    const ids = new ort.Tensor(
      'int64',
      BigInt64Array.from(tokens, (t) => BigInt(t)),
      [T],
    );
    let hidden = (await this.embed.run({ [EmbedIO.in[0]]: ids }))[EmbedIO.out[0]]; // [T, d]
    const { cos, sin } = ropeTables(this.invFreq, P, T);
    const positions: PositionFeeds = {
      cos: f32Tensor(cos, [T, this.invFreq.length]), // [T, R/2]
      sin: f32Tensor(sin, [T, this.invFreq.length]),
      mask: f32Tensor(causalMask(P, T), [T, P + T]),
    };
    const routing: Routing[] = []; // one per MoE layer so far, so routing.length is the next MoE layer's index
    for (const block of this.blocks) {
      const out = await block.forward(hidden, positions, cache, {
        selection: opts.selectionBias?.[routing.length],
        routerScores: opts.routerScores,
        minExpertWeight: opts.minExpertWeight,
      });
      hidden = out.hidden;
      if (out.routing) routing.push(out.routing);
    }
    cache.commit(tokens);
    const rows = opts.allLogits ? T : 1;
    const last = opts.allLogits
      ? hidden
      : f32Tensor((hidden.data as Float32Array).subarray((T - 1) * d, T * d), [1, d]);
    const logits = (await this.head.run({ [HeadIO.in[0]]: last }))[HeadIO.out[0]].data as Float32Array; // [rows, V]
    return { logits, rows, routing };
  }

  async dispose(): Promise<void> {
    await this.embed.release();
    await this.head.release();
    for (const b of this.blocks) {
      await b.release();
      await b.moe?.release();
    }
  }
}
