// Building blocks shared by the model's graphs (engine/model/): RMSNorm, linear layers from checkpoint tensors and the
// SwiGLU MLP (dense layers, shared and routed experts). Weights come from the checkpoint (any dtype) and are stored as
// float32 external data, or, at int8 / int4, every projection matrix as MatMulNBits blocks (norms, router and biases
// stay float32).
import type { CheckpointWeights } from '../checkpoint/weights';
import type { WeightPrecision } from '../protocol';
import { DataType, type ExternalDataFile, type GraphBuilder } from './builder';
import { type QuantizedWeight, quantizeBlockwise } from './quantize';

/** What a graph needs to pull weights from: the checkpoint and the file they are written to. */
export interface WeightSource {
  ckpt: CheckpointWeights;
  file: ExternalDataFile;
  /** int8 / int4: every projection becomes MatMulNBits (block-wise quantized); norms, router and biases stay float32 */
  precision?: WeightPrecision;
}

export const isQuantized = (src: WeightSource): boolean => src.precision === 'int8' || src.precision === 'int4';
export const quantBits = (src: Pick<WeightSource, 'precision'>): 4 | 8 => (src.precision === 'int4' ? 4 : 8);

/**
 * MatMulNBits' accuracy_level: 4 quantizes the activations to int8 per block and accumulates in int32. Measured on this
 * CPU (2048 x 2048, 2 threads): 8-bit weights take 0.08 ms per row at level 4 against 13 ms at levels 0-2 (no fast
 * kernel); 4-bit 0.06 ms against 0.11-0.19 ms, and 64 rows are within noise of level 0.
 */
export const ACCURACY_LEVEL = 4;

/**
 * The checkpoint matrix `name` [N, K] as MatMulNBits blocks: the file's own where they map onto MatMulNBits exactly (a
 * GGUF's quantized matrices, each at the width its type needs, with zero points and mins where it has them:
 * CheckpointWeights.readBlocks), else its values quantized here at the source's bits.
 */
export function matrixBlocks(src: WeightSource, name: string, N: number, K: number): QuantizedWeight {
  const bits = quantBits(src);
  const q = src.ckpt.readBlocks?.(name, bits);
  if (!q) return quantizeBlockwise(src.ckpt.readF32(name), N, K, bits);
  const zpRow = Math.ceil((q.blocks * q.bits) / 8);
  if (
    q.packed.length !== (N * K * q.bits) / 8 ||
    q.scales.length !== N * q.blocks ||
    q.blocks * q.blockSize !== K ||
    (q.zeroPoints && q.zeroPoints.length !== N * zpRow) ||
    (q.mins && q.mins.length !== N * q.blocks)
  )
    throw new Error(`${src.ckpt.locate(name)}: blocks for [${N}, ${K}] expected`);
  return q;
}

/**
 * y = x W^T for a weight W [N, K] (any leading dims of x) with MatMulNBits: W as float32 values (quantized here at the
 * source's bits) or already as blocks (matrixBlocks), at their own bits, block size and zero points. A block's min
 * (weights.ts BlockMatrix.mins) adds min[n, b] * (the sum of x over block b): one small float MatMul of x's block sums
 * [.., K / blockSize] (blockSums) by the mins, beside the quantized one.
 */
export function quantizedLinear(
  g: GraphBuilder,
  src: WeightSource,
  name: string,
  w: Float32Array | QuantizedWeight,
  N: number,
  K: number,
  x: string,
): string {
  const q = w instanceof Float32Array ? quantizeBlockwise(w, N, K, quantBits(src)) : w;
  return blocksLinear(g, src.file, name, q, N, K, x);
}

/** quantizedLinear for blocks at hand, at `accuracyLevel` (tests measure the mapping's exactness at level 0). */
export function blocksLinear(
  g: GraphBuilder,
  file: ExternalDataFile,
  name: string,
  q: QuantizedWeight,
  N: number,
  K: number,
  x: string,
  accuracyLevel: number = ACCURACY_LEVEL,
): string {
  const { bits, blockSize } = q;
  const inputs = [
    x,
    g.rawWeight(`${name}.q${bits}`, q.packed, [N, q.blocks, (blockSize * bits) / 8], DataType.UINT8, file),
    g.weight(`${name}.scales`, q.scales, [N * q.blocks], file),
  ];
  if (q.zeroPoints)
    inputs.push(g.rawWeight(`${name}.zero_points`, q.zeroPoints, [q.zeroPoints.length], DataType.UINT8, file));
  const y = g.op(
    'MatMulNBits',
    inputs,
    { K, N, bits, block_size: blockSize, accuracy_level: accuracyLevel },
    'com.microsoft',
  );
  if (!q.mins) return y;
  const mins = g.weight(`${name}.mins_t`, transpose(q.mins, N, q.blocks), [q.blocks, N], file);
  return g.op('Add', [y, g.op('MatMul', [blockSums(g, file, x, K, blockSize), mins])]);
}

/** Per graph, the block sums already computed: `${x} ${K} ${blockSize}` -> the value's name. */
const BLOCK_SUMS = new WeakMap<GraphBuilder, Map<string, string>>();

/**
 * x [.., K] -> its sums over each block of `blockSize` [.., K / blockSize], as x times a 0/1 block-indicator matrix:
 * a MatMul keeps any leading dims (no Shape / Reshape nodes), and each x's sums are computed once per graph, shared by
 * every projection of it with mins (an MoE group's experts all read the same x): two nodes per projection (MatMul,
 * Add) instead of six. On bench/gguf-kquant-load.ts's model the mins cost no measurable speed either way (decode 129
 * tok/s with them, 133 with them left out, interleaved runs on a loaded 2-core machine).
 */
function blockSums(g: GraphBuilder, file: ExternalDataFile, x: string, K: number, blockSize: number): string {
  const cache = BLOCK_SUMS.get(g) ?? new Map<string, string>();
  BLOCK_SUMS.set(g, cache);
  const key = `${x} ${K} ${blockSize}`;
  let sums = cache.get(key);
  if (!sums) {
    const indicatorKey = `indicator ${K} ${blockSize}`;
    let indicator = cache.get(indicatorKey);
    if (!indicator) {
      const blocks = K / blockSize;
      const p = new Float32Array(K * blocks);
      for (let k = 0; k < K; k++) p[k * blocks + Math.floor(k / blockSize)] = 1;
      indicator = g.weight(`block_indicator_${K}_${blockSize}`, p, [K, blocks], file);
      cache.set(indicatorKey, indicator);
    }
    sums = g.op('MatMul', [x, indicator]);
    cache.set(key, sums);
  }
  return sums;
}

/**
 * The rows `ids` [T] of the table `name` [V, d] through com.microsoft GatherBlockQuantized, which dequantizes only
 * the gathered rows: the file's own blocks at their bits and block size (matrixBlocks), a block's min added after the
 * gather (the mins gathered alike, [T, blocks], broadcast over each block).
 */
export function blockGather(
  g: GraphBuilder,
  src: WeightSource,
  name: string,
  V: number,
  d: number,
  ids: string,
): string {
  const q = matrixBlocks(src, name, V, d);
  const { bits, blockSize, blocks } = q;
  const inputs = [
    g.rawWeight(`${name}.q${bits}`, q.packed, [V, (d * bits) / 8], DataType.UINT8, src.file),
    ids,
    g.weight(`${name}.scales`, q.scales, [V, blocks], src.file),
  ];
  if (q.zeroPoints)
    inputs.push(
      g.rawWeight(`${name}.zero_points`, q.zeroPoints, [V, q.zeroPoints.length / V], DataType.UINT8, src.file),
    );
  const attrs = { bits, block_size: blockSize, gather_axis: 0, quantize_axis: 1 };
  const rows = g.op('GatherBlockQuantized', inputs, attrs, 'com.microsoft');
  if (!q.mins) return rows;
  const mins = g.op('Gather', [g.weight(`${name}.mins`, q.mins, [V, blocks], src.file), ids], { axis: 0 });
  const perBlock = g.op('Reshape', [rows, g.constI64([-1, blocks, blockSize])]);
  const shifted = g.op('Add', [perBlock, g.op('Unsqueeze', [mins, g.constI64([2])])]);
  return g.op('Reshape', [shifted, g.constI64([-1, d])]);
}

/**
 * y = x W^T for the checkpoint projection `name` [N, K] at the source's precision: MatMulNBits when quantized, else a
 * float32 MatMul over the stored transpose.
 */
export function linear(g: GraphBuilder, src: WeightSource, name: string, N: number, K: number, x: string): string {
  if (isQuantized(src)) return quantizedLinear(g, src, name, matrixBlocks(src, name, N, K), N, K, x);
  return g.op('MatMul', [x, linearWeight(g, src, name, N, K)]);
}

/** [rows, cols] -> [cols, rows] */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const B = 64; // blocked, so both sides stay in cache
  for (let r0 = 0; r0 < rows; r0 += B) {
    for (let c0 = 0; c0 < cols; c0 += B) {
      const r1 = Math.min(rows, r0 + B);
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = w[r * cols + c];
    }
  }
  return out;
}

/** A checkpoint projection [out, in] stored as its transpose [in, out], so the graph computes y = x W^T as MatMul. */
export function linearWeight(g: GraphBuilder, src: WeightSource, name: string, outDim: number, inDim: number): string {
  return g.weight(name, transpose(src.ckpt.readF32(name), outDim, inDim), [inDim, outDim], src.file);
}

export function vectorWeight(g: GraphBuilder, src: WeightSource, name: string, dim: number): string {
  return g.weight(name, src.ckpt.readF32(name), [dim], src.file);
}

/** x * rsqrt(mean(x^2) + eps) * weight over the last axis (onnxruntime's fused kernel, float32 throughout). */
export function rmsNorm(g: GraphBuilder, x: string, weight: string, eps: number): string {
  return g.op('SimplifiedLayerNormalization', [x, weight], { axis: -1, epsilon: { float: eps }, stash_type: 1 });
}

/** down(silu(gate(x)) * up(x)), with gate and up fused into one [d, 2I] MatMul. */
export function swigluMlp(
  g: GraphBuilder,
  src: WeightSource,
  prefix: string,
  x: string,
  d: number,
  inter: number,
): string {
  if (isQuantized(src)) {
    // gate and up rows stacked: one [2I, d] quantized projection (blocks are per row, so stacking the two matrices'
    // blocks is quantizing the stacked rows); two where a file stores them in different forms
    const gate = matrixBlocks(src, `${prefix}gate_proj.weight`, inter, d);
    const up = matrixBlocks(src, `${prefix}up_proj.weight`, inter, d);
    const gu = sameForm(gate, up)
      ? quantizedLinear(g, src, `${prefix}gate_up_proj.weight`, stackRows(gate, up), 2 * inter, d, x)
      : g.op(
          'Concat',
          [
            quantizedLinear(g, src, `${prefix}gate_proj.weight`, gate, inter, d, x),
            quantizedLinear(g, src, `${prefix}up_proj.weight`, up, inter, d, x),
          ],
          { axis: -1 },
        );
    const [gt, u] = g.node('Split', [gu, g.constI64([inter, inter])], { axis: -1 }, 2);
    const act = g.op('Mul', [g.op('Mul', [gt, g.op('Sigmoid', [gt])]), u]);
    return linear(g, src, `${prefix}down_proj.weight`, d, inter, act);
  }
  const gate = transpose(src.ckpt.readF32(`${prefix}gate_proj.weight`), inter, d);
  const up = transpose(src.ckpt.readF32(`${prefix}up_proj.weight`), inter, d);
  const gateUp = new Float32Array(d * 2 * inter);
  for (let i = 0; i < d; i++) {
    gateUp.set(gate.subarray(i * inter, (i + 1) * inter), i * 2 * inter);
    gateUp.set(up.subarray(i * inter, (i + 1) * inter), i * 2 * inter + inter);
  }
  const wGateUp = g.weight(`${prefix}gate_up_proj.weight_t`, gateUp, [d, 2 * inter], src.file);
  const wDown = linearWeight(g, src, `${prefix}down_proj.weight`, d, inter);
  const [gt, u] = g.node('Split', [g.op('MatMul', [x, wGateUp]), g.constI64([inter, inter])], { axis: -1 }, 2);
  const act = g.op('Mul', [g.op('Mul', [gt, g.op('Sigmoid', [gt])]), u]);
  return g.op('MatMul', [act, wDown]);
}

/** Whether two matrices' rows can stack into one MatMulNBits weight (same bits, block size, zero-point input). */
const sameForm = (a: QuantizedWeight, b: QuantizedWeight): boolean =>
  a.bits === b.bits && a.blockSize === b.blockSize && a.blocks === b.blocks && !a.zeroPoints === !b.zeroPoints;

/** a's rows then b's (sameForm); a min of 0 for the rows of one without mins. */
function stackRows(a: QuantizedWeight, b: QuantizedWeight): QuantizedWeight {
  const out: QuantizedWeight = {
    bits: a.bits,
    blockSize: a.blockSize,
    blocks: a.blocks,
    packed: concatBytes(a.packed, b.packed),
    scales: concatF32(a.scales, b.scales),
  };
  if (a.zeroPoints && b.zeroPoints) out.zeroPoints = concatBytes(a.zeroPoints, b.zeroPoints);
  if (a.mins || b.mins)
    out.mins = concatF32(a.mins ?? new Float32Array(a.scales.length), b.mins ?? new Float32Array(b.scales.length));
  return out;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function concatF32(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
