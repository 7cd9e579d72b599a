// A GGUF v3 file writer (the format ggml's gguf.cpp reads): header, typed metadata, tensor infos, then the tensor data,
// each aligned to `general.alignment` (32). Dimensions are written innermost first (ggml's ne[0] is a row's length),
// the reverse of a PyTorch / safetensors shape.
import { closeSync, openSync, writeSync } from 'node:fs';
import { byteSize, encode, GGML_TYPE_ID, type GgmlType } from './ggml-blocks';

const ALIGNMENT = 32;

/** A metadata value and the GGUF type it is written as. */
export type MetaValue =
  | { u32: number }
  | { i32: number }
  | { f32: number }
  | { bool: boolean }
  | { str: string }
  | { strs: readonly string[] }
  | { f32s: ArrayLike<number> }
  | { i32s: ArrayLike<number> };

export interface GgufTensor {
  name: string;
  /** PyTorch order, outermost first ([rows, row length] for a matrix) */
  shape: readonly number[];
  type: GgmlType;
  data: () => Float32Array;
}

const T = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;

class Bytes {
  private parts: Buffer[] = [];
  length = 0;
  private push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  raw(b: Buffer): void {
    this.push(b);
  }
  pad(): void {
    const n = (ALIGNMENT - (this.length % ALIGNMENT)) % ALIGNMENT;
    if (n) this.push(Buffer.alloc(n));
  }
  take(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeValue(out: Bytes, v: MetaValue): void {
  if ('u32' in v) {
    out.u32(T.UINT32);
    out.u32(v.u32);
  } else if ('i32' in v) {
    out.u32(T.INT32);
    out.i32(v.i32);
  } else if ('f32' in v) {
    out.u32(T.FLOAT32);
    out.f32(v.f32);
  } else if ('bool' in v) {
    out.u32(T.BOOL);
    out.raw(Buffer.from([v.bool ? 1 : 0]));
  } else if ('str' in v) {
    out.u32(T.STRING);
    out.str(v.str);
  } else {
    out.u32(T.ARRAY);
    const [type, items, put] =
      'strs' in v
        ? [T.STRING, v.strs, (x: string) => out.str(x)]
        : 'f32s' in v
          ? [T.FLOAT32, Array.from(v.f32s), (x: number) => out.f32(x)]
          : [T.INT32, Array.from(v.i32s), (x: number) => out.i32(x)];
    out.u32(type);
    out.u64(items.length);
    for (const x of items as never[]) (put as (x: never) => void)(x);
  }
}

/** Writes the file; tensors are encoded one at a time, so memory holds one tensor, not the model. */
export function writeGguf(file: string, metadata: Record<string, MetaValue>, tensors: readonly GgufTensor[]): void {
  const head = new Bytes();
  head.raw(Buffer.from('GGUF', 'ascii'));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(Object.keys(metadata).length + 1);
  head.str('general.alignment');
  writeValue(head, { u32: ALIGNMENT });
  for (const [k, v] of Object.entries(metadata)) {
    head.str(k);
    writeValue(head, v);
  }
  let offset = 0;
  for (const t of tensors) {
    head.str(t.name);
    head.u32(t.shape.length);
    for (const d of [...t.shape].reverse()) head.u64(d);
    head.u32(GGML_TYPE_ID[t.type]);
    head.u64(offset);
    const n = t.shape.reduce((a, b) => a * b, 1);
    offset += Math.ceil(byteSize(t.type, n) / ALIGNMENT) * ALIGNMENT;
  }
  head.pad();
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head.take());
    for (const t of tensors) {
      const bytes = encode(t.type, t.data());
      writeSync(fd, bytes);
      const pad = (ALIGNMENT - (bytes.length % ALIGNMENT)) % ALIGNMENT;
      if (pad) writeSync(fd, Buffer.alloc(pad));
    }
  } finally {
    closeSync(fd);
  }
}
