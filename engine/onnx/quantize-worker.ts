// A worker thread of the quantize pool (quantize-pool.ts): reads one checkpoint matrix's stored bytes itself and
// quantizes them with quantizeRows, so the main thread only serializes and writes graphs meanwhile. Bundled as its own
// file (dist/quantize-worker.js, esbuild.js) next to the engine.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { StoredValues } from '../checkpoint/safetensors';
import { quantizeRows } from './quantize-rows';
import type { QuantizeJob, QuantizeReply } from './quantize-pool';

function readStored(job: QuantizeJob): StoredValues {
  const bytes = new ArrayBuffer(job.byteLength);
  const view = new Uint8Array(bytes);
  const fd = openSync(job.file, 'r');
  try {
    let done = 0;
    while (done < job.byteLength) {
      const n = readSync(fd, view, done, job.byteLength - done, job.offset + done);
      if (n <= 0) throw new Error(`${job.file}: truncated while reading a tensor`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return job.dtype === 'F32'
    ? { dtype: 'F32', data: new Float32Array(bytes) }
    : { dtype: job.dtype, data: new Uint16Array(bytes) };
}

parentPort?.on('message', (job: QuantizeJob) => {
  let reply: QuantizeReply;
  try {
    const q = quantizeRows(readStored(job), job.N, job.K, job.bits);
    reply = { id: job.id, bits: q.bits, packed: q.packed, scales: q.scales, blocks: q.blocks };
    parentPort?.postMessage(reply, [q.packed.buffer as ArrayBuffer, q.scales.buffer as ArrayBuffer]);
  } catch (e) {
    reply = { id: job.id, error: (e as Error).message };
    parentPort?.postMessage(reply);
  }
});
