// `npx tsx bench/gguf-kquant-blocks.ts`: on DeepSeek-V2-Lite's matrix shapes, each ggml type a Q4_K_M / Q5_K_M file
// mixes, loaded at int4 two ways: the file's blocks mapped onto MatMulNBits exactly (matmulnbits-blocks.ts) and the
// old detour (dequantize to float32, quantize again at 4 bits). Per type: the conversion time of one matrix (median of
// 3), the relative error of MatMulNBits' x W^T (the engine's accuracy_level, 32 rows of x) against x W^T of ggml's
// values, and the graph's run time at 1 and 32 rows (median of 9, 2 threads). JSON lines to stdout. The weights are random (Gaussian-like), encoded with bench/gguf's encoders for Q4_K /
// Q6_K / Q8_0 / Q4_0 and as random codes (test/helpers' generators are not bench code) for the others.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { dequantize as ggml, type QuantTypeName } from '../engine/checkpoint/ggml-types';
import { matMulNBitsBlocks } from '../engine/checkpoint/matmulnbits-blocks';
import { ExternalDataFile, GraphBuilder } from '../engine/onnx/builder';
import { blocksLinear } from '../engine/onnx/ops';
import { type QuantizedWeight, quantizeBlockwise } from '../engine/onnx/quantize';
import { seededRandom } from '../engine/runtime/sampling';
import { encode } from './gguf/ggml-blocks';

const M = 32;

function weights(N: number, K: number, seed: number): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: N * K }, () => (next() + next() + next() - 1.5) * 0.05);
}

/** Random blocks of a type the bench encoder does not write: random codes, f16 scales (and mins) from the bytes. */
function randomRaw(type: QuantTypeName, n: number, seed: number): Buffer {
  const bytesPer = { Q4_1: 20, Q5_0: 22, Q5_1: 24, Q5_K: 176 }[type as 'Q4_1'] as number;
  const values = type === 'Q5_K' ? 256 : 32;
  const next = seededRandom(seed);
  const raw = Buffer.alloc((n / values) * bytesPer);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(next() * 256);
  for (let b = 0; b < n / values; b++) {
    raw.writeUInt16LE(0x2000 + Math.floor(next() * 0x400), b * bytesPer); // d ~ 2^-7
    if (type !== 'Q5_0') raw.writeUInt16LE(0xa400 + Math.floor(next() * 0x400), b * bytesPer + 2); // min ~ -2^-6
  }
  return raw;
}

async function measure(q: QuantizedWeight, N: number, K: number, w: Float32Array, x: Float32Array) {
  const dir = mkdtempSync(join(tmpdir(), 'kquant-bench-'));
  const file = new ExternalDataFile(join(dir, 'w.bin'));
  const g = new GraphBuilder('b');
  g.output(blocksLinear(g, file, 'w', q, N, K, g.input('x', ['M', K])), 'y', ['M', N]);
  file.close();
  writeFileSync(join(dir, 'm.onnx'), g.serialize());
  const s = await ort.InferenceSession.create(join(dir, 'm.onnx'), { intraOpNumThreads: 2 });
  const y = (await s.run({ x: new ort.Tensor('float32', x, [M, K]) })).y.data as Float32Array;
  // ms per run at 1 row (decode) and M rows (prefill), median of 9
  const timeRows = async (rows: number) => {
    const feed = { x: new ort.Tensor('float32', x.subarray(0, rows * K), [rows, K]) };
    const t: number[] = [];
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now();
      await s.run(feed);
      t.push(performance.now() - t0);
    }
    return Number(t.sort((a, b) => a - b)[4].toFixed(3));
  };
  const ms = { row1: await timeRows(1), [`rows${M}`]: await timeRows(M) };
  await s.release();
  let err = 0;
  let ref = 0;
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += x[m * K + k] * w[n * K + k];
      err = Math.max(err, Math.abs(y[m * N + n] - acc));
      ref = Math.max(ref, Math.abs(acc));
    }
  return { relerr: Number((err / ref).toExponential(2)), run_ms: ms };
}

function median3(f: () => void): number {
  const t: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[1];
}

async function main() {
  const cases: [QuantTypeName, number, number][] = [
    ['Q4_K', 1408, 2048], // gate / up of an expert
    ['Q6_K', 2048, 2048], // o_proj, lm_head rows in Q4_K_M
    ['Q5_K', 1408, 2048],
    ['Q8_0', 2048, 1408], // down: 1408 is no whole number of 256, llama-quantize falls back to a legacy type
    ['Q5_0', 2048, 1408],
    ['Q4_1', 2048, 1408],
    ['Q4_0', 2048, 1408],
  ];
  for (const [type, N, K] of cases) {
    const raw =
      type === 'Q4_K' || type === 'Q6_K' || type === 'Q8_0' || type === 'Q4_0'
        ? encode(type, weights(N, K, N + K))
        : randomRaw(type, N * K, N + K);
    const w = ggml(type, raw, N * K);
    const next = seededRandom(3);
    const x = Float32Array.from({ length: M * K }, () => next() * 2 - 1);
    let exact: QuantizedWeight | undefined;
    let again: QuantizedWeight | undefined;
    const exactMs = median3(() => (exact = matMulNBitsBlocks(type, 4, raw, K)));
    const againMs = median3(() => (again = quantizeBlockwise(ggml(type, raw, N * K), N, K, 4)));
    console.log(
      JSON.stringify({
        type,
        shape: [N, K],
        exact: {
          bits: exact!.bits,
          block: exact!.blockSize,
          ms: Math.round(exactMs),
          ...(await measure(exact!, N, K, w, x)),
        },
        requantized_int4: { ms: Math.round(againMs), ...(await measure(again!, N, K, w, x)) },
      }),
    );
  }
}

void main();
