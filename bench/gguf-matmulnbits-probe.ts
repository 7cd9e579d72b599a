// `npx tsx bench/gguf-matmulnbits-probe.ts`: what onnxruntime-node's CPU MatMulNBits (com.microsoft) accepts and how
// fast it runs, for the forms a GGUF block can take: bits 4 / 8, block 16 / 32, no zero points (the default
// 2^(bits-1)), uint8 zero points (packed like the codes) or float zero points (the scales' type), at accuracy_level 0
// and 4. Per form: whether the session is created, the max |y - x W^T| of the dequantized W against max |y|, and
// ms per run at M = 1 and M = 64. Used to choose how GGUF blocks are handed to MatMulNBits
// (engine/checkpoint/matmulnbits-blocks.ts).
//
// Measured 2026-12-08, onnxruntime-node 1.30.0, N = K = 2048, 2 threads on a shared 2-core machine (noisy: +-2x):
//   bits block zp     level  M=1 ms  M=64 ms  rel. error        notes
//   4    32    none   0/4    0.38/2.0*  4.4/3.5  2e-7 / 3.2e-3   * noise; 0.27 in the run beside
//   4    32    uint8  0/4    0.39/0.27  4.3/3.2  2e-7 / 3.8e-3
//   4    32    float  0/4    6.6/8.3    8.5/11.6 3e-7 / 4e-7     the unpacked float path at every level: 25x slower
//   4    16    uint8  0/4    0.46/2.4   4.1/4.3  2e-7 / 4.7e-3
//   8    32    none   0/4    4.0/0.05   3.6/0.88 3e-7 / 3.9e-3   level 0 has no fast 8-bit kernel
//   8    32    uint8  0/4    2.2/0.05   3.4/0.87 6e-7 / 3.9e-3
//   8    16    none   0/4    17/0.07    15/2.9   3e-7 / 3.5e-3
//   8    16/32 float  any    refused at run time: "Only 2b and 4b quantization is supported for unpacked compute"
// So: no float zero points; uint8 zero points and block 16 work everywhere; the 8-bit level-4 kernel is the fastest.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DataType, ExternalDataFile, GraphBuilder } from '../engine/onnx/builder';
import { seededRandom } from '../engine/runtime/sampling';

const N = Number(process.env.N ?? 1024);
const K = Number(process.env.K ?? 1024);
const REPS = Number(process.env.REPS ?? 20);

type Zp = 'none' | 'uint8' | 'float';

async function probe(bits: 4 | 8, block: 16 | 32, zp: Zp, level: 0 | 4) {
  const next = seededRandom(bits * 1000 + block * 10 + level);
  const blocks = K / block;
  const codes = Uint8Array.from({ length: N * K }, () => Math.floor(next() * (1 << bits)));
  const scales = Float32Array.from({ length: N * blocks }, () => (next() + 0.5) * 0.01);
  // zero points: integer for uint8, fractional for float
  const zps = Float32Array.from({ length: N * blocks }, () =>
    zp === 'uint8' ? Math.floor(next() * (1 << bits)) : zp === 'float' ? next() * (1 << bits) : 1 << (bits - 1),
  );
  const packed = new Uint8Array((N * K * bits) / 8);
  for (let i = 0; i < N * K; i++) {
    if (bits === 8) packed[i] = codes[i];
    else packed[i >> 1] |= i & 1 ? codes[i] << 4 : codes[i];
  }
  const dir = mkdtempSync(join(tmpdir(), 'mnb-probe-'));
  const file = new ExternalDataFile(join(dir, 'w.bin'));
  const g = new GraphBuilder('probe');
  const x = g.input('x', ['M', K]);
  const B = g.rawWeight('B', packed, [N, blocks, (block * bits) / 8], DataType.UINT8, file);
  const S = g.weight('S', scales, [N * blocks], file);
  const inputs = [x, B, S];
  if (zp === 'float') inputs.push(g.weight('Z', zps, [N * blocks], file));
  if (zp === 'uint8') {
    const perRow = Math.ceil((blocks * bits) / 8);
    const z = new Uint8Array(N * perRow);
    for (let n = 0; n < N; n++)
      for (let b = 0; b < blocks; b++) {
        const v = zps[n * blocks + b];
        if (bits === 8) z[n * perRow + b] = v;
        else z[n * perRow + (b >> 1)] |= b & 1 ? v << 4 : v;
      }
    inputs.push(g.rawWeight('Z', z, [N * perRow], DataType.UINT8, file));
  }
  g.output(
    g.op('MatMulNBits', inputs, { K, N, bits, block_size: block, accuracy_level: level }, 'com.microsoft'),
    'y',
    ['M', N],
  );
  file.close();
  writeFileSync(join(dir, 'm.onnx'), g.serialize());
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(join(dir, 'm.onnx'), { intraOpNumThreads: 2 });
  } catch (e) {
    return { bits, block, zp, level, error: String((e as Error).message).slice(0, 160) };
  }
  const W = new Float32Array(N * K);
  for (let i = 0; i < N * K; i++) {
    const b = Math.floor(i / block); // n * blocks + k / block
    W[i] = (codes[i] - zps[b]) * scales[b];
  }
  const out: Record<string, unknown> = { bits, block, zp, level };
  for (const M of [1, 64]) {
    const xs = Float32Array.from({ length: M * K }, () => next() * 2 - 1);
    let y: Float32Array;
    try {
      y = (await session.run({ x: new ort.Tensor('float32', xs, [M, K]) })).y.data as Float32Array;
    } catch (e) {
      out.error = String((e as Error).message).slice(0, 160);
      return out;
    }
    let err = 0;
    let ref = 0;
    for (let m = 0; m < Math.min(M, 4); m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += xs[m * K + k] * W[n * K + k];
        err = Math.max(err, Math.abs(y[m * N + n] - s));
        ref = Math.max(ref, Math.abs(s));
      }
    const t = performance.now();
    for (let r = 0; r < REPS; r++) await session.run({ x: new ort.Tensor('float32', xs, [M, K]) });
    out[`M${M}_ms`] = Number(((performance.now() - t) / REPS).toFixed(3));
    out[`M${M}_relerr`] = Number((err / ref).toExponential(2));
  }
  await session.release();
  return out;
}

async function main() {
  for (const bits of [4, 8] as const)
    for (const block of [16, 32] as const)
      for (const zp of ['none', 'uint8', 'float'] as const)
        for (const level of [0, 4] as const) console.log(JSON.stringify(await probe(bits, block, zp, level)));
}

void main();
