// Reads safetensors checkpoints: one file or shards with model.safetensors.index.json. Only headers are read up front;
// tensor data is read on demand (one tensor at a time) and converted to float32, so a checkpoint larger than memory
// can still be turned into graphs.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import type { CheckpointWeights } from './weights';

export type Dtype = 'F32' | 'F16' | 'BF16';
const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  file: string;
  /** absolute byte offset of the data in `file` */
  offset: number;
  byteLength: number;
}

function badFile(file: string, why: string): EngineError {
  return new EngineError(`${file}: ${why}`, EngineErrorCodes.BadCheckpoint);
}

/** Shapes and offsets are file input: every number a non-negative safe integer, every extent inside the data. */
function tensorInfo(file: string, name: string, v: unknown, dataStart: number, size: number): TensorInfo {
  const bad = (why: string) => badFile(file, `tensor '${name.slice(0, 200)}' ${why}`);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('has a header entry that is not an object');
  const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof t.dtype !== 'string' || !(t.dtype in DTYPE_BYTES)) {
    throw bad(`has unsupported dtype ${JSON.stringify(t.dtype)?.slice(0, 40)} (F32, F16, BF16 are)`);
  }
  const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (!Array.isArray(t.shape) || t.shape.length > 8 || !t.shape.every(isCount))
    throw bad(`has shape ${JSON.stringify(t.shape)?.slice(0, 80)} is not a list of at most 8 sizes`);
  const shape = t.shape as number[];
  if (!Array.isArray(t.data_offsets) || t.data_offsets.length !== 2 || !t.data_offsets.every(isCount)) {
    throw bad(`has data_offsets ${JSON.stringify(t.data_offsets)?.slice(0, 80)} is not [begin, end] in bytes`);
  }
  const [begin, end] = t.data_offsets as [number, number];
  const count = shape.reduce((a, b) => a * b, 1);
  if (begin > end || end - begin !== count * DTYPE_BYTES[t.dtype])
    throw bad(`has data size ${end - begin}, which does not match shape [${shape}] ${t.dtype}`);
  if (dataStart + end > size)
    throw badFile(
      file,
      `truncated: tensor '${name.slice(0, 200)}' ends at byte ${dataStart + end} but the file has ${size} bytes`,
    );
  return { name, dtype: t.dtype as Dtype, shape, file, offset: dataStart + begin, byteLength: end - begin };
}

/** Two tensors sharing bytes is a corrupt (or crafted) header, not a checkpoint. */
function checkNoOverlap(file: string, tensors: TensorInfo[]): void {
  const sorted = tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].offset < prev.offset + prev.byteLength) {
      throw badFile(
        file,
        `tensors '${prev.name.slice(0, 200)}' and '${sorted[i].name.slice(0, 200)}' overlap in the file`,
      );
    }
  }
}

/** The header of one file as JSON, unchecked beyond its framing: what a tool may read of any safetensors file. */
export function readHeaderJson(file: string): { header: Record<string, unknown>; dataStart: number; size: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw badFile(file, `truncated safetensors file (${size} bytes)`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen <= 0 || 8 + headerLen > size || headerLen > 100_000_000) {
      throw badFile(file, `corrupt safetensors header length ${headerLen} (file has ${size} bytes)`);
    }
    const headerBuf = Buffer.alloc(headerLen);
    readSync(fd, headerBuf, 0, headerLen, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBuf.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw badFile(file, 'corrupt safetensors header (not JSON)');
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      throw badFile(file, 'corrupt safetensors header (not a JSON object)');
    return { header, dataStart: 8 + headerLen, size };
  } finally {
    closeSync(fd);
  }
}

/** Parses one file's header and checks every tensor's extent against the file size (a truncated file fails here). */
export function readHeader(file: string): TensorInfo[] {
  const { header, dataStart, size } = readHeaderJson(file);
  const out: TensorInfo[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    out.push(tensorInfo(file, name, v, dataStart, size));
  }
  checkNoOverlap(file, out);
  return out;
}

/** Every tensor of a checkpoint folder, by name. Honours model.safetensors.index.json when present. */
export class SafetensorsCheckpoint implements CheckpointWeights {
  readonly tensors = new Map<string, TensorInfo>();
  readonly files: string[];
  readonly configSource = 'config.json';

  constructor(readonly dir: string) {
    const indexPath = join(dir, 'model.safetensors.index.json');
    if (existsSync(indexPath)) {
      let index: { weight_map?: unknown } | null;
      try {
        index = JSON.parse(readFileSync(indexPath, 'utf8')) as typeof index;
      } catch {
        throw badFile(indexPath, 'not valid JSON');
      }
      const map = index?.weight_map as unknown;
      if (typeof map !== 'object' || map === null || Array.isArray(map))
        throw badFile(indexPath, "has no 'weight_map' object");
      for (const [name, f] of Object.entries(map)) {
        // a shard is a file of this folder: an index must not point the loader anywhere else
        if (typeof f !== 'string' || !/^[^/\\]+\.safetensors$/.test(f) || f.startsWith('.')) {
          throw badFile(
            indexPath,
            `weight_map['${name.slice(0, 200)}'] is ${JSON.stringify(f)?.slice(0, 100)}, not a .safetensors file in the model folder`,
          );
        }
      }
      this.files = [...new Set(Object.values(map as Record<string, string>))].map((f) => join(dir, f));
      for (const f of this.files)
        if (!existsSync(f)) throw badFile(f, 'listed in model.safetensors.index.json but missing');
      for (const f of this.files) for (const t of readHeader(f)) this.add(t);
      for (const [name, f] of Object.entries(map as Record<string, string>)) {
        const t = this.tensors.get(name);
        if (!t) throw badFile(join(dir, f), `tensor '${name}' listed in the index is not in the file`);
        if (basename(t.file) !== basename(f))
          throw badFile(join(dir, f), `tensor '${name}' is in ${basename(t.file)} instead`);
      }
    } else {
      this.files = readdirSync(dir)
        .filter((f) => f.endsWith('.safetensors'))
        .sort()
        .map((f) => join(dir, f));
      if (this.files.length === 0) throw badFile(dir, 'no *.safetensors file in the model folder');
      for (const f of this.files) for (const t of readHeader(f)) this.add(t);
    }
  }

  private add(t: TensorInfo): void {
    const prev = this.tensors.get(t.name);
    if (prev) throw badFile(t.file, `tensor '${t.name}' is also in ${prev.file}`);
    this.tensors.set(t.name, t);
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  get path(): string {
    return this.dir;
  }

  shape(name: string): number[] {
    return this.info(name).shape;
  }

  fileName(name: string): string {
    return name;
  }

  locate(name: string): string {
    return `${this.info(name).file}: tensor '${name}'`;
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw badFile(this.dir, `checkpoint has no tensor '${name}'`);
    return t;
  }

  /** The tensor as float32 (BF16 / F16 converted exactly). */
  readF32(name: string): Float32Array {
    const t = this.info(name);
    const raw = Buffer.allocUnsafe(t.byteLength);
    this.readBytes(t, raw);
    return toF32(raw, t.dtype);
  }

  /**
   * The tensor's values as stored (float32, or BF16 / F16 words), read straight into an aligned typed array: what the
   * graph builder quantizes row by row without a float32 copy of the matrix (engine/onnx/quantize-rows.ts).
   */
  readStored(name: string): StoredValues {
    const t = this.info(name);
    const bytes = new ArrayBuffer(t.byteLength);
    this.readBytes(t, new Uint8Array(bytes));
    return t.dtype === 'F32'
      ? { dtype: 'F32', data: new Float32Array(bytes) }
      : { dtype: t.dtype, data: new Uint16Array(bytes) };
  }

  /** Reads the tensor's bytes into `raw` (t.byteLength long). */
  private readBytes(t: TensorInfo, raw: Uint8Array): void {
    const fd = openSync(t.file, 'r');
    try {
      let done = 0;
      while (done < t.byteLength) {
        const n = readSync(fd, raw, done, t.byteLength - done, t.offset + done);
        if (n <= 0) throw badFile(t.file, `truncated while reading tensor '${t.name}'`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** A tensor's values as the file stores them: float32, or 16-bit words (BF16 or IEEE half). */
export type StoredValues = { dtype: 'F32'; data: Float32Array } | { dtype: 'BF16' | 'F16'; data: Uint16Array };

export function toF32(raw: Buffer, dtype: Dtype): Float32Array {
  const count = raw.byteLength / DTYPE_BYTES[dtype];
  if (dtype === 'F32') {
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(raw);
    return out;
  }
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  // a copy so the 16-bit view is aligned whatever the buffer's offset (safetensors is little-endian, as is x86/arm)
  const half = new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  if (dtype === 'BF16') {
    for (let i = 0; i < count; i++) bits[i] = half[i] << 16;
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = halfToFloat(half[i]);
  return out;
}

/** An IEEE half's bits as the number they stand for (exactly). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
