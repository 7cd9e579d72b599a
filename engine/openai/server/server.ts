// The engine as an OpenAI-compatible HTTP server, for tools that already speak that API (Continue, Cline, scripts with
// the `openai` client): /v1/models, /v1/completions (with `suffix` for fill-in-the-middle), /v1/chat/completions
// (streamed as Server-Sent Events or not) and /health. Node's own `http`: the surface is five routes.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EngineError } from '../../errors';
import { EngineErrorCodes } from '../../protocol';
import { CancelledError } from '../../service/queue';
import type { EngineService, GenerationResult, StreamOptions } from '../../service/engine-service';
import { readJsonBody } from './request-body';
import { HostCheck, OriginCheck, requireJson } from './request-guard';
import { detokenizeRoute, tokenizeRoute } from './tokenize-routes';
import {
  finishReason,
  usage,
  type FinishReason,
  type ModelList,
  type ModelObject,
  type StreamChoice,
  type StreamChunk,
} from '../schema';
import { ApiError, apiErrorOf, decodePathPart } from './api-error';
import { parseChatRequest, parseCompletionRequest, type CommonRequest } from './parse-request';

/** What one client may ask of the server: sizes, times and connections. */
export interface ServerLimits {
  /** bytes of a request body, counted as they arrive */
  maxBodyBytes: number;
  /** bytes of a request's headers (Node answers 431 beyond) */
  maxHeaderBytes: number;
  /** the request line and headers must arrive within this long */
  headersTimeoutMs: number;
  /** the body must arrive within this long after the headers */
  bodyTimeoutMs: number;
  /** open connections at once; more are closed at once */
  maxConnections: number;
  /** max_tokens above this is lowered to it (finish_reason "length" says so) */
  maxTokens: number;
  /** wall-clock budget of one generation, prefill included */
  timeBudgetMs: number;
  /** prompt characters allowed per token of the model's context: longer prompts are refused before tokenising */
  promptCharsPerToken: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 2 * 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  maxConnections: 32,
  maxTokens: 4096,
  timeBudgetMs: 300_000,
  // a token of a BPE vocabulary averages 3 to 5 characters; 16 refuses only prompts that cannot fit anyway
  promptCharsPerToken: 16,
};

/** Used when the model folder does not say its context (a remote backend): 128K tokens. */
const UNKNOWN_CONTEXT = 131_072;

export interface OpenAIServerOptions {
  /** the id clients put in `model` (the served model's folder name) */
  modelId: string;
  /** when set, every /v1 request needs `Authorization: Bearer <apiKey>` (an empty key is refused) */
  apiKey?: string;
  /** HTTP generation requests that may wait behind the one running; more are answered 503 (default 8). The limit of
   * the HTTP lane in the service's one admission queue. */
  queue?: number;
  /** browser origins allowed to call the server (none by default; '*' for any) */
  allowOrigins?: readonly string[];
  limits?: Partial<ServerLimits>;
  log?: (line: string) => void;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Server-Sent Events on one response. */
class EventStream {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
  }
  send(data: unknown): void {
    if (!this.res.writableEnded) this.res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }
  end(): void {
    this.send('[DONE]');
    this.res.end();
  }
}

export class OpenAIServer {
  readonly server: Server;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly apiKey?: Buffer;
  private readonly log: (line: string) => void;
  private readonly limits: ServerLimits;
  private readonly origins: OriginCheck;
  /** set once listening: the Host header must name the bound address */
  private hosts?: HostCheck;

  constructor(
    private readonly service: EngineService,
    private readonly options: OpenAIServerOptions,
  ) {
    if (options.apiKey === '')
      throw new EngineError(
        'the API key is empty: give a key, or none to serve without one',
        EngineErrorCodes.BadInput,
      );
    this.apiKey = options.apiKey ? Buffer.from(options.apiKey) : undefined;
    this.log = options.log ?? (() => undefined);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.origins = new OriginCheck(options.allowOrigins);
    service.setWaitingLimit('http', options.queue ?? 8);
    const { headersTimeoutMs, bodyTimeoutMs, maxHeaderBytes } = this.limits;
    this.server = createServer(
      {
        maxHeaderSize: maxHeaderBytes,
        headersTimeout: headersTimeoutMs,
        // receiving the whole request (not the reply: a slow generation is normal); the body has its own timer too
        requestTimeout: headersTimeoutMs + bodyTimeoutMs,
        connectionsCheckingInterval: Math.max(50, Math.min(1000, headersTimeoutMs / 4)),
      },
      (req, res) => void this.handle(req, res),
    );
    this.server.maxConnections = this.limits.maxConnections;
    // a request Node could not parse still gets a JSON error (431, 408 or 400), then the connection closes
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (socket.writable && err.code !== 'ECONNRESET') {
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
        const text = JSON.stringify(
          new ApiError(
            status,
            `malformed request (${err.code ?? 'parse error'})`,
            'invalid_request_error',
            null,
            'bad_request',
          ).toJSON(),
        );
        socket.end(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
        );
      } else socket.destroy();
    });
    // a client idle on the socket is not held forever
    this.server.keepAliveTimeout = 5000;
  }

  /** `url`: the base URL clients use, up to /v1 (an IPv6 host in brackets). */
  listen(port: number, host: string): Promise<{ host: string; port: number; url: string }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        const bound = typeof addr === 'object' && addr ? addr.port : port;
        this.hosts = new HostCheck(host, bound);
        resolve({ host, port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/v1` });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private authorised(req: IncomingMessage): boolean {
    if (!this.apiKey) return true;
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return false;
    const given = Buffer.from(match[1].trim());
    return given.length === this.apiKey.length && timingSafeEqual(given, this.apiKey);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    try {
      this.hosts?.check(req);
      const origin = this.origins.check(req);
      if (origin !== undefined) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('vary', 'origin');
      }
      if (req.method === 'OPTIONS' && origin !== undefined) {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
      if (path === '/health') {
        if (req.method !== 'GET') throw new ApiError(405, 'use GET');
        const model = this.service.model;
        const status = model ? 'ok' : 'no model';
        // with a key required, an anonymous caller learns only whether the server is up
        if (this.apiKey && !this.authorised(req)) send(res, model ? 200 : 503, { status });
        else send(res, model ? 200 : 503, { status, model: this.options.modelId, queue: this.queueState() });
        return;
      }
      const tokenRoute = path === '/tokenize' ? tokenizeRoute : path === '/detokenize' ? detokenizeRoute : undefined;
      if (!path.startsWith('/v1/') && !tokenRoute)
        throw new ApiError(404, `no route ${req.method} ${path}`, 'invalid_request_error', null, 'not_found');
      if (!this.authorised(req)) {
        throw new ApiError(
          401,
          'missing or wrong API key: send Authorization: Bearer <key> (the key the server was started with)',
          'invalid_request_error',
          null,
          'invalid_api_key',
        );
      }
      if (tokenRoute) {
        // llama.cpp's paths, outside /v1; the same checks as any POST
        if (req.method !== 'POST') throw new ApiError(405, 'use POST');
        send(res, 200, tokenRoute(this.service, await this.body(req)));
        return;
      }
      if (path === '/v1/models' && req.method === 'GET') {
        const list: ModelList = { object: 'list', data: [this.modelObject()] };
        send(res, 200, list);
      } else if (path.startsWith('/v1/models/') && req.method === 'GET') {
        const id = decodePathPart(path.slice('/v1/models/'.length));
        if (id !== this.options.modelId) throw this.unknownModel(id);
        send(res, 200, this.modelObject());
      } else if (path === '/v1/completions' && req.method === 'POST') {
        await this.completions(req, res);
      } else if (path === '/v1/chat/completions' && req.method === 'POST') {
        await this.chatCompletions(req, res);
      } else {
        throw new ApiError(404, `no route ${req.method} ${path}`, 'invalid_request_error', null, 'not_found');
      }
    } catch (err) {
      // a request refused before its body was read: close the connection rather than read what is left
      if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
      this.fail(res, err);
    } finally {
      this.log(`${req.method} ${path.slice(0, 200)} ${res.statusCode} ${Date.now() - started} ms`);
    }
  }

  private queueState() {
    const q = this.service.queueState;
    return { running: q.inFlight, waiting: q.waiting, httpWaiting: q.waitingHttp, httpCapacity: q.httpWaitingLimit };
  }

  private body(req: IncomingMessage): Promise<Record<string, unknown>> {
    requireJson(req);
    return readJsonBody(req, { maxBytes: this.limits.maxBodyBytes, timeoutMs: this.limits.bodyTimeoutMs });
  }

  /** Caps what one HTTP request may ask for: tokens, time, and a prompt length checked before it is tokenised. */
  private bounded(request: CommonRequest, promptChars: number): CommonRequest {
    const maxChars = this.contextTokens() * this.limits.promptCharsPerToken;
    if (promptChars > maxChars) {
      throw new ApiError(
        400,
        `prompt of ${promptChars} characters is too long for the model's context (at most ${maxChars} characters are read)`,
        'invalid_request_error',
        'prompt',
        'context_length_exceeded',
      );
    }
    const sampling = {
      ...request.sampling,
      maxTokens: Math.min(request.sampling.maxTokens, this.limits.maxTokens),
      timeBudgetMs: this.limits.timeBudgetMs,
    };
    return { ...request, sampling };
  }

  /** The served model's context length (config.json's, parsed once when the model loaded). */
  private contextTokens(): number {
    return this.service.model?.contextLength ?? UNKNOWN_CONTEXT;
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (err instanceof CancelledError || res.destroyed) return; // the client left; nobody to tell
    const api = apiErrorOf(err);
    if (api.status >= 500 && !(err instanceof EngineError))
      this.log(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
    if (res.headersSent) {
      // mid-stream: the error travels as an event, then the stream ends
      if (!res.writableEnded) {
        res.write(`data: ${JSON.stringify(api.toJSON())}\n\n`);
        res.end();
      }
      return;
    }
    send(res, api.status, api.toJSON(), api.status === 503 ? { 'retry-after': '1' } : {});
  }

  private modelObject(): ModelObject {
    return { id: this.options.modelId, object: 'model', created: this.created, owned_by: 'switchyard' };
  }

  private unknownModel(id: string): ApiError {
    return new ApiError(
      404,
      `the model '${id}' does not exist; this server serves '${this.options.modelId}'`,
      'invalid_request_error',
      'model',
      'model_not_found',
    );
  }

  private checkModel(request: CommonRequest): void {
    if (request.model !== this.options.modelId) throw this.unknownModel(request.model);
  }

  /** Cancels the generation when the client goes away before the answer is complete. */
  private disconnectSignal(res: ServerResponse): AbortSignal {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    return controller.signal;
  }

  private async completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseCompletionRequest(await this.body(req));
    this.checkModel(parsed);
    const request = { ...parsed, ...this.bounded(parsed, parsed.prompt.length + (parsed.suffix?.length ?? 0)) };
    const id = `cmpl-${randomUUID()}`;
    const chunk = (text: string, finish: FinishReason | null): StreamChunk => ({
      id,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: this.options.modelId,
      choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
    });
    const run = (stream: StreamOptions) =>
      request.suffix !== undefined
        ? this.service.fill(
            { prefix: request.prompt, suffix: request.suffix, languageId: 'plaintext' },
            request.sampling,
            stream,
          )
        : this.service.text(request.prompt, request.sampling, stream);
    await this.respond(res, request, run, chunk, (result) => ({
      ...chunk(result.text, finishReason(result.stopReason)),
      usage: usage(result.stats.promptTokens, result.stats.generatedTokens),
    }));
  }

  private async chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseChatRequest(await this.body(req));
    this.checkModel(parsed);
    const request = {
      ...parsed,
      ...this.bounded(
        parsed,
        parsed.messages.reduce((n, m) => n + m.content.length, 0),
      ),
    };
    const id = `chatcmpl-${randomUUID()}`;
    let first = true;
    const chunk = (text: string, finish: FinishReason | null): StreamChunk => {
      const delta: StreamChoice['delta'] = first
        ? { role: 'assistant', content: text }
        : finish
          ? {}
          : { content: text };
      first = false;
      return {
        id,
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model: this.options.modelId,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      };
    };
    await this.respond(
      res,
      request,
      (stream) => this.service.chat({ ...request.sampling, messages: request.messages, streamId: id }, stream),
      chunk,
      (result) => ({
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: this.options.modelId,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: result.text },
            logprobs: null,
            finish_reason: finishReason(result.stopReason),
          },
        ],
        usage: usage(result.stats.promptTokens, result.stats.generatedTokens),
      }),
    );
  }

  /** Streamed: one event per delta, a final event with the finish reason (and usage when asked), [DONE]. */
  private async respond(
    res: ServerResponse,
    request: CommonRequest,
    run: (stream: StreamOptions) => Promise<GenerationResult>,
    chunk: (text: string, finish: FinishReason | null) => StreamChunk,
    whole: (result: GenerationResult) => unknown,
  ): Promise<void> {
    const signal = this.disconnectSignal(res);
    if (!request.stream) {
      send(res, 200, whole(await run({ signal, lane: 'http' })));
      return;
    }
    // Headers go out once the request is running, so a full queue can still answer 503.
    let stream: EventStream | undefined;
    const open = () => (stream ??= new EventStream(res));
    const result = await run({
      signal,
      lane: 'http',
      onDelta: (text) => open().send(chunk(text, null)),
    });
    const events = open();
    events.send(chunk('', finishReason(result.stopReason)));
    if (request.includeUsage) {
      events.send({
        ...chunk('', null),
        choices: [],
        usage: usage(result.stats.promptTokens, result.stats.generatedTokens),
      });
    }
    events.end();
  }
}
