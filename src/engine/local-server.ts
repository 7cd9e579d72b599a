// The engine's OpenAI-compatible server for other tools (serve/start, serve/stop), as the extension sees it: where it
// serves, or why it does not. It lives inside the engine process, so the supervisor forgets it when that process goes.
import { Emitter, Event, type MessageConnection } from 'vscode-jsonrpc';
import { ServeParams, ServeResult, ServeStartRequest, ServeStopRequest } from '../../engine/protocol';
import { isLoopbackHost } from '../../engine/openai/server/loopback';
import { errorMessage } from './engine-errors';
import { Disposable } from '../util/disposable';

export class LocalServer extends Disposable {
  private _serving: ServeResult | undefined;
  private _error: string | undefined;
  private readonly emitter = this._register(new Emitter<void>());
  /** the server started, stopped or failed */
  readonly onDidChange: Event<void> = this.emitter.event;

  constructor(private readonly log: (line: string) => void) {
    super();
  }

  /** where the engine serves other tools over the OpenAI API, while it does */
  get serving(): ServeResult | undefined {
    return this._serving;
  }
  /** why the server is not running although the settings ask for it */
  get error(): string | undefined {
    return this._error;
  }

  /**
   * Starts (or moves) the server. A failure (port in use, no key for a public address) is kept in `error`; the engine
   * itself keeps serving the editor.
   */
  async start(connection: MessageConnection, params: ServeParams): Promise<void> {
    const host = params.host ?? '127.0.0.1';
    try {
      if (!isLoopbackHost(host) && !params.apiKey) {
        throw new Error(
          `not serving on ${host} without an API key: anyone who can reach that address could use the model. Set one with "Switchyard: Set Local Server API Key…", or bind 127.0.0.1`,
        );
      }
      this._serving = await connection.sendRequest(ServeStartRequest, params);
      this._error = undefined;
      this.log(
        `serving the OpenAI API at ${this._serving.url} as '${this._serving.modelId}'${params.apiKey ? ' (API key required)' : ''}`,
      );
    } catch (err) {
      this._serving = undefined;
      this._error = errorMessage(err);
      this.log(`local server not started: ${this._error}`);
    }
    this.emitter.fire();
  }

  async stop(connection: MessageConnection): Promise<void> {
    const was = this._serving;
    this._serving = undefined;
    this._error = undefined;
    if (was) {
      await connection
        .sendRequest(ServeStopRequest)
        .catch((err) => this.log(`serve/stop failed: ${errorMessage(err)}`));
      this.log(`stopped serving at ${was.url}`);
    }
    this.emitter.fire();
  }

  /** The engine process went, and the server with it. */
  forget(): void {
    if (!this._serving) return;
    this._serving = undefined;
    this.emitter.fire();
  }
}
