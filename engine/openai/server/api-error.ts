// How the local server words a failure: an OpenAI error body with the HTTP status an OpenAI client expects, engine
// errors mapped onto those statuses, and a malformed URL as the client's mistake (400), never an internal error with
// a stack.
import { EngineError } from '../../errors';
import { EngineErrorCodes } from '../../protocol';
import type { ErrorBody } from '../schema';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
  toJSON(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Engine failures as the HTTP status a client of this API expects. */
export function apiErrorOf(err: unknown): ApiError {
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

/** A percent-encoded path segment; a malformed escape is the client's mistake, not an internal error. */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError(
      400,
      `malformed percent-escape in the URL path: '${part.slice(0, 100)}'`,
      'invalid_request_error',
      null,
      'bad_url',
    );
  }
}
