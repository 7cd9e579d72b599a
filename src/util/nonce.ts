// The nonce a webview's Content-Security-Policy names for the scripts and styles it lets run: fresh per document.
import { randomBytes } from 'node:crypto';

export function nonce(): string {
  return randomBytes(18).toString('base64');
}
