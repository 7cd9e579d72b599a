// Q4_K and Q6_K encoders in ggml's block layouts (ggml-common.h block_q4_K, block_q6_K), so a test or benchmark can
// write the matrices of a Q4_K_M file. The layouts are ggml's; the quantizer is a plain min / max one (not
// llama-quantize's search for the best scales), which is all a reader needs: any codes and scales are a valid block.
//   Q4_K: 256 values, 8 sub-blocks of 32: x = d * sc * q - dmin * m, sc and m 6-bit, q 4-bit    (144 bytes)
//   Q6_K: 256 values, 16 sub-blocks of 16: x = d * sc * (q - 32), sc int8, q 6-bit              (210 bytes)
import { fromF16, toF16 } from './ggml-blocks';

const f = Math.fround;
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** `values` (a multiple of 256) as Q4_K super-blocks. */
export function encodeQ4K(values: Float32Array): Buffer {
  const out = Buffer.alloc((values.length / 256) * 144);
  for (let b = 0; b < values.length / 256; b++) {
    const x = values.subarray(b * 256, (b + 1) * 256);
    const at = b * 144;
    // per sub-block: the step over its range, and the (non-negative) amount below zero
    const step: number[] = [];
    const below: number[] = [];
    for (let s = 0; s < 8; s++) {
      let lo = 0;
      let hi = 0;
      for (let j = 0; j < 32; j++) {
        lo = Math.min(lo, x[32 * s + j]);
        hi = Math.max(hi, x[32 * s + j]);
      }
      step.push((hi - lo) / 15);
      below.push(-lo);
    }
    const dBits = toF16(Math.max(...step) / 63);
    const minBits = toF16(Math.max(...below) / 63);
    const [d, dmin] = [fromF16(dBits), fromF16(minBits)];
    const sc = step.map((v) => (d ? clamp(Math.round(v / d), 0, 63) : 0));
    const mn = below.map((v) => (dmin ? clamp(Math.round(v / dmin), 0, 63) : 0));
    out.writeUInt16LE(dBits, at);
    out.writeUInt16LE(minBits, at + 2);
    for (let j = 0; j < 4; j++) {
      out[at + 4 + j] = sc[j] | ((sc[j + 4] >> 4) << 6);
      out[at + 8 + j] = mn[j] | ((mn[j + 4] >> 4) << 6);
      out[at + 12 + j] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
    }
    const q = (s: number, j: number) => {
      const d1 = f(d * sc[s]);
      return d1 ? clamp(Math.round((x[32 * s + j] + f(dmin * mn[s])) / d1), 0, 15) : 0;
    };
    // 32 bytes per pair of sub-blocks: the first's codes in the low nibbles, the second's in the high
    for (let p = 0; p < 4; p++)
      for (let l = 0; l < 32; l++) out[at + 16 + 32 * p + l] = q(2 * p, l) | (q(2 * p + 1, l) << 4);
  }
  return out;
}

/** `values` (a multiple of 256) as Q6_K super-blocks. */
export function encodeQ6K(values: Float32Array): Buffer {
  const out = Buffer.alloc((values.length / 256) * 210);
  for (let b = 0; b < values.length / 256; b++) {
    const x = values.subarray(b * 256, (b + 1) * 256);
    const at = b * 210;
    const step: number[] = [];
    for (let s = 0; s < 16; s++) {
      let amax = 0;
      for (let j = 0; j < 16; j++) amax = Math.max(amax, Math.abs(x[16 * s + j]));
      step.push(amax / 31);
    }
    const dBits = toF16(Math.max(...step) / 127);
    const d = fromF16(dBits);
    const sc = step.map((v) => (d ? clamp(Math.round(v / d), -128, 127) : 0));
    const q = Array.from({ length: 256 }, (_, i) => {
      const d1 = f(d * sc[i >> 4]);
      return (d1 ? clamp(Math.round(x[i] / d1), -32, 31) : 0) + 32;
    });
    // per 128 values: ql byte l holds values l / l + 64, byte l + 32 values l + 32 / l + 96; qh 2 bits of each four
    for (let h = 0; h < 2; h++) {
      for (let l = 0; l < 32; l++) {
        const [v0, v1, v2, v3] = [0, 32, 64, 96].map((k) => q[128 * h + l + k]);
        out[at + 64 * h + l] = (v0 & 15) | ((v2 & 15) << 4);
        out[at + 64 * h + l + 32] = (v1 & 15) | ((v3 & 15) << 4);
        out[at + 128 + 32 * h + l] = (v0 >> 4) | ((v1 >> 4) << 2) | ((v2 >> 4) << 4) | ((v3 >> 4) << 6);
      }
    }
    sc.forEach((s, i) => out.writeInt8(s, at + 192 + i));
    out.writeUInt16LE(dBits, at + 208);
  }
  return out;
}
