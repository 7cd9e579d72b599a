// The lifecycle every long-lived object shares (VS Code's own pattern): a class extends Disposable and registers what
// it owns (`this._onDidChange = this._register(new Emitter())`); dispose() then disposes all of it, newest first, once.
// Nothing here imports `vscode`: the engine supervisor uses it in plain Node too, and VS Code's Disposable, EventEmitter
// and vscode-jsonrpc's Emitter all fit IDisposable.

export interface IDisposable {
  dispose(): unknown;
}

export function toDisposable(fn: () => unknown): IDisposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Disposes `items` newest first; every one is disposed even when an earlier one throws (the first error is rethrown). */
function disposeAll(items: IDisposable[]): void {
  let first: unknown;
  for (const d of items.reverse()) {
    try {
      d.dispose();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * A set of disposables with a shorter life than their owner: what one webview resolve or one request added.
 * clear() disposes them and keeps the store usable; dispose() also disposes what is added later, at once.
 */
export class DisposableStore implements IDisposable {
  private items: IDisposable[] = [];
  private disposed = false;

  add<T extends IDisposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.push(d);
    return d;
  }

  /** how many disposables the store holds now */
  get size(): number {
    return this.items.length;
  }

  clear(): void {
    disposeAll(this.items.splice(0));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/** Holds at most one disposable: setting a new value disposes the old one (a watchdog per engine process). */
export class MutableDisposable<T extends IDisposable> implements IDisposable {
  private current: T | undefined;
  private disposed = false;

  get value(): T | undefined {
    return this.current;
  }

  set value(v: T | undefined) {
    if (v === this.current) return;
    const old = this.current;
    this.current = this.disposed ? undefined : v;
    old?.dispose();
    if (this.disposed) v?.dispose();
  }

  dispose(): void {
    this.disposed = true;
    const old = this.current;
    this.current = undefined;
    old?.dispose();
  }
}

/** The base of long-lived objects: what a subclass registers is disposed with it, in reverse order, once. */
export abstract class Disposable implements IDisposable {
  private readonly store = new DisposableStore();

  protected _register<T extends IDisposable>(d: T): T {
    if ((d as unknown) === this) throw new Error('an object cannot register itself');
    return this.store.add(d);
  }

  dispose(): void {
    this.store.dispose();
  }
}
