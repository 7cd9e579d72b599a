// Identity of a checkpoint, so a routing profile is only ever applied to the weights it was calibrated on.
// Small files are hashed whole; a multi-gigabyte safetensors or GGUF file is hashed by its size, its header (every
// tensor's name, type, shape and offset; a GGUF file's metadata) and evenly spaced blocks of its data, so checking a
// real checkpoint at load time reads a few megabytes, not tens of gigabytes, yet a fine-tune of the same shape still
// gets another fingerprint.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ggufShardFiles } from '../checkpoint/gguf';
import { EngineError } from '../errors';

const WHOLE_FILE_LIMIT = 64 * 1024 * 1024;
const SAMPLE_BLOCKS = 64;
const SAMPLE_BLOCK_BYTES = 64 * 1024;
/** a GGUF header's length is only known by parsing it; its metadata (the vocabulary) fits in this */
const GGUF_HEADER_BYTES = 16 * 1024 * 1024;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

/** Where a file's data starts: after safetensors' length-prefixed JSON header, or GGUF's header and metadata. */
function headerEnd(fd: number, size: number, format: 'safetensors' | 'gguf'): number {
  if (format === 'gguf') return Math.min(GGUF_HEADER_BYTES, size - SAMPLE_BLOCK_BYTES);
  const headerLen = Number(readAt(fd, 0, 8).readBigUInt64LE(0));
  return 8 + Math.min(headerLen, size - 8);
}

function hashFile(hash: ReturnType<typeof createHash>, path: string, format: 'safetensors' | 'gguf'): void {
  const size = statSync(path).size;
  hash.update(`${size}\n`);
  const fd = openSync(path, 'r');
  try {
    if (size <= WHOLE_FILE_LIMIT) {
      hash.update(readAt(fd, 0, size));
      return;
    }
    const dataStart = headerEnd(fd, size, format);
    hash.update(readAt(fd, 0, dataStart));
    const span = size - dataStart - SAMPLE_BLOCK_BYTES;
    for (let i = 0; i < SAMPLE_BLOCKS; i++) {
      hash.update(readAt(fd, dataStart + Math.floor((span * i) / (SAMPLE_BLOCKS - 1)), SAMPLE_BLOCK_BYTES));
    }
  } finally {
    closeSync(fd);
  }
}

/** The weight files, as the engine reads them: those of model.safetensors.index.json, else every *.safetensors. */
function weightFiles(dir: string, names: string[]): string[] {
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) {
    try {
      const map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
      return [...new Set(Object.values(map))].sort();
    } catch {
      throw new EngineError(`${index} is not valid JSON`);
    }
  }
  return names.filter((n) => n.endsWith('.safetensors')).sort();
}

/**
 * `sha256:<hex>` over config.json and the checkpoint's safetensors files (in name order), or over a GGUF file (every
 * shard of a split one, in order; their names are not part of it).
 */
export function checkpointFingerprint(dir: string): string {
  if (statSync(dir, { throwIfNoEntry: false })?.isFile()) {
    const hash = createHash('sha256');
    ggufShardFiles(dir).forEach((file, i) => {
      hash.update(`gguf ${i}\n`);
      hashFile(hash, file, 'gguf');
    });
    return `sha256:${hash.digest('hex')}`;
  }
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new EngineError(`cannot read checkpoint folder ${dir}: ${(err as Error).message}`);
  }
  const weights = weightFiles(dir, names);
  if (!names.includes('config.json') || weights.length === 0) {
    throw new EngineError(`${dir} is not a checkpoint folder (needs config.json and *.safetensors)`);
  }
  const hash = createHash('sha256');
  for (const name of ['config.json', ...weights]) {
    hash.update(`${name}\n`);
    hashFile(hash, join(dir, name), 'safetensors');
  }
  return `sha256:${hash.digest('hex')}`;
}
