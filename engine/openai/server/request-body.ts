// A request body read with limits: the size is counted as bytes arrive (a declared Content-Length over the limit is
// refused before any is read), and a body that stops arriving is given up after a time, so a slow or endless upload
// holds neither memory nor a connection.
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error';

export interface BodyLimits {
  maxBytes: number;
  /** the whole body must arrive within this long */
  timeoutMs: number;
}

export function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const tooBig = () =>
      new ApiError(413, `request body over ${limits.maxBytes} bytes`, 'invalid_request_error', null, 'body_too_large');
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limits.maxBytes) {
      // Node already parsed the header as a number; stop reading, answer, and close the connection after it
      req.resume();
      reject(tooBig());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: Error | undefined, value?: Record<string, unknown>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      if (err) {
        reject(err);
        req.resume(); // drain what still arrives; the response closes the connection
      } else resolve(value!);
    };
    const timer = setTimeout(
      () =>
        settle(
          new ApiError(
            408,
            `request body not received within ${limits.timeoutMs} ms`,
            'invalid_request_error',
            null,
            'body_timeout',
          ),
        ),
      limits.timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) settle(tooBig());
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('error', (err) => settle(new ApiError(400, `request body broke off: ${err.message}`)));
    req.on('aborted', () => settle(new ApiError(400, 'request body broke off')));
    req.on('end', () => {
      if (settled) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        settle(new ApiError(400, `request body is not JSON: ${(err as Error).message}`));
        return;
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        settle(new ApiError(400, 'request body is not a JSON object'));
      else settle(undefined, body as Record<string, unknown>);
    });
  });
}
