// Reads a GGUF file (v2 / v3, llama.cpp's `deepseek2` layout, one file or llama-gguf-split shards) as the engine's checkpoint: the header through the
// maintained @huggingface/gguf parser, the tensor data read here at each tensor's offset (no mmap, one tensor at a
// time) and dequantized to float32 (ggml-types.ts), or handed to MatMulNBits as blocks (matmulnbits-blocks.ts). Tensors are served by their Hugging Face names, with llama.cpp's
// layout undone: the routed experts, stacked into one 3-D tensor per projection, are sliced back out; kv_b_proj,
// which llama.cpp's converter splits into attn_k_b (W_UK per head, transposed) and attn_v_b (W_UV), is put back
// together. DeepSeek's rope is already interleaved in the HF weights, so llama.cpp permutes nothing else.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { gguf, GGUFValueType, parseGgufShardFilename } from '@huggingface/gguf';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import { blockValues, byteLength, dequantize, ggmlTypeName, type GgmlTypeName } from './ggml-types';
import { matMulNBitsBlocks } from './matmulnbits-blocks';
import type { BlockMatrix, CheckpointWeights } from './weights';

/** One tensor as the file stores it. */
export interface GgufTensorInfo {
  name: string;
  /** the file that holds it (one shard of a split model) */
  file: string;
  type: GgmlTypeName;
  /** ggml order: ne[0] is a row's length */
  ne: number[];
  /** absolute byte offset in the file */
  offset: number;
  byteLength: number;
}

/** A metadata value as the parser gives it. */
export type GgufValue = string | number | bigint | boolean | GgufValue[];

function bad(file: string, why: string): EngineError {
  return new EngineError(`${file}: ${why}`, EngineErrorCodes.BadCheckpoint);
}

/**
 * The shortest decimal that is the same float32: what the converter was given (config.json's 1e-6, not float32's
 * 9.99999997e-7), so a GGUF file and its source folder give one ModelConfig.
 */
function shortestFloat32(x: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** The parsed header, every tensor's type, extent and alignment checked against the file. */
export async function readGgufHeader(
  file: string,
): Promise<{ metadata: Record<string, GgufValue>; tensors: GgufTensorInfo[] }> {
  let parsed: Awaited<ReturnType<typeof gguf>> & {
    typedMetadata: Record<string, { value: unknown; type: GGUFValueType }>;
  };
  try {
    parsed = await gguf(file, { allowLocalFile: true, typedMetadata: true });
  } catch (e) {
    throw bad(file, `not a readable GGUF file (${String((e as Error)?.message ?? e).slice(0, 200)})`);
  }
  const metadata = parsed.metadata as unknown as Record<string, GgufValue>;
  for (const [key, { value, type }] of Object.entries(parsed.typedMetadata)) {
    if (type === GGUFValueType.FLOAT32 && typeof value === 'number') metadata[key] = shortestFloat32(value);
  }
  const version = metadata.version;
  if (version !== 2 && version !== 3) throw bad(file, `GGUF version ${String(version)} is not supported (2 and 3 are)`);
  if (!parsed.littleEndian) throw bad(file, 'is a big-endian GGUF file (only little-endian is supported)');
  const alignment = Number(metadata['general.alignment'] ?? 32);
  if (!Number.isSafeInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw bad(file, `metadata 'general.alignment' is ${String(metadata['general.alignment'])}, not a power of two`);
  }
  const fd = openSync(file, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
  // the parser reads past the end as zeros: a header cut short shows only as ending beyond the file
  const headerEnd = parsed.tensorInfoByteRange[1];
  if (headerEnd > size)
    throw bad(file, `truncated: the GGUF header ends at byte ${headerEnd} but the file has ${size} bytes`);
  const dataStart = Number(parsed.tensorDataOffset);
  const seen = new Set<string>();
  const tensors = parsed.tensorInfos.map((t): GgufTensorInfo => {
    const where = `tensor '${t.name.slice(0, 200)}'`;
    if (seen.has(t.name)) throw bad(file, `${where} appears twice`);
    seen.add(t.name);
    const type = ggmlTypeName(t.dtype);
    if (!type)
      throw bad(
        file,
        `${where} has ggml type ${t.dtype}, which the engine does not read (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)`,
      );
    const ne = t.shape.map(Number);
    if (ne.length === 0 || ne.some((n) => !Number.isSafeInteger(n) || n <= 0))
      throw bad(file, `${where} has shape [${t.shape}]: no dimension, or one of 0`);
    if (ne[0] % blockValues(type) !== 0)
      throw bad(
        file,
        `${where} has rows of ${ne[0]} values, not a whole number of ${type} blocks (${blockValues(type)})`,
      );
    const count = ne.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count) || count > size * 8)
      throw bad(file, `${where} has shape [${ne}], more values than the file could hold`);
    const rel = Number(t.offset);
    if (rel % alignment !== 0)
      throw bad(
        file,
        `${where} data is misaligned: offset ${t.offset} is not a multiple of general.alignment ${alignment}`,
      );
    const offset = dataStart + rel;
    const bytes = byteLength(type, count);
    if (offset + bytes > size)
      throw bad(file, `truncated: ${where} ends at byte ${offset + bytes} but the file has ${size} bytes`);
    return { name: t.name, file, type, ne, offset, byteLength: bytes };
  });
  checkNoOverlap(file, tensors);
  return { metadata, tensors };
}

/** Two tensors sharing bytes is a corrupt (or crafted) header, not a checkpoint. */
function checkNoOverlap(file: string, tensors: GgufTensorInfo[]): void {
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].offset < prev.offset + prev.byteLength)
      throw bad(file, `tensors '${prev.name}' and '${sorted[i].name}' overlap in the file`);
  }
}

/** llama.cpp's name of each per-layer tensor ("blk.N." + this) beside the Hugging Face one ("model.layers.N." + that). */
const LAYER_NAMES: readonly (readonly [string, string])[] = [
  ['attn_norm.weight', 'input_layernorm.weight'],
  ['attn_q_a.weight', 'self_attn.q_a_proj.weight'],
  ['attn_q_a_norm.weight', 'self_attn.q_a_layernorm.weight'],
  ['attn_q_b.weight', 'self_attn.q_b_proj.weight'],
  ['attn_q.weight', 'self_attn.q_proj.weight'],
  ['attn_kv_a_mqa.weight', 'self_attn.kv_a_proj_with_mqa.weight'],
  ['attn_kv_a_norm.weight', 'self_attn.kv_a_layernorm.weight'],
  ['attn_kv_b.weight', 'self_attn.kv_b_proj.weight'], // the layout before absorbed MLA; attn_k_b + attn_v_b since
  ['attn_output.weight', 'self_attn.o_proj.weight'],
  ['ffn_norm.weight', 'post_attention_layernorm.weight'],
  ['ffn_gate.weight', 'mlp.gate_proj.weight'],
  ['ffn_up.weight', 'mlp.up_proj.weight'],
  ['ffn_down.weight', 'mlp.down_proj.weight'],
  ['ffn_gate_inp.weight', 'mlp.gate.weight'],
  ['exp_probs_b.bias', 'mlp.gate.e_score_correction_bias'],
  ['ffn_gate_shexp.weight', 'mlp.shared_experts.gate_proj.weight'],
  ['ffn_up_shexp.weight', 'mlp.shared_experts.up_proj.weight'],
  ['ffn_down_shexp.weight', 'mlp.shared_experts.down_proj.weight'],
];
const GLOBAL_NAMES: readonly (readonly [string, string])[] = [
  ['token_embd.weight', 'model.embed_tokens.weight'],
  ['output_norm.weight', 'model.norm.weight'],
  ['output.weight', 'lm_head.weight'],
];
/** The routed experts: "blk.N.ffn_X_exps.weight" [E, out, in] holds "model.layers.N.mlp.experts.e.X_proj.weight". */
const EXPERT_NAMES: readonly (readonly [string, string])[] = [
  ['ffn_gate_exps.weight', 'gate_proj.weight'],
  ['ffn_up_exps.weight', 'up_proj.weight'],
  ['ffn_down_exps.weight', 'down_proj.weight'],
];

/**
 * Every shard of the split model `file` names (PREFIX-NNNNN-of-MMMMM.gguf, llama-gguf-split's names), first to last;
 * `[file]` for a name that is not a shard's.
 */
export function ggufShardFiles(file: string): string[] {
  const shard = parseGgufShardFilename(file);
  if (!shard) return [file];
  return Array.from(
    { length: Number(shard.total) },
    (_, i) => `${shard.prefix}-${String(i + 1).padStart(5, '0')}-of-${shard.total}.gguf`,
  );
}

/** A Hugging Face tensor and how to make it from the file's. */
interface Source {
  /** the file's tensor it comes from (the first, when several) */
  from: GgufTensorInfo;
  shape: number[];
  read(): Float32Array;
  /** the matrix's bytes as stored, for readBlocks (absent where the layout is rebuilt across the blocks: kv_b) */
  raw?(): Uint8Array;
}

export class GgufCheckpoint implements CheckpointWeights {
  readonly configSource = 'the GGUF metadata';
  /** by GGUF name */
  readonly tensors: Map<string, GgufTensorInfo>;
  /** by Hugging Face name */
  private readonly sources = new Map<string, Source>();

  private constructor(
    readonly path: string,
    readonly files: string[],
    readonly metadata: Record<string, GgufValue>,
    tensors: GgufTensorInfo[],
  ) {
    this.tensors = new Map();
    for (const t of tensors) {
      const prev = this.tensors.get(t.name);
      if (prev) throw bad(t.file, `tensor '${t.name}' is also in ${prev.file}`);
      this.tensors.set(t.name, t);
    }
    this.mapNames();
  }

  /**
   * Opens a GGUF file, or a model split by llama-gguf-split (PREFIX-00001-of-0000N.gguf, any shard named): the
   * metadata is the first shard's, the tensors all shards'.
   */
  static async open(file: string): Promise<GgufCheckpoint> {
    const header = await readGgufHeader(file);
    const count = Number(header.metadata['split.count'] ?? 1);
    if (!(count > 1)) return new GgufCheckpoint(file, [file], header.metadata, header.tensors);
    const shard = parseGgufShardFilename(file);
    if (!shard || Number(shard.total) !== count) {
      throw bad(
        file,
        `metadata 'split.count' is ${count}, but the name is not PREFIX-NNNNN-of-${String(count).padStart(5, '0')}.gguf`,
      );
    }
    const files = ggufShardFiles(file);
    const headers = [];
    for (const f of files) {
      if (f !== file && !existsSync(f)) throw bad(f, `missing: shard of the split model ${file}`);
      headers.push(f === file ? header : await readGgufHeader(f));
    }
    const tensors = headers.flatMap((h) => h.tensors);
    const declared = headers[0].metadata['split.tensors.count'];
    if (declared !== undefined && Number(declared) !== tensors.length) {
      throw bad(
        files[0],
        `metadata 'split.tensors.count' is ${String(declared)} but the ${count} shards hold ${tensors.length} tensors`,
      );
    }
    return new GgufCheckpoint(file, files, headers[0].metadata, tensors);
  }

  private mapNames(): void {
    const whole = (t: GgufTensorInfo): Source => ({
      from: t,
      shape: [...t.ne].reverse(),
      read: () => this.readRange(t, 0, t.byteLength),
      raw: () => this.readRaw(t, 0, t.byteLength),
    });
    for (const [gguf, hf] of GLOBAL_NAMES) {
      const t = this.tensors.get(gguf);
      if (t) this.sources.set(hf, whole(t));
    }
    for (const t of this.tensors.values()) {
      const m = /^blk\.(\d+)\.(.+)$/.exec(t.name);
      if (!m) continue;
      const hfLayer = `model.layers.${m[1]}.`;
      const pair = LAYER_NAMES.find(([g]) => g === m[2]);
      if (pair) this.sources.set(hfLayer + pair[1], whole(t));
      const experts = EXPERT_NAMES.find(([g]) => g === m[2]);
      if (experts && t.ne.length === 3) {
        const [inDim, outDim, E] = t.ne;
        const bytes = t.byteLength / E;
        for (let e = 0; e < E; e++) {
          this.sources.set(`${hfLayer}mlp.experts.${e}.${experts[1]}`, {
            from: t,
            shape: [outDim, inDim],
            read: () => this.readRange(t, e * bytes, bytes),
            raw: () => this.readRaw(t, e * bytes, bytes), // expert e's rows: whole blocks, sliced as stored
          });
        }
      }
      if (m[2] === 'attn_k_b.weight') this.kvB(m[1], t);
    }
  }

  /**
   * kv_b_proj [H * (nope + v), kv_lora] from attn_k_b (ne [nope, kv_lora, H]: per head W_UK transposed) and attn_v_b
   * (ne [kv_lora, v, H]: per head W_UV), the inverse of what llama.cpp's converter does: per head, the nope rows of
   * W_UK then the v rows of W_UV. No raw(): attn_k_b's blocks run along nope, and kv_b's along kv_lora, so the
   * transpose crosses the blocks and a quantized load dequantizes this one matrix and quantizes it again.
   */
  private kvB(layer: string, kB: GgufTensorInfo): void {
    const vB = this.tensors.get(`blk.${layer}.attn_v_b.weight`);
    if (!vB || kB.ne.length !== 3 || vB.ne.length !== 3) return;
    const [nope, r, H] = kB.ne;
    const [r2, v, H2] = vB.ne;
    if (r2 !== r || H2 !== H)
      throw bad(
        this.path,
        `tensors '${kB.name}' [${kB.ne}] and '${vB.name}' [${vB.ne}] disagree on kv_lora_rank or heads`,
      );
    this.sources.set(`model.layers.${layer}.self_attn.kv_b_proj.weight`, {
      from: kB,
      shape: [H * (nope + v), r],
      read: () => {
        const k = this.readRange(kB, 0, kB.byteLength); // [H, r, nope]
        const w = this.readRange(vB, 0, vB.byteLength); // [H, v, r]
        const out = new Float32Array(H * (nope + v) * r);
        for (let h = 0; h < H; h++) {
          for (let i = 0; i < nope; i++)
            for (let j = 0; j < r; j++) out[(h * (nope + v) + i) * r + j] = k[(h * r + j) * nope + i];
          out.set(w.subarray(h * v * r, (h + 1) * v * r), (h * (nope + v) + nope) * r);
        }
        return out;
      },
    });
  }

  has(name: string): boolean {
    return this.sources.has(name);
  }

  private source(name: string): Source {
    const s = this.sources.get(name);
    if (!s) throw bad(this.path, `checkpoint has no tensor '${this.fileName(name)}'`);
    return s;
  }

  shape(name: string): number[] {
    return this.source(name).shape;
  }

  fileName(name: string): string {
    const expert = /^model\.layers\.(\d+)\.mlp\.experts\.(\d+)\.(.+)$/.exec(name);
    if (expert) {
      const pair = EXPERT_NAMES.find(([, hf]) => hf === expert[3]);
      if (pair) return `blk.${expert[1]}.${pair[0]}[${expert[2]}]`;
    }
    const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
    if (layer) {
      if (layer[2] === 'self_attn.kv_b_proj.weight')
        return `blk.${layer[1]}.attn_k_b.weight' + 'blk.${layer[1]}.attn_v_b.weight`;
      const pair = LAYER_NAMES.find(([, hf]) => hf === layer[2]);
      if (pair) return `blk.${layer[1]}.${pair[0]}`;
    }
    return GLOBAL_NAMES.find(([, hf]) => hf === name)?.[0] ?? name;
  }

  locate(name: string): string {
    return `${this.sources.get(name)?.from.file ?? this.path}: tensor '${this.fileName(name)}'`;
  }

  readF32(name: string): Float32Array {
    return this.source(name).read();
  }

  readBlocks(name: string, bits: 4 | 8): BlockMatrix | undefined {
    const s = this.source(name);
    if (!s.raw || s.shape.length !== 2) return undefined;
    // every quantized type maps onto MatMulNBits exactly, at the width its type needs (matmulnbits-blocks.ts)
    const type = s.from.type;
    if (type === 'F32' || type === 'F16' || type === 'BF16') return undefined;
    return matMulNBitsBlocks(type, bits, s.raw(), s.shape[1]);
  }

  /** `length` bytes of `t`'s data from `start`, a whole number of blocks, as float32. */
  private readRange(t: GgufTensorInfo, start: number, length: number): Float32Array {
    const raw = this.readRaw(t, start, length);
    return dequantize(t.type, raw, (length / byteLength(t.type, blockValues(t.type))) * blockValues(t.type));
  }

  /** `length` bytes of `t`'s data from `start`, as stored. */
  private readRaw(t: GgufTensorInfo, start: number, length: number): Buffer {
    const raw = Buffer.allocUnsafe(length);
    const fd = openSync(t.file, 'r');
    try {
      let done = 0;
      while (done < length) {
        const n = readSync(fd, raw, done, length - done, t.offset + start + done);
        if (n <= 0) throw bad(t.file, `truncated while reading tensor '${t.name}'`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    return raw;
  }
}
