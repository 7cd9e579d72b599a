// Generation is serialised per backend (the local runtime owns one KV cache). Waiting requests can be cancelled while
// they wait, and a bounded queue refuses work it could not start soon instead of piling it up.
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

interface Waiter {
  start: () => void;
  fail: (err: Error) => void;
}

export class RequestQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private concurrency = 1,
    /** requests allowed to wait beyond those running */
    readonly capacity = Infinity,
  ) {}

  get inFlight(): number {
    return this.running;
  }
  get queued(): number {
    return this.waiting.length;
  }

  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, n);
    this.drain();
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.running--;
      this.drain();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.running < this.concurrency && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.capacity) return Promise.reject(new QueueFullError(this.capacity));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
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
      this.waiting.push(waiter);
    });
  }

  private drain(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) this.waiting.shift()!.start();
  }
}
