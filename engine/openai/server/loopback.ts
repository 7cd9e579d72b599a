// Which addresses only this machine can reach: serving the model anywhere else without a key would hand it to the
// network (the `serve` command warns; the editor's setting refuses).
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.trim().toLowerCase());
}
