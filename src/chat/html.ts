// The chat webview's HTML: a strict Content-Security-Policy (nothing runs but our nonce'd bundle, no network), resources only from the extension's media/ folder.
import * as vscode from 'vscode';
import { nonce } from '../util/nonce';
import { webviewDocument } from '../util/webview-document';

export function chatHtml(webview: vscode.Webview, mediaRoot: vscode.Uri): string {
  const n = nonce();
  const asset = (p: string) => webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, p)).toString();
  return webviewDocument({
    title: 'Switchyard Chat',
    allow: [
      `script-src 'nonce-${n}'`,
      // KaTeX positions glyphs with inline style attributes (a nonce here would switch those off).
      `style-src ${webview.cspSource} 'unsafe-inline'`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
    ],
    head: `<link rel="stylesheet" href="${asset('dist/chat.css')}">
<link rel="stylesheet" href="${asset('chat.css')}">`,
    body: `<main id="log" role="log" aria-live="polite" aria-label="Conversation"></main>
<form id="composer">
  <div id="attachment" hidden></div>
  <p id="notice" class="note" role="status" hidden></p>
  <textarea id="input" rows="3" placeholder="Ask about code or math… (Enter to send, Shift+Enter for a new line)" aria-label="Message"></textarea>
  <div class="actions">
    <button type="button" id="attach" class="secondary" title="Attach the editor selection">Attach selection</button>
    <button type="button" id="new-chat" class="secondary" title="Start a new chat">New chat</button>
    <button type="button" id="stop" class="secondary" hidden>Stop</button>
    <button type="submit" id="send">Send</button>
  </div>
</form>
<script nonce="${n}" src="${asset('dist/chat.js')}"></script>`,
  });
}
