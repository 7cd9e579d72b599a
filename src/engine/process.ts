// One engine subprocess: Node running dist/engine.js, JSON-RPC over its stdin/stdout, logs on its stderr.
import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { ShutdownRequest } from '../../engine/protocol';
import { ENGINE_ENV } from '../../engine/runtime/memory-budget';

export interface SpawnOptions {
  /** the engine bundle (dist/engine.js) */
  enginePath: string;
  /** the Node to run it with: VS Code's own (process.execPath with ELECTRON_RUN_AS_NODE=1) */
  nodePath?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onStderrLine?: (line: string) => void;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class EngineProcess {
  readonly connection: MessageConnection;
  readonly exited: Promise<ExitInfo>;
  readonly startedAt = Date.now();
  private exitInfo: ExitInfo | undefined;

  private constructor(private readonly child: ChildProcess) {
    this.connection = createMessageConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', () => {
        // spawn failure (ENOENT …): 'exit' may never come
        if (!this.exitInfo) {
          this.exitInfo = { code: -1, signal: null };
          resolve(this.exitInfo);
        }
      });
    });
    // A write to a dead engine's stdin must not take the extension host down.
    child.stdin!.on('error', () => undefined);
    this.connection.listen();
  }

  static spawn(opts: SpawnOptions): EngineProcess {
    const child = spawn(opts.nodePath ?? process.execPath, [opts.enginePath, ...(opts.args ?? [])], {
      cwd: opts.cwd,
      // ENGINE_ENV: so that a memory budget holds (glibc gives freed prepacked weights back); the user's own values win
      env: { ...ENGINE_ENV, ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const proc = new EngineProcess(child);
    const rl = createInterface({ input: child.stderr! });
    rl.on('line', (line) => opts.onStderrLine?.(line));
    child.once('error', (err) => opts.onStderrLine?.(`[spawn] ${err.message}`));
    return proc;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /**
   * Polite then firm: `shutdown` over the protocol, SIGTERM after `graceMs`, SIGKILL after another `graceMs`.
   * Resolves once the process is gone, so deactivation never leaves an orphan.
   */
  async stop(graceMs = 1000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
    void Promise.race([this.connection.sendRequest(ShutdownRequest), timeout(graceMs)]).catch(() => undefined);
    if ((await Promise.race([this.exited, timeout(graceMs)])) === 'timeout') {
      this.child.kill('SIGTERM');
      if ((await Promise.race([this.exited, timeout(graceMs)])) === 'timeout') this.child.kill('SIGKILL');
    }
    const info = await this.exited;
    this.connection.dispose();
    return info;
  }

  /** For tests and Restart Engine's hard path. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }
}
