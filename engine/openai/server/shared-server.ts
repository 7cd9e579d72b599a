// serve/start and serve/stop: the engine subprocess also answers other tools over the OpenAI API, sharing the model
// (and its one-at-a-time queue) with the editor, so a second copy of the weights is never loaded.
import { EngineError } from '../../errors';
import { EngineErrorCodes, type ServeParams, type ServeResult } from '../../protocol';
import type { EngineService } from '../../service/engine-service';
import { OpenAIServer } from './server';

/** The engine's own OpenAI-compatible server, sharing its model with the editor (serve/start, serve/stop). */
export class SharedServer {
  private server?: OpenAIServer;

  constructor(
    private readonly service: EngineService,
    private readonly log: (line: string) => void,
  ) {}

  async start(params: ServeParams): Promise<ServeResult> {
    const model = this.service.model;
    if (!model)
      throw new EngineError('no model loaded: send model/load before serve/start', EngineErrorCodes.NoModelLoaded);
    await this.stop();
    const host = params.host ?? '127.0.0.1';
    const modelId = params.modelId ?? model.name;
    const server = new OpenAIServer(this.service, {
      modelId,
      apiKey: params.apiKey,
      queue: params.queue,
      allowOrigins: params.allowOrigins,
      log: (l) => this.log(`http ${l}`),
    });
    let url: string;
    try {
      ({ url } = await server.listen(params.port ?? 8012, host));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new EngineError(
        code === 'EADDRINUSE'
          ? `port ${params.port ?? 8012} on ${host} is already in use: choose another port`
          : `cannot listen on ${host}: ${(err as Error).message}`,
        EngineErrorCodes.BadInput,
      );
    }
    this.server = server;
    this.log(`serving '${modelId}' at ${url}${params.apiKey ? ' (bearer key required)' : ''}`);
    return { url, modelId };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }
}
