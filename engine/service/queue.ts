// Generation is serialised per backend (the local runtime owns one KV cache). This is the one admission point for
// both front doors: the editor (stdio) and HTTP clients wait in two lanes of one queue, and the editor's lane always
// starts first, so a busy HTTP client never makes the user wait behind it. Waiting requests can be cancelled while
// they wait, and a lane with a capacity refuses work it could not start soon instead of piling it up.
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';

export class QueueFullError extends EngineError {
  override name = 'QueueFullError';
  constructor(capacity: number) {
    super(`the engine is busy: ${capacity} request(s) already waiting`, EngineErrorCodes.Busy);
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

export interface Admission {
  lane?: Lane;
  /** requests of this lane allowed to wait beyond those running (default: the queue's own capacity) */
  capacity?: number;
}

interface Waiter {
  start: () => void;
  fail: (err: Error) => void;
}

export class RequestQueue {
  private running = 0;
  private readonly waiting: Record<Lane, Waiter[]> = { editor: [], http: [] };

  constructor(
    private concurrency = 1,
    /** requests allowed to wait beyond those running, per lane unless a request names its own */
    readonly capacity = Infinity,
  ) {}

  get inFlight(): number {
    return this.running;
  }
  get queued(): number {
    return this.waiting.editor.length + this.waiting.http.length;
  }
  queuedIn(lane: Lane): number {
    return this.waiting[lane].length;
  }

  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, n);
    this.drain();
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal, admission: Admission = {}): Promise<T> {
    await this.acquire(signal, admission);
    try {
      return await task();
    } finally {
      this.running--;
      this.drain();
    }
  }

  private acquire(signal: AbortSignal | undefined, admission: Admission): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const lane = admission.lane ?? 'editor';
    if (this.running < this.concurrency && this.queued === 0) {
      this.running++;
      return Promise.resolve();
    }
    const queue = this.waiting[lane];
    const capacity = admission.capacity ?? this.capacity;
    if (queue.length >= capacity) return Promise.reject(new QueueFullError(capacity));
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
