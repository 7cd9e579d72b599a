// `switchyard.server.allowOrigins`: the browser origins (web pages) allowed to call the local server. The server
// refuses every request carrying another Origin (engine/openai/server/request-guard.ts), so a page the user visits cannot
// use the model. Each entry must be an origin exactly, as a browser sends it: scheme, host and port, nothing more.
// Free of the VS Code API, so the rule is unit-tested in plain Node.

/**
 * The valid origins, normalised as browsers send them (`https://Example.com:443/` -> `https://example.com`), and the
 * entries dropped: not http(s), with a path, query, fragment or user name, `*` (any page on the web: the CLI's
 * `serve --allow-origin '*'` is there for that) and `null` (sandboxed frames, local files), and wildcards such as `https://*.example.com`.
 */
export function parseAllowedOrigins(value: unknown): { origins: string[]; rejected: string[] } {
  const origins = new Set<string>();
  const rejected: string[] = [];
  for (const entry of Array.isArray(value) ? value : []) {
    const origin = typeof entry === 'string' ? originOf(entry.trim()) : undefined;
    if (origin) origins.add(origin);
    else rejected.push(typeof entry === 'string' ? entry : JSON.stringify(entry));
  }
  return { origins: [...origins], rejected };
}

function originOf(entry: string): string | undefined {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return undefined;
  if (url.hostname.includes('*')) return undefined; // no wildcards: the server compares origins exactly
  // `new URL` accepts `https://example.com/?` and `https://example.com#` as if they had no query or fragment
  if (/[?#]/.test(entry) || /^[a-z]+:\/\/[^/]*\/./i.test(entry)) return undefined;
  return url.origin;
}
