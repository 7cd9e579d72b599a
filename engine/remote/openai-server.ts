// The engine as an OpenAI-compatible HTTP server, for tools that already speak that API (Continue, Cline, scripts with
// the `openai` client): /v1/models, /v1/completions (with `suffix` for fill-in-the-middle), /v1/chat/completions
// (streamed as Server-Sent Events or not) and /health. Node's own `http`: the surface is five routes.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import { CancelledError } from '../service/queue';
import type { EngineService, GenerationResult, StreamOptions } from '../service/engine-service';
import { ApiError, finishReason, parseChatRequest, parseCompletionRequest, usage, type CommonRequest } from './openai-schema';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface OpenAIServerOptions {
  /** the id clients put in `model` (the served model's folder name) */
  modelId: string;
  /** when set, every /v1 request needs `Authorization: Bearer <apiKey>` */
  apiKey?: string;
  /** generation requests that may wait behind the one running; more are answered 503 (default 8) */
  queue?: number;
  log?: (line: string) => void;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, `request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
        resolve(body as Record<string, unknown>);
      } catch (err) {
        reject(new ApiError(400, `request body is not a JSON object: ${(err as Error).message}`));
      }
    });
  });
}

/** Engine failures as the HTTP status a client of this API expects. */
function apiErrorOf(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof EngineError) {
    switch (err.code) {
      case EngineErrorCodes.BadInput:
        return new ApiError(400, err.message);
      case EngineErrorCodes.Busy:
        return new ApiError(503, err.message, 'server_busy', null, 'queue_full');
      case EngineErrorCodes.NoModelLoaded:
        return new ApiError(503, err.message, 'server_error');
      case EngineErrorCodes.NotAvailable:
        return new ApiError(501, err.message, 'server_error');
      default:
        return new ApiError(500, err.message, 'server_error');
    }
  }
  return new ApiError(500, `internal error: ${err instanceof Error ? err.message : String(err)}`, 'server_error');
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
  /** HTTP generations running or waiting for the engine */
  private active = 0;

  constructor(
    private readonly service: EngineService,
    private readonly options: OpenAIServerOptions,
  ) {
    this.apiKey = options.apiKey ? Buffer.from(options.apiKey) : undefined;
    this.log = options.log ?? (() => undefined);
    this.server = createServer((req, res) => void this.handle(req, res));
    // a slow generation is normal; a client idle on the socket is not held forever
    this.server.requestTimeout = 0;
    this.server.keepAliveTimeout = 5000;
  }

  listen(port: number, host: string): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        resolve({ host, port: typeof addr === 'object' && addr ? addr.port : port });
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
      if (path === '/health') {
        if (req.method !== 'GET') throw new ApiError(405, 'use GET');
        const model = this.service.model;
        const queue = { active: this.active, capacity: 1 + this.capacity };
        send(res, model ? 200 : 503, { status: model ? 'ok' : 'no model', model: this.options.modelId, queue });
        return;
      }
      if (!path.startsWith('/v1/')) throw new ApiError(404, `no route ${req.method} ${path}`, 'invalid_request_error', null, 'not_found');
      if (!this.authorised(req)) {
        throw new ApiError(401, 'missing or wrong API key: send Authorization: Bearer <key> (the key given to --api-key)', 'invalid_request_error', null, 'invalid_api_key');
      }
      if (path === '/v1/models' && req.method === 'GET') {
        send(res, 200, { object: 'list', data: [this.modelObject()] });
      } else if (path.startsWith('/v1/models/') && req.method === 'GET') {
        const id = decodeURIComponent(path.slice('/v1/models/'.length));
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
      this.fail(res, err);
    } finally {
      this.log(`${req.method} ${path} ${res.statusCode} ${Date.now() - started} ms`);
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (err instanceof CancelledError || res.destroyed) return; // the client left; nobody to tell
    const api = apiErrorOf(err);
    if (api.status >= 500 && !(err instanceof EngineError)) this.log(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
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

  private get capacity(): number {
    return this.options.queue ?? 8;
  }

  private modelObject() {
    return { id: this.options.modelId, object: 'model', created: this.created, owned_by: 'switchyard' };
  }

  private unknownModel(id: string): ApiError {
    return new ApiError(404, `the model '${id}' does not exist; this server serves '${this.options.modelId}'`, 'invalid_request_error', 'model', 'model_not_found');
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
    const request = parseCompletionRequest(await readBody(req));
    this.checkModel(request);
    const id = `cmpl-${randomUUID()}`;
    const chunk = (text: string, finish: string | null) => ({
      id,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: this.options.modelId,
      choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
    });
    const run = (stream: StreamOptions) =>
      request.suffix !== undefined
        ? this.service.fill({ prefix: request.prompt, suffix: request.suffix, languageId: 'plaintext' }, request.sampling, stream)
        : this.service.text(request.prompt, request.sampling, stream);
    await this.respond(res, request, run, chunk, (result) => ({
      ...chunk(result.text, finishReason(result.stopReason)),
      usage: usage(result.stats.promptTokens, result.stats.generatedTokens),
    }));
  }

  private async chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = parseChatRequest(await readBody(req));
    this.checkModel(request);
    const id = `chatcmpl-${randomUUID()}`;
    let first = true;
    const chunk = (text: string, finish: string | null) => {
      const delta = first ? { role: 'assistant', content: text } : finish ? {} : { content: text };
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
        choices: [{ index: 0, message: { role: 'assistant', content: result.text }, logprobs: null, finish_reason: finishReason(result.stopReason) }],
        usage: usage(result.stats.promptTokens, result.stats.generatedTokens),
      }),
    );
  }

  /** Streamed: one event per delta, a final event with the finish reason (and usage when asked), [DONE]. */
  private async respond(
    res: ServerResponse,
    request: CommonRequest,
    run: (stream: StreamOptions) => Promise<GenerationResult>,
    chunk: (text: string, finish: string | null) => Record<string, unknown>,
    whole: (result: GenerationResult) => unknown,
  ): Promise<void> {
    if (this.active >= 1 + this.capacity) {
      throw new ApiError(503, `the engine is busy: ${this.active} request(s) running or waiting; retry shortly`, 'server_busy', null, 'queue_full');
    }
    this.active++;
    try {
      await this.generate(res, request, run, chunk, whole);
    } finally {
      this.active--;
    }
  }

  private async generate(
    res: ServerResponse,
    request: CommonRequest,
    run: (stream: StreamOptions) => Promise<GenerationResult>,
    chunk: (text: string, finish: string | null) => Record<string, unknown>,
    whole: (result: GenerationResult) => unknown,
  ): Promise<void> {
    const signal = this.disconnectSignal(res);
    if (!request.stream) {
      send(res, 200, whole(await run({ signal })));
      return;
    }
    // Headers go out once the request is running, so a full queue can still answer 503.
    let stream: EventStream | undefined;
    const open = () => (stream ??= new EventStream(res));
    const result = await run({
      signal,
      onDelta: (text) => open().send(chunk(text, null)),
    });
    const events = open();
    events.send(chunk('', finishReason(result.stopReason)));
    if (request.includeUsage) {
      events.send({ ...chunk('', null), choices: [], usage: usage(result.stats.promptTokens, result.stats.generatedTokens) });
    }
    events.end();
  }
}
