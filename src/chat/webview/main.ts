// The chat webview's script: renders the conversation, streams replies, sends user actions to the extension host.
import DOMPurify from 'dompurify';
import type { Attachment, ChatTurn, HostMessage, WebviewMessage } from '../messages';
import { Composer } from './composer';
import { createRenderer } from './render';

declare function acquireVsCodeApi(): { postMessage(m: WebviewMessage): void };
const vscode = acquireVsCodeApi();
const render = createRenderer(DOMPurify);

const log = document.getElementById('log')!;
const input = document.getElementById('input') as HTMLTextAreaElement;
const sendButton = document.getElementById('send') as HTMLButtonElement;
const stopButton = document.getElementById('stop') as HTMLButtonElement;
const attachBox = document.getElementById('attachment')!;
let turns: ChatTurn[] = [];
let attachment: Attachment | undefined;
let busy = false;
const composer = new Composer();
const pendingRender = new Set<number>();

function setBusy(b: boolean): void {
  busy = b;
  sendButton.disabled = b;
  stopButton.hidden = !b;
}

function showAttachment(a: Attachment | undefined): void {
  attachment = a;
  attachBox.hidden = !a;
  attachBox.textContent = a ? `Attached: ${a.fileName}, line ${a.line} (${a.text.split('\n').length} lines)` : '';
  if (a) {
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'link';
    remove.textContent = 'remove';
    remove.onclick = () => showAttachment(undefined);
    attachBox.append(' ', remove);
  }
}

function turnElement(turn: ChatTurn, index: number): HTMLElement {
  const el = document.createElement('article');
  el.className = `turn ${turn.role}`;
  el.dataset.index = String(index);
  const who = document.createElement('header');
  who.textContent = turn.role === 'user' ? 'You' : 'Switchyard';
  el.append(who);
  if (turn.attachment) {
    const a = document.createElement('div');
    a.className = 'attachment';
    a.textContent = `${turn.attachment.fileName}:${turn.attachment.line}`;
    a.title = turn.attachment.text;
    el.append(a);
  }
  const body = document.createElement('div');
  body.className = 'body';
  el.append(body);
  fillBody(body, turn);
  return el;
}

function fillBody(body: HTMLElement, turn: ChatTurn): void {
  if (turn.role === 'user') {
    body.textContent = turn.content; // the user's words, verbatim
  } else {
    body.innerHTML = render(turn.content);
    decorateCodeBlocks(body);
  }
  const note = turn.error
    ? `Error: ${turn.error}`
    : turn.stopReason === 'cancelled'
      ? 'Stopped.'
      : turn.stopReason === 'repetition'
        ? 'Stopped: the reply began repeating itself.'
        : '';
  if (note) {
    const p = document.createElement('p');
    p.className = turn.error ? 'error' : 'note';
    p.textContent = note;
    body.append(p);
  }
}

/** Copy and Insert buttons on every code block; created here, after sanitising, so model output cannot forge them. */
function decorateCodeBlocks(root: HTMLElement): void {
  for (const pre of Array.from(root.querySelectorAll('pre'))) {
    const code = pre.querySelector('code');
    if (!code) continue;
    const bar = document.createElement('div');
    bar.className = 'code-actions';
    for (const [label, type] of [
      ['Copy', 'copy'],
      ['Insert', 'insert'],
    ] as const) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'secondary';
      b.textContent = label;
      b.title = type === 'copy' ? 'Copy to the clipboard' : 'Insert at the cursor in the editor';
      b.onclick = () => vscode.postMessage({ type, code: code.textContent ?? '' });
      bar.append(b);
    }
    pre.before(bar);
  }
}

function renderAll(): void {
  log.replaceChildren(...turns.map(turnElement));
  if (turns.length === 0) {
    const empty = document.createElement('p');
    empty.className = 'empty';
    empty.textContent = 'Ask about code or math. Select text in an editor and use “Attach selection” to discuss it.';
    log.append(empty);
  }
  log.scrollTop = log.scrollHeight;
}

/** Re-render one reply at most once per frame while it streams. */
function scheduleRender(index: number): void {
  if (pendingRender.has(index)) return;
  pendingRender.add(index);
  requestAnimationFrame(() => {
    pendingRender.delete(index);
    const el = log.querySelector<HTMLElement>(`article[data-index="${index}"] .body`);
    if (el && turns[index]) fillBody(el, turns[index]);
    log.scrollTop = log.scrollHeight;
  });
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'load':
      turns = m.turns;
      setBusy(m.busy);
      renderAll();
      break;
    case 'start':
      setBusy(true);
      break;
    case 'delta':
      if (turns[m.replyIndex]) {
        turns[m.replyIndex].content += m.text;
        scheduleRender(m.replyIndex);
      }
      break;
    case 'done': {
      const t = turns[m.replyIndex];
      if (t) {
        t.stopReason = m.stopReason;
        t.error = m.error;
        scheduleRender(m.replyIndex);
      }
      setBusy(false);
      const el = log.querySelector<HTMLElement>(`article[data-index="${m.replyIndex}"]`);
      el?.setAttribute('data-done', 'true');
      break;
    }
    case 'attach':
      showAttachment(m.attachment);
      break;
    case 'prefill':
      input.value = m.text;
      input.focus();
      break;
    case 'accepted':
      input.value = composer.accepted(m.id, input.value);
      showAttachment(undefined);
      showNotice('');
      break;
    case 'trimmed':
      showNotice(
        `The ${m.dropped} oldest message${m.dropped === 1 ? '' : 's'} no longer fit the model's context and ${m.dropped === 1 ? 'was' : 'were'} left out of this reply. New chat starts afresh.`,
      );
      break;
    case 'refused':
      composer.refused(m.id);
      showNotice(`Not sent: ${m.reason}. Your message is still here.`);
      break;
  }
});

/** A line under the input (why a message was not sent); empty hides it. */
function showNotice(text: string): void {
  const notice = document.getElementById('notice');
  if (!notice) return;
  notice.textContent = text;
  notice.hidden = !text;
}

function submit(): void {
  if (busy) return;
  // the text stays in the input until the host answers 'accepted'
  const message = composer.submit(input.value);
  if (message) vscode.postMessage({ type: 'send', id: message.id, text: message.text, attachment });
}

document.getElementById('composer')!.addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submit();
  }
});
stopButton.onclick = () => vscode.postMessage({ type: 'stop' });
document.getElementById('new-chat')!.onclick = () => vscode.postMessage({ type: 'newChat' });
document.getElementById('attach')!.onclick = () => vscode.postMessage({ type: 'attachSelection' });

renderAll();
vscode.postMessage({ type: 'ready' });
