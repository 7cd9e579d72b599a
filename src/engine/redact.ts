// A `user:password@` in switchyard.remote.baseUrl is a credential: it may reach the server, but never a log line, a
// message or the status bar. Everything the supervisor logs or shows passes through here. No VS Code API.

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/** Every `scheme://userinfo@` in `text` without its userinfo. */
export function redactUserinfo(text: string): string {
  return text.replace(USERINFO, '$1');
}
