// Small shared words about the engine: how an exit is described, one line for any error (URL userinfo removed), and
// a cancel that may be called twice. Kept apart from the supervisor so it stays one job per file.
import type { CancellationTokenSource } from 'vscode-jsonrpc';
import { EngineErrorCodes } from '../../engine/protocol';
import type { ExitInfo } from './process';
import { redactUserinfo } from './redact';

export function describeExit(e: ExitInfo): string {
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}

/** One line naming the cause, for JSON-RPC errors and everything else. */
export function errorMessage(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) {
    const e = err as { message: string; code?: number };
    if (e.code === EngineErrorCodes.NoModelLoaded) return `no model loaded: ${redactUserinfo(e.message)}`;
    return redactUserinfo(e.message);
  }
  return redactUserinfo(String(err));
}

/**
 * vscode-jsonrpc's CancellationTokenSource throws on a second cancel() when its token was never read; an already
 * cancelled VS Code token calls its listener once more from a timer, so cancel through this.
 */
export function cancelOnce(source: CancellationTokenSource): void {
  if (!source.token.isCancellationRequested) source.cancel();
}
