// The engine's JSON-RPC requests (engine/protocol.ts) wired to the service. Kept apart from main.ts so tests can run
// it over any pair of streams; main.ts binds it to stdio.
import { ResponseError, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc';
import { discoverModels } from '../discovery/discover';
import { EngineError } from '../errors';
import {
  CacheClearRequest,
  CacheInfoRequest,
  CalibrateRequest,
  ChatRequest,
  CompleteRequest,
  EngineErrorCodes,
  GenerationDeltaNotification,
  InitializeRequest,
  ModelLoadRequest,
  ModelProgressNotification,
  ModelsDiscoverRequest,
  PingRequest,
  PROTOCOL_VERSION,
  ProofCheckRequest,
  RemoteConnectRequest,
  RoutingProfileRequest,
  ServeStartRequest,
  ServeStopRequest,
  ShutdownRequest,
  StatsRequest,
  type ProofCheckParams,
  type ProofCheckResult,
  type ServeParams,
  type ServeResult,
} from '../protocol';
import { CancelledGenerationError, type EngineService } from './engine-service';
import { CancelledError } from './queue';

export const ENGINE_VERSION = '0.1.0';

export interface RpcHooks {
  log: (line: string) => void;
  /** proof checking (engine/math); undefined in a build without it */
  checkProof?: (params: ProofCheckParams, opts: { signal: AbortSignal }) => Promise<ProofCheckResult>;
  /** remote backend factory (engine/openai/client) */
  connectRemote?: EngineRemoteConnector;
  /** the OpenAI-compatible server sharing this service's model (engine/openai/server); undefined: serve/start is
   * not available. Passed in, like connectRemote, so service/ never imports the server that imports it. */
  serve?: EngineServeHooks;
  /** called after `shutdown` has been answered */
  onShutdown: () => void;
}

export type EngineRemoteConnector = (
  params: import('../protocol').RemoteConnectParams,
  signal: AbortSignal,
) => Promise<import('./backend').Backend>;

export interface EngineServeHooks {
  start(params: ServeParams): Promise<ServeResult>;
  stop(): Promise<void>;
}

/** A vscode-jsonrpc cancellation token as an AbortSignal, the currency of the service and runtime. */
export function tokenToSignal(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** EngineErrors keep their code; cancellation is LSP's RequestCancelled with the partial reply; bugs are logged. */
function toResponseError(method: string, err: unknown, log: (line: string) => void): ResponseError<unknown> {
  if (err instanceof CancelledGenerationError)
    return new ResponseError(EngineErrorCodes.Cancelled, err.message, err.partial);
  if (err instanceof CancelledError) return new ResponseError(EngineErrorCodes.Cancelled, err.message);
  if (err instanceof Error && err.name === 'AbortError')
    return new ResponseError(EngineErrorCodes.Cancelled, `${method} cancelled`);
  if (err instanceof EngineError) return new ResponseError(err.code, err.message);
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  log(`internal error in ${method}: ${detail}`);
  return new ResponseError(-32603, `internal error in ${method}: ${err instanceof Error ? err.message : String(err)}`);
}

export function registerEngineHandlers(connection: MessageConnection, service: EngineService, hooks: RpcHooks): void {
  const handle = <P, R>(method: string, fn: (params: P, signal: AbortSignal) => Promise<R>) => {
    return async (params: P, token: CancellationToken): Promise<R | ResponseError<unknown>> => {
      const started = Date.now();
      try {
        const result = await fn(params, tokenToSignal(token));
        hooks.log(`${method} done in ${Date.now() - started} ms`);
        return result;
      } catch (err) {
        const response = toResponseError(method, err, hooks.log);
        hooks.log(`${method} failed after ${Date.now() - started} ms: ${response.message}`);
        return response;
      }
    };
  };

  // requests without params get only the token
  const handle0 = <R>(method: string, fn: () => Promise<R>) => {
    const inner = handle<undefined, R>(method, fn);
    return (token: CancellationToken) => inner(undefined, token);
  };

  connection.onRequest(
    InitializeRequest,
    handle('initialize', async (params) => {
      if (params.protocolVersion !== PROTOCOL_VERSION) {
        throw new EngineError(
          `protocol version ${params.protocolVersion} is not supported by engine ${ENGINE_VERSION} (speaks ${PROTOCOL_VERSION}): extension and engine come from different builds`,
          EngineErrorCodes.BadInput,
        );
      }
      service.setThreads(params.threads);
      service.setCacheLimit(params.graphCacheLimitBytes);
      return { protocolVersion: PROTOCOL_VERSION, engineVersion: ENGINE_VERSION };
    }),
  );

  connection.onRequest(
    ModelLoadRequest,
    handle('model/load', (params) =>
      service.loadModel(
        params,
        (done, total) =>
          void connection.sendNotification(ModelProgressNotification, { path: params.path, done, total }),
      ),
    ),
  );

  // the stores of the engine's own environment (OLLAMA_MODELS, HF_HUB_CACHE, … as the editor was started with)
  connection.onRequest(
    ModelsDiscoverRequest,
    handle0('models/discover', () => discoverModels()),
  );

  connection.onRequest(
    RemoteConnectRequest,
    handle('remote/connect', async (params, signal) => {
      if (!hooks.connectRemote)
        throw new EngineError('this build has no remote backend', EngineErrorCodes.NotAvailable);
      return service.useBackend(await hooks.connectRemote(params, signal));
    }),
  );

  connection.onRequest(
    CompleteRequest,
    handle('complete', (params, signal) => {
      const streamId = params.streamId;
      const onDelta = streamId
        ? (text: string) => void connection.sendNotification(GenerationDeltaNotification, { streamId, text })
        : undefined;
      return service.complete(params, { signal, onDelta });
    }),
  );

  connection.onRequest(
    ChatRequest,
    handle('chat', (params, signal) =>
      service.chat(params, {
        signal,
        onDelta: (text) =>
          void connection.sendNotification(GenerationDeltaNotification, { streamId: params.streamId, text }),
      }),
    ),
  );

  connection.onRequest(
    ProofCheckRequest,
    handle('proof/check', (params, signal) => {
      if (!hooks.checkProof)
        throw new EngineError('proof checking is not available in this build', EngineErrorCodes.NotAvailable);
      return hooks.checkProof(params, { signal });
    }),
  );

  connection.onRequest(
    StatsRequest,
    handle0('stats', async () => service.stats()),
  );
  connection.onRequest(
    CacheInfoRequest,
    handle0('cache/info', async () => service.cacheInfo()),
  );
  connection.onRequest(
    CacheClearRequest,
    handle0('cache/clear', async () => service.clearCache()),
  );
  connection.onRequest(
    RoutingProfileRequest,
    handle0('routing/profile', async () => service.routingProfile()),
  );
  // not through handle(): it is sent every few seconds and must not fill the log
  connection.onRequest(PingRequest, () => ({ pid: process.pid }));

  connection.onRequest(
    ServeStartRequest,
    handle('serve/start', (params) => {
      if (!hooks.serve)
        throw new EngineError('this build has no OpenAI-compatible server', EngineErrorCodes.NotAvailable);
      return hooks.serve.start(params);
    }),
  );
  connection.onRequest(
    ServeStopRequest,
    handle0('serve/stop', async () => hooks.serve?.stop()),
  );

  connection.onRequest(
    CalibrateRequest,
    handle('calibrate', (params) => service.calibrate(params)),
  );

  connection.onRequest(
    ShutdownRequest,
    handle0('shutdown', async () => {
      await hooks.serve?.stop();
      await service.dispose();
      // answer first, then leave: the client is waiting for this reply before it expects the exit
      setImmediate(hooks.onShutdown);
    }),
  );
}
