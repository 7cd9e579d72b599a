// Generation is serialised per backend (the local runtime owns one KV cache). This is the one admission point for
// both front doors: the editor (stdio) and HTTP clients wait in two lanes of one queue, and the editor's lane always
// starts first, so a busy HTTP client never makes the user wait behind it. Waiting requests can be cancelled while
// they wait, and a lane with a waiting limit (the HTTP server sets its own) refuses work it could not start soon
// instead of piling it up.
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';

export class QueueFullError extends EngineError {
  override name = 'QueueFullError';
  constructor(limit: number) {
    super(`the engine is busy: ${limit} request(s) already waiting`, EngineErrorCodes.Busy);
  }
}

export class CancelledError extends EngineError {
  override name = 'CancelledError';
  constructor(what = 'request') {
    super(`${what} cancelled`, EngineErrorCodes.Cancelled);
  }
}

/** Who is asking: the editor's lane is served before the HTTP lane. */
export type Lane = 'editor' | 'http';
const LANES: readonly Lane[] = ['editor', 'http'];

interface Waiter {
  start: () => void;
  fail: (err: Error) => void;
}

export class RequestQueue {
  private running = 0;
  private readonly waiting: Record<Lane, Waiter[]> = { editor: [], http: [] };
  /** requests of each lane allowed to wait beyond those running; more are refused (Busy) */
  private readonly limits: Record<Lane, number> = { editor: Infinity, http: Infinity };

  constructor(private concurrency = 1) {}

  get inFlight(): number {
    return this.running;
  }
  get queued(): number {
    return this.waiting.editor.length + this.waiting.http.length;
  }
  queuedIn(lane: Lane): number {
    return this.waiting[lane].length;
  }
  waitingLimit(lane: Lane): number {
    return this.limits[lane];
  }

  /** At most `limit` requests of `lane` wait beyond those running (0: none wait, Infinity: no limit). */
  setWaitingLimit(lane: Lane, limit: number): void {
    this.limits[lane] = Math.max(0, limit);
  }

  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, n);
    this.drain();
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal, lane: Lane = 'editor'): Promise<T> {
    await this.acquire(signal, lane);
    try {
      return await task();
    } finally {
      this.running--;
      this.drain();
    }
  }

  private acquire(signal: AbortSignal | undefined, lane: Lane): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.running < this.concurrency && this.queued === 0) {
      this.running++;
      return Promise.resolve();
    }
    const queue = this.waiting[lane];
    const limit = this.limits[lane];
    if (queue.length >= limit) return Promise.reject(new QueueFullError(limit));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(new CancelledError());
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.running++;
          resolve();
        },
        fail: reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  }

  private next(): Waiter | undefined {
    for (const lane of LANES) if (this.waiting[lane].length > 0) return this.waiting[lane].shift();
    return undefined;
  }

  private drain(): void {
    while (this.running < this.concurrency) {
      const waiter = this.next();
      if (!waiter) return;
      waiter.start();
    }
  }
}
