// Writes safetensors files (F32 / BF16 / F16), streaming tensor by tensor so multi-GB checkpoints fit in little memory.
// Used by the benchmark (synthetic checkpoints) and by tests (shards, dtypes, corrupt files).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Dtype } from './safetensors';

export interface TensorSpec {
  name: string;
  shape: number[];
  /** fills the tensor's float32 values (called once, when its turn to be written comes) */
  data: () => Float32Array;
}

const BYTES: Record<Dtype, number> = { F32: 4, BF16: 2, F16: 2 };

/** float32 -> bfloat16 bits, round to nearest even (as torch does). */
export function toBf16Bits(x: Float32Array): Uint16Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = u[i];
    out[i] = (v + 0x7fff + ((v >>> 16) & 1)) >>> 16;
  }
  return out;
}

function toF16Bits(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < x.length; i++) {
    f[0] = x[i];
    const b = u[0];
    const sign = (b >>> 16) & 0x8000;
    const exp = ((b >>> 23) & 0xff) - 127 + 15;
    const mant = b & 0x7fffff;
    if (exp >= 31) out[i] = sign | 0x7c00;
    else if (exp <= 0) out[i] = sign | (exp < -10 ? 0 : (mant | 0x800000) >> (1 - exp + 13));
    else out[i] = sign | (exp << 10) | (mant >> 13);
  }
  return out;
}

export function encode(values: Float32Array, dtype: Dtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bits = dtype === 'BF16' ? toBf16Bits(values) : toF16Bits(values);
  return new Uint8Array(bits.buffer);
}

export function writeSafetensors(path: string, tensors: TensorSpec[], dtype: Dtype = 'F32'): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    writeSync(fd, len);
    writeSync(fd, Buffer.from(json));
    for (const t of tensors) {
      const bytes = encode(t.data(), dtype);
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
    }
  } finally {
    closeSync(fd);
  }
}
