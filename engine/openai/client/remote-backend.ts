// An OpenAI-compatible server (vLLM, SGLang, DeepSeek API, llama.cpp server, Ollama) as a backend. Completions send
// the FIM prompt built here in the model family's format as a raw `prompt` (or `prompt` + `suffix` for servers that
// take one); chat goes to /chat/completions, where the server applies the model's template. Always streamed, so a
// cancel or a stop rule ends the HTTP request at once.
import { EngineError } from '../../errors';
import {
  EngineErrorCodes,
  type ChatMessage,
  type FimFormat,
  type ModelInfo,
  type RemoteConnectParams,
  type StopReason,
} from '../../protocol';
import { emptyStats, type Backend, type BackendGenerateOptions, type BackendResult } from '../../service/backend';
import {
  buildFimPrompt,
  contextAsComments,
  FIM_FORMATS,
  fimFormatByName,
  guessFimFormatFromModelName,
  type FimRequest,
} from '../../service/fim';
import type { ModelList, StreamChoice, StreamChunk } from '../schema';
import { RemoteError, RemoteHttpClient } from './http-client';

const DEFAULT_TIMEOUT_MS = 60_000;

/** What another server sends may lack any field (llama.cpp and Ollama leave some out): the schema, read as optional. */
type Received<T> = T extends object ? { [K in keyof T]?: Received<T[K]> | null } : T;

/** OpenAI's `stop` covers both the end-of-text token and a stop string; only the request can tell which. */
function stopReasonOf(finish: string | null | undefined, sentStops: boolean): StopReason {
  if (finish === 'length') return 'length';
  return sentStops ? 'stop' : 'eos';
}

export class RemoteBackend implements Backend {
  readonly info: ModelInfo;
  /** the server schedules its own batch; a few requests may be in flight at once */
  readonly concurrency = 4;
  private readonly fim?: FimFormat;

  constructor(
    private readonly client: RemoteHttpClient,
    private readonly params: RemoteConnectParams,
  ) {
    this.fim = params.fimFormat ? fimFormatByName(params.fimFormat) : guessFimFormatFromModelName(params.model);
    if (params.fimFormat && !this.fim) {
      throw new EngineError(
        `unknown FIM format '${params.fimFormat}': use one of ${FIM_FORMATS.map((f) => f.name).join(', ')}`,
        EngineErrorCodes.BadInput,
      );
    }
    this.info = {
      path: client.baseUrl,
      name: params.model,
      modelType: 'remote',
      vocabSize: 0,
      layers: 0,
      moeLayers: 0,
      routedExperts: 0,
      activeExperts: 0,
      parameters: 0,
      precision: 'f32',
      hasTokenizer: false,
      fim: params.fimMode === 'suffix' ? undefined : this.fim,
      hasChatTemplate: true, // the server applies the model's template
      hasRoutingProfile: false,
      backend: 'openai-compatible',
    };
  }

  fill(req: FimRequest, opts: BackendGenerateOptions): Promise<BackendResult> {
    if (this.params.fimMode === 'suffix') {
      return this.completions({ prompt: contextAsComments(req) + req.prefix, suffix: req.suffix }, opts);
    }
    if (!this.fim) {
      throw new EngineError(
        `cannot tell the fill-in-the-middle format of model '${this.params.model}' on ${this.client.name}: set switchyard.remote.fimFormat (${FIM_FORMATS.map((f) => f.name).join(', ')}) or use suffix mode`,
        EngineErrorCodes.BadInput,
      );
    }
    return this.completions({ prompt: buildFimPrompt(this.fim, req) }, opts);
  }

  text(prompt: string, opts: BackendGenerateOptions): Promise<BackendResult> {
    return this.completions({ prompt }, opts);
  }

  chat(messages: readonly ChatMessage[], opts: BackendGenerateOptions): Promise<BackendResult> {
    return this.run('/chat/completions', { messages }, opts, (c) => c.delta?.content ?? '');
  }

  residentExpertBytes(): undefined {
    return undefined;
  }

  memoryBudgetBytes(): undefined {
    return undefined;
  }

  async dispose(): Promise<void> {
    // nothing held: every request owns its connection
  }

  private completions(
    fields: { prompt: string; suffix?: string },
    opts: BackendGenerateOptions,
  ): Promise<BackendResult> {
    return this.run('/completions', fields, opts, (c) => c.text ?? '');
  }

  private async run(
    path: string,
    fields: Record<string, unknown>,
    opts: BackendGenerateOptions,
    pieceOf: (choice: Received<StreamChoice>) => string,
  ): Promise<BackendResult> {
    const body = {
      model: this.params.model,
      ...fields,
      max_tokens: opts.maxTokens,
      temperature: opts.temperature ?? 0,
      ...(opts.topP !== undefined ? { top_p: opts.topP } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.stop && opts.stop.length > 0 ? { stop: opts.stop.slice(0, 4) } : {}),
      stream: true,
      stream_options: { include_usage: true },
    };
    const started = performance.now();
    let firstMs: number | undefined;
    let text = '';
    let pieces = 0;
    let finish: string | null | undefined;
    let usage: Received<StreamChunk>['usage'];
    await this.client.stream(path, body, opts.signal, (data) => {
      const chunk = data as Received<StreamChunk>;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) return;
      const piece = pieceOf(choice);
      if (piece) {
        firstMs ??= performance.now() - started;
        pieces++;
        text += piece;
        opts.onText(piece);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    });
    const elapsed = performance.now() - started;
    const stats = emptyStats();
    stats.promptTokens = usage?.prompt_tokens ?? 0;
    stats.generatedTokens = usage?.completion_tokens ?? pieces;
    stats.timeToFirstTokenMs = firstMs ?? elapsed;
    const decodeMs = elapsed - (firstMs ?? elapsed);
    stats.decodeTokensPerS =
      decodeMs > 0 && stats.generatedTokens > 1 ? ((stats.generatedTokens - 1) * 1000) / decodeMs : 0;
    return { text, stopReason: stopReasonOf(finish, (opts.stop ?? []).length > 0), stats };
  }
}

/** Check the server and the model once (so a wrong URL, key or model name is reported at connect time). */
export async function connectRemoteBackend(params: RemoteConnectParams, signal: AbortSignal): Promise<Backend> {
  if (!params.model)
    throw new EngineError('no remote model name: set switchyard.remote.model', EngineErrorCodes.BadInput);
  const client = new RemoteHttpClient({
    baseUrl: params.baseUrl,
    apiKey: params.apiKey,
    timeoutMs: params.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  let served: string[] | undefined;
  try {
    const list = await client.getJson<Received<ModelList>>('/models', signal);
    served = list.data?.map((m) => m?.id ?? '').filter(Boolean);
  } catch (err) {
    // Some servers have no /models; only a server that lists models can say ours is missing.
    if (!(err instanceof RemoteError && err.status === 404)) throw err;
  }
  if (served && served.length > 0 && !served.some((id) => id === params.model || id === `${params.model}:latest`)) {
    throw new RemoteError(
      `${client.name} does not serve model '${params.model}' (it serves: ${served.slice(0, 8).join(', ')}): set switchyard.remote.model to one of them`,
      404,
    );
  }
  return new RemoteBackend(client, params);
}
