// The real local OpenAI-compatible server on loopback, serving a fixture checkpoint with a made-up tokenizer.
import { OpenAIServer, type OpenAIServerOptions } from '../../engine/openai/server/server';
import { loadModel } from '../../engine/runtime/load-model';
import { EngineService } from '../../engine/service/engine-service';
import { testCacheDir } from './fixture-models';
import { fixtureWithMadeUpTokenizer, type MadeUpModelOptions } from './made-up-tokenizer';

export const MODEL_ID = 'switchyard-test';

export interface LocalServer {
  url: string;
  port: number;
  service: EngineService;
  close(): Promise<void>;
}

export interface LocalServerOptions extends Pick<OpenAIServerOptions, 'apiKey' | 'queue' | 'allowOrigins' | 'limits'> {
  model?: MadeUpModelOptions;
}

export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const service = new EngineService({
    loadModel: (dir, o) => loadModel(dir, { ...o, cacheDir: testCacheDir() }),
    threads: 1,
  });
  await service.loadModel({ path: fixtureWithMadeUpTokenizer(opts.model ?? { family: 'none' }) });
  const { model: _model, ...serverOptions } = opts;
  const server = new OpenAIServer(service, { modelId: MODEL_ID, ...serverOptions });
  const { port, url } = await server.listen(0, '127.0.0.1');
  return {
    url,
    port,
    service,
    close: async () => {
      await server.close();
      await service.dispose();
    },
  };
}

/** Resolves once `check` holds, polling; rejects after `ms`. */
export async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
