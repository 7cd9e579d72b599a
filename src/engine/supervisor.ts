// Keeps one engine running: start (initialize + model/load), route requests, restart after a crash with backoff,
// stop cleanly. No VS Code API here, so the completion benchmark and plain-Node tests use the same code.
import { CancellationToken, CancellationTokenSource, Emitter, Event, RequestType, RequestType0 } from 'vscode-jsonrpc';
import {
  GenerationDelta,
  GenerationDeltaNotification,
  InitializeParams,
  InitializeRequest,
  ModelInfo,
  ModelLoadParams,
  ModelLoadRequest,
  ModelProgress,
  ModelProgressNotification,
  PingRequest,
  PROTOCOL_VERSION,
  RemoteConnectParams,
  RemoteConnectRequest,
  ServeParams,
  ServeResult,
} from '../../engine/protocol';
import { DEFAULT_BACKOFF, BackoffPolicy, RestartBackoff } from './backoff';
import { EngineProcess, ExitInfo, SpawnOptions } from './process';
import { cancelOnce, describeExit, errorMessage } from './engine-errors';
import { redactUserinfo } from './redact';
import { settleOnCancel } from './settle-on-cancel';
import { Disposable, MutableDisposable } from '../util/disposable';
import { DEFAULT_WATCHDOG, Watchdog, type WatchdogPolicy } from './watchdog';
import { LocalServer } from './local-server';

export { cancelOnce, describeExit, errorMessage } from './engine-errors';

export type EngineState = 'stopped' | 'starting' | 'ready' | 'busy' | 'crashed' | 'failed';

export interface EngineLaunchConfig {
  spawn: SpawnOptions;
  /** model folder to load after initialize */
  modelPath: string;
  threads: number;
  precision?: ModelLoadParams['precision'];
  /** the graph cache is trimmed to this after each load (undefined: the engine's default) */
  graphCacheLimitBytes?: number;
  memoryBudgetBytes?: ModelLoadParams['memoryBudgetBytes'];
  /** set: requests go to this OpenAI-compatible server (remote/connect) instead of a local model */
  remote?: RemoteConnectParams;
  /** set: the engine also answers other tools over the OpenAI API (serve/start), sharing its model */
  serve?: ServeParams;
}

export interface CrashEvent {
  exit: ExitInfo;
  /** undefined: restarts given up (too many quick crashes) */
  restartInMs: number | undefined;
  /** the engine was killed because it stopped answering (the watchdog), not a crash of its own */
  hung?: { silentMs: number };
}

export class EngineSupervisor extends Disposable {
  private proc: EngineProcess | undefined;
  private starting: Promise<void> | undefined;
  private restartChain: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private active = 0;
  private disposed = false;
  private disposing: Promise<void> | undefined;
  private readonly backoff: RestartBackoff;
  private _state: EngineState = 'stopped';
  private _model: ModelInfo | undefined;
  private _lastError: string | undefined;
  private _progress: ModelProgress | undefined;
  /** every line goes out without URL userinfo */
  private readonly log: (line: string) => void;
  /** the OpenAI-compatible server for other tools, inside the engine process */
  private readonly server: LocalServer;
  /** the running engine's watchdog; a new process gets a new one */
  private readonly watchdog = this._register(new MutableDisposable<Watchdog>());
  /** processes the watchdog killed, and how long each had been silent */
  private readonly hung = new WeakMap<EngineProcess, number>();

  private readonly stateEmitter = this._register(new Emitter<EngineState>());
  private readonly crashEmitter = this._register(new Emitter<CrashEvent>());
  private readonly deltaEmitter = this._register(new Emitter<GenerationDelta>());
  private readonly progressEmitter = this._register(new Emitter<ModelProgress | undefined>());
  readonly onDidChangeState: Event<EngineState> = this.stateEmitter.event;
  readonly onDidCrash: Event<CrashEvent> = this.crashEmitter.event;
  readonly onDelta: Event<GenerationDelta> = this.deltaEmitter.event;
  /** the local OpenAI-compatible server started, stopped or failed */
  readonly onDidChangeServing: Event<void>;
  /** a first load is building the model's graphs (undefined once the load ended) */
  readonly onDidProgress: Event<ModelProgress | undefined> = this.progressEmitter.event;
  private _starts = 0;

  constructor(
    // async: an API key comes from the editor's secret storage
    private readonly config: () => EngineLaunchConfig | Promise<EngineLaunchConfig>,
    log: (line: string) => void = () => undefined,
    backoff: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly watchdogPolicy: WatchdogPolicy | false = DEFAULT_WATCHDOG,
  ) {
    super();
    this.log = (line) => log(redactUserinfo(line));
    this.backoff = new RestartBackoff(backoff);
    this.server = this._register(new LocalServer(this.log));
    this.onDidChangeServing = this.server.onDidChange;
  }

  get state(): EngineState {
    return this._state;
  }
  get model(): ModelInfo | undefined {
    return this._model;
  }
  /** why the last start or load failed, for the status bar and messages */
  get lastError(): string | undefined {
    return this._lastError;
  }
  /** how far the model's graphs are built, while a first load builds them */
  get progress(): ModelProgress | undefined {
    return this._progress;
  }
  /** where the engine serves other tools over the OpenAI API, while it does */
  get serving(): ServeResult | undefined {
    return this.server.serving;
  }
  /** why the local server is not running although the settings ask for it */
  get servingError(): string | undefined {
    return this.server.error;
  }
  /** how many engine processes were spawned (restarts included) */
  get starts(): number {
    return this._starts;
  }
  get pid(): number | undefined {
    return this.proc?.hasExited ? undefined : this.proc?.pid;
  }

  /** Starts the engine unless it runs already; resolves when a model is loaded (rejects with the cause otherwise). */
  start(): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('the engine client is shut down'));
    if (this.proc && !this.proc.hasExited && !this.starting) return Promise.resolve();
    // After a failed load or given-up restarts, only an explicit restart() tries again (no respawn per keystroke).
    if (this._state === 'failed' && !this.starting)
      return Promise.reject(new Error(this._lastError ?? 'the engine failed'));
    this.starting ??= this.launch().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /**
   * Stop, forget earlier crashes, start again (the Restart Engine command, a new model path, a new key). Restarts run
   * one after another: two settings changed together (a key and the backend) used to overlap, the second killing the
   * first's engine halfway through its start and leaving the state 'failed'.
   */
  restart(): Promise<void> {
    const next = this.restartChain.catch(() => undefined).then(() => this.restartNow());
    this.restartChain = next;
    return next;
  }

  private async restartNow(): Promise<void> {
    await this.starting?.catch(() => undefined); // a start in flight (the first one, a crash restart) ends first
    if (this.disposed) throw new Error('the engine client is shut down');
    this.clearRestartTimer();
    this.backoff.reset();
    await this.stopProcess();
    this._state = 'stopped';
    await this.start();
  }

  /** Sends a request, starting the engine first when needed; the token becomes `$/cancelRequest`. */
  request<P, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R> {
    // By method name: a RequestType from another bundle (the test suite's) carries a foreign parameter-structure
    // object that vscode-jsonrpc compares by identity.
    return this.send(type.method, (c, t) => c.sendRequest<R>(type.method, params, t), token);
  }

  /** The same for requests without parameters (stats). */
  request0<R>(type: RequestType0<R, void>, token?: CancellationToken): Promise<R> {
    return this.send(type.method, (c, t) => c.sendRequest<R>(type.method, t), token);
  }

  private async send<R>(
    method: string,
    fn: (c: EngineProcess['connection'], token: CancellationToken) => Promise<R>,
    token: CancellationToken | undefined,
  ): Promise<R> {
    await this.start();
    const proc = this.proc;
    if (!proc) throw new Error('the engine is not running');
    // vscode-jsonrpc must see its own token type (anything else would be sent as a parameter); VS Code's token is
    // linked into one so its cancellation becomes $/cancelRequest.
    const source = new CancellationTokenSource();
    const link = token?.onCancellationRequested(() => cancelOnce(source));
    if (token?.isCancellationRequested) cancelOnce(source);
    this.active++;
    this.setState('busy');
    try {
      // settled here on cancel (after a grace for the engine's own answer, which carries the partial reply)
      return await settleOnCancel(fn(proc.connection, source.token), source.token, method);
    } catch (err) {
      const silentMs = this.hung.get(proc);
      if (silentMs !== undefined)
        throw new Error(
          `the engine stopped answering (${Math.round(silentMs / 1000)} s without a reply) and was restarted; send it again`,
          { cause: err },
        );
      throw err;
    } finally {
      link?.dispose();
      source.dispose();
      this.active--;
      if (this.active === 0 && this.proc === proc && !proc.hasExited) this.setState('ready');
    }
  }

  /**
   * Asks an engine to validate a model folder without loading it (Select Model); throws the engine's reason. The
   * running engine answers when there is one; otherwise (no model could be loaded, which is when people pick one) a
   * short-lived engine process does, and is stopped again.
   */
  async validateModel(path: string): Promise<ModelInfo> {
    if (this.running) return this.request(ModelLoadRequest, { path, validateOnly: true });
    return this.shortLived((c) => c.sendRequest(ModelLoadRequest, { path, validateOnly: true }));
  }

  /**
   * A request that needs no model (cache/info, cache/clear): the running engine answers, else a short-lived engine
   * process that loads none (so a clear works while no model can be loaded, and removes what the failed load built).
   */
  async requestWithoutModel<R>(type: RequestType0<R, void>, token?: CancellationToken): Promise<R> {
    if (this.running) return this.request0(type, token);
    return this.shortLived((c) => c.sendRequest<R>(type.method));
  }

  private get running(): boolean {
    return this.proc !== undefined && !this.proc.hasExited && (this._state === 'ready' || this._state === 'busy');
  }

  private async shortLived<R>(send: (c: EngineProcess['connection']) => Promise<R>): Promise<R> {
    const cfg = await this.config();
    const proc = EngineProcess.spawn({
      ...cfg.spawn,
      onStderrLine: (l) => (cfg.spawn.onStderrLine ?? this.log)(redactUserinfo(l)),
    });
    try {
      const exited = proc.exited.then((e) => Promise.reject(new Error(`the engine exited (${describeExit(e)})`)));
      await Promise.race([proc.connection.sendRequest(InitializeRequest, this.initializeParams(cfg)), exited]);
      return await Promise.race([send(proc.connection), exited]);
    } finally {
      await proc.stop();
    }
  }

  private initializeParams(cfg: EngineLaunchConfig): InitializeParams {
    return { protocolVersion: PROTOCOL_VERSION, threads: cfg.threads, graphCacheLimitBytes: cfg.graphCacheLimitBytes };
  }

  /** Stops the engine (asked to shut down, killed if it does not), then disposes the emitters; once. */
  override dispose(): Promise<void> {
    this.disposing ??= this.shutdown();
    return this.disposing;
  }

  private async shutdown(): Promise<void> {
    this.disposed = true;
    this.clearRestartTimer(); // before the wait below: a crash restart must not spawn while the engine stops
    await this.stopProcess();
    this.setState('stopped');
    super.dispose();
  }

  /**
   * Starts, moves or stops the local OpenAI-compatible server to match the settings, without reloading the model.
   * A failure (port in use, no key for a public address) is kept in servingError; the engine itself keeps serving
   * the editor.
   */
  async reconfigureServing(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.hasExited || this.starting || (this._state !== 'ready' && this._state !== 'busy')) return; // the next start applies it
    const cfg = await this.config();
    if (cfg.serve) await this.server.start(proc.connection, cfg.serve);
    else await this.server.stop(proc.connection);
  }

  private async launch(): Promise<void> {
    this.setState('starting');
    this._lastError = undefined;
    let cfg: EngineLaunchConfig;
    try {
      cfg = await this.config();
    } catch (err) {
      this._lastError = errorMessage(err);
      this.setState('failed');
      throw new Error(this._lastError, { cause: err });
    }
    const proc = EngineProcess.spawn({
      ...cfg.spawn,
      onStderrLine: (l) => (cfg.spawn.onStderrLine ?? this.log)(redactUserinfo(l)),
    });
    this.proc = proc;
    this._starts++;
    this.log(`engine started (pid ${proc.pid}) with ${cfg.spawn.enginePath}`);
    proc.connection.onNotification(GenerationDeltaNotification, (d) => this.deltaEmitter.fire(d));
    proc.connection.onNotification(ModelProgressNotification, (p) => {
      this._progress = p;
      this.progressEmitter.fire(p);
    });
    proc.connection.onError(([err]) => this.log(`protocol error: ${err.message}`));
    void proc.exited.then((exit) => this.onExit(proc, exit));
    try {
      const init = await Promise.race([
        proc.connection.sendRequest(InitializeRequest, this.initializeParams(cfg)),
        proc.exited.then((e) => Promise.reject(new Error(`the engine exited during start (${describeExit(e)})`))),
      ]);
      if (init.protocolVersion !== PROTOCOL_VERSION) {
        throw new Error(`engine speaks protocol ${init.protocolVersion}, this extension ${PROTOCOL_VERSION}`);
      }
      if (cfg.remote) {
        this.log(`engine ${init.engineVersion}: connecting to ${cfg.remote.baseUrl} for model '${cfg.remote.model}'`);
        const remote = await proc.connection.sendRequest(RemoteConnectRequest, cfg.remote);
        this._model = { ...remote, path: redactUserinfo(remote.path) }; // shown in the status bar and the chat
        this.log(`connected: requests go to ${this._model.path} (routing skew is off over the OpenAI API)`);
      } else {
        this.log(`engine ${init.engineVersion}: loading ${cfg.modelPath}`);
        this._model = await proc.connection.sendRequest(ModelLoadRequest, {
          path: cfg.modelPath,
          precision: cfg.precision,
          memoryBudgetBytes: cfg.memoryBudgetBytes,
        });
        this.log(`model ${this._model.name} loaded (${this._model.parameters} parameters)`);
      }
      this.endProgress();
      this.setState('ready');
      this.watch(proc);
    } catch (err) {
      this.endProgress();
      this._lastError = errorMessage(err);
      this.log(`engine start failed: ${this._lastError}`);
      // Loading failed for a reason the user must fix (bad path, corrupt checkpoint): stop, do not restart in a loop.
      await this.stopProcess();
      this.setState('failed');
      throw new Error(this._lastError, { cause: err });
    }
    // After 'ready': a server that cannot start (port taken) must not keep the editor from its engine.
    if (cfg.serve) await this.server.start(proc.connection, cfg.serve);
  }

  /** Pings `proc`; one that stops answering is killed, and its exit restarts it as a crash would. */
  private watch(proc: EngineProcess): void {
    this.watchdog.value = undefined;
    if (!this.watchdogPolicy) return;
    const watchdog = new Watchdog(
      () => proc.connection.sendRequest(PingRequest),
      (silentMs) => {
        if (this.proc !== proc) return;
        this.hung.set(proc, silentMs);
        this.log(`the engine did not answer for ${Math.round(silentMs / 1000)} s (pid ${proc.pid}): restarting it`);
        proc.kill('SIGKILL');
      },
      this.watchdogPolicy,
    );
    this.watchdog.value = watchdog;
    watchdog.start();
  }

  private onExit(proc: EngineProcess, exit: ExitInfo): void {
    // vscode-jsonrpc keeps a dead engine's requests pending until the connection is disposed: reject them now
    proc.connection.dispose();
    const silentMs = this.hung.get(proc);
    if (this.proc !== proc || this.disposed) return; // an engine we stopped on purpose
    this.watchdog.value = undefined;
    this.proc = undefined;
    this.active = 0;
    this.server.forget();
    this.log(`engine exited unexpectedly (${describeExit(exit)})`);
    if (this.starting) return; // launch() reports it
    const restartInMs = this.backoff.nextDelay(Date.now() - proc.startedAt);
    this.setState(restartInMs === undefined ? 'failed' : 'crashed');
    if (restartInMs === undefined)
      this._lastError = `the engine keeps ${silentMs !== undefined ? 'hanging' : 'crashing'} (${describeExit(exit)})`;
    this.crashEmitter.fire({ exit, restartInMs, ...(silentMs !== undefined ? { hung: { silentMs } } : {}) });
    if (restartInMs !== undefined) {
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.start().catch(() => undefined);
      }, restartInMs);
    }
  }

  private endProgress(): void {
    if (!this._progress) return;
    this._progress = undefined;
    this.progressEmitter.fire(undefined);
  }

  private async stopProcess(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    this.watchdog.value = undefined;
    this.server.forget();
    if (proc) {
      const exit = await proc.stop();
      this.log(`engine stopped (${describeExit(exit)})`);
    }
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private setState(s: EngineState): void {
    if (this._state === s) return;
    this._state = s;
    this.stateEmitter.fire(s);
  }
}
