// A fake `vscode` module for plain-Node unit tests of host-side classes (fake boundary: only what a test names is
// there; anything else a class touches fails loudly as undefined). installFakeVscode() must run before the module
// under test is first required, so import this helper first and require the module after it.
import Module from 'node:module';
import * as path from 'node:path';

/** file: URIs only, with the two helpers the host side uses to build webview resource paths. */
export class FakeUri {
  private constructor(readonly fsPath: string) {}
  static file(p: string): FakeUri {
    return new FakeUri(path.resolve(p));
  }
  static joinPath(base: FakeUri, ...parts: string[]): FakeUri {
    return new FakeUri(path.join(base.fsPath, ...parts));
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
}

/** VS Code's EventEmitter: listeners, fire, dispose; `listenerCount` lets a test see a leak. */
export class FakeEventEmitter<T> {
  private readonly listeners = new Set<(e: T) => unknown>();
  readonly event = (fn: (e: T) => unknown) => {
    this.listeners.add(fn);
    return { dispose: () => this.listeners.delete(fn) };
  };
  get listenerCount(): number {
    return this.listeners.size;
  }
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

const FAKE_PATH = path.join(__dirname, '__fake_vscode__.js');
/** one module object for the whole process: a module loaded under one test's fake sees what a later test adds */
const fake: Record<string, unknown> = { Uri: FakeUri, EventEmitter: FakeEventEmitter };
let installed = false;

/**
 * Makes `require('vscode')` answer the fake from now on in this process, with `surface` added to it (Uri and
 * EventEmitter are always there).
 */
export function installFakeVscode(surface: Record<string, unknown> = {}): void {
  Object.assign(fake, surface);
  if (installed) return;
  installed = true;
  const m = new Module(FAKE_PATH);
  m.filename = FAKE_PATH;
  m.loaded = true;
  m.exports = fake;
  require.cache[FAKE_PATH] = m;
  const resolve = (Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string })
    ._resolveFilename;
  (Module as unknown as { _resolveFilename: typeof resolve })._resolveFilename = function (
    request: string,
    ...rest: unknown[]
  ) {
    return request === 'vscode' ? FAKE_PATH : resolve.call(this, request, ...rest);
  };
}
