// Who may talk to the local server. A browser page can reach a loopback port too: through DNS rebinding (its own name
// resolving to 127.0.0.1, so the Host header is the page's name) or by a "simple" cross-origin POST (text/plain needs
// no preflight). So the Host must name this server, a browser Origin is refused unless configured, and a POST body
// must be declared JSON (a page cannot send that cross-origin without a preflight, which we do not grant).
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { ApiError } from './api-error';
import { isLoopbackHost } from './loopback';

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `[::1]` for an IPv6 literal, the name as is otherwise, lower case. */
function bracketed(host: string): string {
  const h = host.trim().toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * Checks the Host header against the bound address: exactly that host (or, for a loopback bind, any loopback name;
 * for a wildcard bind, an IP literal or this machine's name) and the bound port. A DNS name other than those is what
 * a rebinding page would send, so it is refused.
 */
export class HostCheck {
  private readonly names: Set<string>;
  private readonly anyIp: boolean;

  constructor(
    bindHost: string,
    private readonly port: number,
  ) {
    const bind = bracketed(bindHost);
    this.anyIp = WILDCARD.has(bindHost.trim());
    const names = [bind];
    if (isLoopbackHost(bindHost)) names.push(...LOOPBACK_NAMES);
    if (this.anyIp) names.push(...LOOPBACK_NAMES, hostname().toLowerCase());
    this.names = new Set(names);
  }

  check(req: IncomingMessage): void {
    const raw = req.headers.host;
    if (!raw) throw new ApiError(400, 'missing Host header', 'invalid_request_error', null, 'bad_host');
    const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(raw.trim());
    const name = m?.[1].toLowerCase();
    const port = m?.[2] === undefined ? 80 : Number(m[2]);
    const known =
      name !== undefined && (this.names.has(name) || (this.anyIp && isIP(name.replace(/^\[|\]$/g, '')) !== 0));
    if (!known || port !== this.port) {
      throw new ApiError(
        421,
        `Host '${raw.slice(0, 100)}' is not this server's address (port ${this.port})`,
        'invalid_request_error',
        null,
        'bad_host',
      );
    }
  }
}

/** Browser Origins allowed to call the server (none unless configured); clients that are not browsers send none. */
export class OriginCheck {
  private readonly allowed: Set<string>;

  constructor(origins: readonly string[] = []) {
    this.allowed = new Set(origins.map((o) => o.trim().toLowerCase().replace(/\/+$/, '')));
  }

  /** The allowed origin to echo in CORS headers, undefined for a request without Origin; throws for any other. */
  check(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    if (this.allowed.has('*') || this.allowed.has(origin.toLowerCase())) return origin;
    throw new ApiError(
      403,
      `requests from the browser origin '${origin.slice(0, 100)}' are refused (serve --allow-origin adds one)`,
      'invalid_request_error',
      null,
      'origin_not_allowed',
    );
  }
}

/** A POST body must be declared as JSON (UTF-8). */
export function requireJson(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const [media, ...params] = type.split(';').map((s) => s.trim());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (media !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
    throw new ApiError(
      415,
      `request body must be 'Content-Type: application/json' (got '${type.slice(0, 100)}')`,
      'invalid_request_error',
      null,
      'unsupported_media_type',
    );
  }
}
