// Worker threads that quantize checkpoint matrices while the main thread builds and writes graphs: a first load's
// time is mostly quantization (engine/onnx/quantize-rows.ts), and each matrix is independent. Each worker reads the
// matrix's bytes from the checkpoint file itself (no copy through the main thread) and hands back the blocks.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Dtype } from '../checkpoint/safetensors';
import { QUANT_BLOCK_SIZE, type QuantizedWeight } from './quantize';

/** One matrix to quantize: where its stored values are, their type, its shape and the bits. */
export interface QuantizeJob {
  id: number;
  file: string;
  offset: number;
  byteLength: number;
  dtype: Dtype;
  N: number;
  K: number;
  bits: 4 | 8;
}

export type QuantizeReply =
  { id: number; bits: 4 | 8; packed: Uint8Array; scales: Float32Array; blocks: number } | { id: number; error: string };

/** Workers for a first load when the caller does not say: the cores, at most 8 (more only adds memory in flight). */
export function defaultQuantizeWorkers(): number {
  return Math.min(8, availableParallelism());
}

/** The worker's file beside this one: the .ts source under tsx (tests, npm run engine), the bundle's .js in dist/. */
function workerFile(): string | undefined {
  const ts = __filename.endsWith('.ts');
  const file = join(__dirname, ts ? 'quantize-worker.ts' : 'quantize-worker.js');
  return existsSync(file) ? file : undefined;
}

export class QuantizePool {
  /** matrices quantized by workers in this process, all pools together (for tests and diagnostics) */
  static completedJobs = 0;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve(q: QuantizedWeight): void; reject(e: Error): void }>();
  private nextId = 0;
  private turn = 0;
  private failed: Error | undefined;

  private constructor(file: string, size: number) {
    // a .ts worker (tests, the tsx CLI) needs tsx's require hook; the parent's flags (tsx's ESM loader) do not load it
    // (a name in a variable: the bundle, whose worker is .js, has no tsx to resolve)
    const hook = 'tsx/cjs';
    const execArgv = file.endsWith('.ts') ? ['--require', require.resolve(hook)] : undefined;
    for (let i = 0; i < size; i++) {
      const w = new Worker(file, { execArgv });
      w.on('message', (r: QuantizeReply) => this.settle(r));
      w.on('error', (e) => this.fail(e));
      // a worker that is gone takes no more jobs: the pool stops, and the builder quantizes the rest itself
      w.on('exit', () => this.fail(new Error('a quantize worker exited')));
      w.unref(); // an idle pool never keeps the engine alive
      this.workers.push(w);
    }
  }

  /** A pool of `size` workers, or undefined when one would not pay (size < 2) or the worker file is not there. */
  static open(size: number): QuantizePool | undefined {
    const file = workerFile();
    return size >= 2 && file ? new QuantizePool(file, size) : undefined;
  }

  get size(): number {
    return this.workers.length;
  }

  run(job: Omit<QuantizeJob, 'id'>): Promise<QuantizedWeight> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.pending.set(id, { resolve, reject });
      const w = this.workers[this.turn++ % this.workers.length];
      w.ref(); // while a job is out, the engine waits for it
      w.postMessage({ ...job, id });
    });
  }

  private settle(r: QuantizeReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
    if ('error' in r) p.reject(new Error(r.error));
    else {
      QuantizePool.completedJobs++;
      p.resolve({ bits: r.bits, blockSize: QUANT_BLOCK_SIZE, packed: r.packed, scales: r.scales, blocks: r.blocks });
    }
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.fail(new Error('quantize pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
