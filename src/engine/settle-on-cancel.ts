// vscode-jsonrpc sends `$/cancelRequest` when a token is cancelled but leaves the request pending until the engine
// answers it; a hung or busy engine never does, so Stop left the chat `running` and New Chat dropped the next
// message. So a cancelled request is settled here: the engine's own answer wins if it comes within a short grace (it
// carries the partial reply), otherwise the caller gets a cancellation at once, and a late answer is ignored.

export const CANCEL_GRACE_MS = 1000;

/** The rejection of a request the caller cancelled and the engine did not answer in time. */
export class RequestCancelledLocally extends Error {
  constructor(method: string) {
    super(`${method} cancelled (the engine did not answer the cancellation)`);
    this.name = 'AbortError';
  }
}

interface Token {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export function settleOnCancel<R>(
  request: Promise<R>,
  token: Token,
  method: string,
  graceMs = CANCEL_GRACE_MS,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const settle = (fn: () => void) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      sub?.dispose();
      fn();
    };
    const arm = () => {
      timer ??= setTimeout(() => settle(() => reject(new RequestCancelledLocally(method))), graceMs);
    };
    const sub = token.isCancellationRequested ? undefined : token.onCancellationRequested(arm);
    if (token.isCancellationRequested) arm();
    request.then(
      (v) => settle(() => resolve(v)),
      (e: unknown) => settle(() => reject(e)),
    );
  });
}
