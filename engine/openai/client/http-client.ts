// HTTP to an OpenAI-compatible server: JSON requests and Server-Sent-Event streams, retries of 429/503 with backoff
// and Retry-After, an idle timeout, and failures turned into messages that name the server and what to change.
import { createParser } from 'eventsource-parser';
import { EngineError } from '../../errors';
import { EngineErrorCodes } from '../../protocol';
import { CancelledError } from '../../service/queue';

export class RemoteError extends EngineError {
  override name = 'RemoteError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message, EngineErrorCodes.RemoteFailed);
  }
}

export interface RemoteServerOptions {
  baseUrl: string;
  apiKey?: string;
  /** until the response starts, and between two stream events */
  timeoutMs: number;
  /** attempts for 429 / 503 beyond the first */
  retries?: number;
  /** first backoff delay; doubles each retry (Retry-After wins when the server sends one) */
  backoffMs?: number;
  /** a Retry-After longer than this is not waited for */
  maxRetryAfterMs?: number;
}

const RETRIED = new Set([429, 503]);

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The `error.message` of an OpenAI-style error body, else the body's start. */
async function errorDetail(res: Response): Promise<string> {
  const body = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string; message?: string; detail?: string };
    const message =
      typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message ?? parsed.detail);
    if (message) return String(message).slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.trim().slice(0, 300) || res.statusText;
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

export class RemoteHttpClient {
  readonly baseUrl: string;

  constructor(private readonly server: RemoteServerOptions) {
    let url: URL;
    try {
      url = new URL(server.baseUrl);
    } catch {
      throw new RemoteError(
        `remote base URL '${server.baseUrl}' is not a URL: set switchyard.remote.baseUrl to e.g. http://localhost:8000/v1`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RemoteError(`remote base URL '${server.baseUrl}' must start with http:// or https://`);
    }
    this.baseUrl = server.baseUrl.replace(/\/+$/, '');
  }

  /** How the server is named in messages. */
  get name(): string {
    return this.baseUrl;
  }

  getJson<T>(path: string, signal: AbortSignal): Promise<T> {
    return this.json<T>('GET', path, undefined, signal);
  }

  postJson<T>(path: string, body: unknown, signal: AbortSignal): Promise<T> {
    return this.json<T>('POST', path, body, signal);
  }

  /** POST with `stream: true`: calls `onEvent` with every parsed `data:` payload until `[DONE]`. */
  async stream(path: string, body: unknown, signal: AbortSignal, onEvent: (data: unknown) => void): Promise<void> {
    const watchdog = new Watchdog(this.server.timeoutMs, signal);
    try {
      const res = await this.request('POST', path, body, signal, watchdog);
      if (!res.body) throw new RemoteError(`${this.name} answered a stream request without a body`);
      let done = false;
      let events = 0;
      let malformed: RemoteError | undefined;
      const parser = createParser({
        onEvent: (event) => {
          if (done || malformed) return;
          if (event.data === '[DONE]') {
            done = true;
            return;
          }
          let data: unknown;
          try {
            data = JSON.parse(event.data);
          } catch {
            malformed = new RemoteError(
              `${this.name} sent a malformed stream event (not JSON): ${JSON.stringify(event.data.slice(0, 80))}`,
            );
            return;
          }
          const error = (data as { error?: { message?: string } }).error;
          if (error) {
            malformed = new RemoteError(
              `${this.name} reported an error mid-stream: ${error.message ?? JSON.stringify(error)}`,
            );
            return;
          }
          events++;
          onEvent(data);
        },
      });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          watchdog.reset();
          parser.feed(decoder.decode(chunk, { stream: true }));
          if (malformed) throw malformed;
          if (done) break;
        }
      } catch (err) {
        throw this.explain(err, watchdog, signal, `the stream broke after ${events} event(s)`);
      }
      if (malformed) throw malformed;
      if (!done) {
        throw new RemoteError(
          `${this.name} closed the stream before it finished (after ${events} event(s), no [DONE]): the server may have crashed or restarted`,
        );
      }
    } finally {
      watchdog.dispose();
    }
  }

  private async json<T>(method: string, path: string, body: unknown, signal: AbortSignal): Promise<T> {
    const watchdog = new Watchdog(this.server.timeoutMs, signal);
    try {
      const res = await this.request(method, path, body, signal, watchdog);
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw this.explain(err, watchdog, signal, 'the answer broke off');
      }
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new RemoteError(
          `${this.name} answered with something that is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
        );
      }
    } finally {
      watchdog.dispose();
    }
  }

  /** One request with retries of 429 / 503; resolves with a 2xx response or throws a RemoteError. The watchdog
   * (the caller's, so it keeps guarding the body) aborts on the user's signal or on silence. */
  private async request(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
    watchdog: Watchdog,
  ): Promise<Response> {
    const retries = this.server.retries ?? 3;
    const backoff = this.server.backoffMs ?? 500;
    const maxWait = this.server.maxRetryAfterMs ?? 30_000;
    const headers: Record<string, string> = {
      accept: body === undefined ? 'application/json' : 'application/json, text/event-stream',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.server.apiKey) headers.authorization = `Bearer ${this.server.apiKey}`;
    for (let attempt = 0; ; attempt++) {
      watchdog.reset();
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: watchdog.signal,
        });
      } catch (err) {
        throw this.explain(err, watchdog, signal, 'the request failed');
      }
      if (res.ok) return res;
      if (RETRIED.has(res.status) && attempt < retries) {
        const asked = parseRetryAfter(res.headers.get('retry-after'));
        await res.body?.cancel().catch(() => undefined);
        if (asked !== undefined && asked > maxWait) {
          throw new RemoteError(
            `${this.name} is ${res.status === 429 ? 'rate limiting' : 'unavailable'} (HTTP ${res.status}) and asks to retry in ${Math.ceil(asked / 1000)} s`,
            res.status,
          );
        }
        watchdog.pause(); // waiting on the server's request is not the server being silent
        await sleep(asked ?? backoff * 2 ** attempt, signal);
        continue;
      }
      throw await this.statusError(res, path);
    }
  }

  private async statusError(res: Response, path: string): Promise<RemoteError> {
    const detail = await errorDetail(res);
    const s = res.status;
    if (s === 401 || s === 403) {
      return new RemoteError(
        `${this.name} refused the request (HTTP ${s}: ${detail}): set the right key with "Switchyard: Set Remote Server API Key…" (it is kept per server)`,
        s,
      );
    }
    if (s === 404) {
      return new RemoteError(
        `${this.name} has no ${path} or does not serve the model (HTTP 404: ${detail}): check switchyard.remote.model, and that switchyard.remote.baseUrl ends in /v1`,
        s,
      );
    }
    if (RETRIED.has(s))
      return new RemoteError(
        `${this.name} stayed ${s === 429 ? 'rate limited' : 'unavailable'} (HTTP ${s}: ${detail}) after retrying`,
        s,
      );
    return new RemoteError(`${this.name} answered HTTP ${s} on ${path}: ${detail}`, s);
  }

  /** A fetch / stream failure as the user's cancel, our timeout, or a network problem. */
  private explain(err: unknown, watchdog: Watchdog, userSignal: AbortSignal, what: string): Error {
    if (err instanceof EngineError) return err;
    if (watchdog.timedOut) {
      return new RemoteError(
        `${this.name} sent nothing for ${(this.server.timeoutMs / 1000).toFixed(1)} s (${what}): the server is overloaded or stuck; raise switchyard.remote.timeoutMs if it is just slow`,
      );
    }
    if (userSignal.aborted) return new CancelledError();
    const cause = networkCause(err);
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(cause)) {
      return new RemoteError(
        `cannot reach ${this.name} (${cause}): is the server running, and is switchyard.remote.baseUrl right?`,
      );
    }
    return new RemoteError(`${this.name}: ${what} (${cause}): the server may have crashed or closed the connection`);
  }
}

/** Aborts when the user cancels, or when nothing arrived for `timeoutMs` (reset on every chunk). */
class Watchdog {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  timedOut = false;
  private readonly onUserAbort = () => this.controller.abort();

  constructor(
    private readonly timeoutMs: number,
    private readonly userSignal: AbortSignal,
  ) {
    if (userSignal.aborted) this.controller.abort();
    else userSignal.addEventListener('abort', this.onUserAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  reset(): void {
    clearTimeout(this.timer);
    if (this.timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort();
      }, this.timeoutMs);
    }
  }

  pause(): void {
    clearTimeout(this.timer);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.userSignal.removeEventListener('abort', this.onUserAbort);
  }
}
