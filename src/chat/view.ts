// The sidebar chat: a WebviewViewProvider that streams the engine's replies into the webview. What one resolve of the
// view adds lives in its own store, cleared first on the next resolve, so a view VS Code resolves again (moved, re-shown)
// keeps one set of listeners.
import * as vscode from 'vscode';
import { ChatRequest, GenerationStats } from '../../engine/protocol';
import { chatSettings, routingStrength } from '../config';
import type { EngineSupervisor } from '../engine/supervisor';
import { ChatHistory } from './history';
import { chatHtml } from './html';
import type { Attachment, ChatTurn, HostMessage, WebviewMessage } from './messages';
import { toEngineMessages } from './prompt';
import { ReplyGate } from './reply-gate';
import { trimToContext } from './trim';
import { Disposable, DisposableStore, toDisposable } from '../util/disposable';

export const CHAT_VIEW_ID = 'switchyard.chat';
/** VS Code's own command for every view: shows the chat (and resolves it the first time) */
export const FOCUS_CHAT = `${CHAT_VIEW_ID}.focus`;

/** One finished reply, as the view kept it. */
export interface FinishedReply {
  text: string;
  stopReason?: string;
  error?: string;
  /** how many of the oldest messages its prompt left out (they no longer fit the context) */
  trimmed: number;
}

export class ChatViewProvider extends Disposable implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private readonly history: ChatHistory;
  private readonly gate = new ReplyGate();
  private pendingAttachment: Attachment | undefined;
  private pendingPrefill: string | undefined;
  /** listeners of the current webview: a view resolved again (moved, re-shown) must not add a second set */
  private readonly viewStore = this._register(new DisposableStore());
  private streamCounter = 0;
  /** resolves when the webview said it is ready (tests wait for it) */
  private readyWaiters: (() => void)[] = [];
  private isReady = false;
  private readonly finishedEmitter = this._register(new vscode.EventEmitter<FinishedReply>());
  /** a reply finished (answered, stopped or failed) and is kept in the history */
  readonly onDidFinishReply = this.finishedEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    workspaceState: vscode.Memento,
    private readonly engine: EngineSupervisor,
    private readonly onStats: (s: GenerationStats) => void,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    super();
    this.history = new ChatHistory(workspaceState);
    this._register(toDisposable(() => this.stop()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.viewStore.clear();
    this.view = view;
    this.isReady = false;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = chatHtml(view.webview, media);
    this.describe();
    this.viewStore.add(this.engine.onDidChangeState(() => this.describe()));
    // VS Code ignores the handler's promise: a failure here must be reported, not left an unhandled rejection
    this.viewStore.add(
      view.webview.onDidReceiveMessage(
        (m: WebviewMessage) => void this.onMessage(m).catch((err) => this.reportFailure(m.type, err)),
      ),
    );
    this.viewStore.add(
      view.onDidDispose(() => {
        if (this.view !== view) return;
        this.view = undefined;
        this.isReady = false;
        this.viewStore.clear();
      }),
    );
  }

  private reportFailure(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.log(`chat: '${what}' failed: ${message}`);
    void vscode.window.showErrorMessage(`Switchyard chat: ${message}`);
  }

  /** The view's title line names the model, and says when the chat leaves this machine. */
  private describe(): void {
    if (!this.view) return;
    const m = this.engine.model;
    this.view.description = !m
      ? undefined
      : m.backend === 'openai-compatible'
        ? `${m.name} · remote: ${hostOf(m.path)}`
        : m.name;
  }

  /** For tests: the view's title line. */
  get description(): string | undefined {
    return this.view?.description;
  }

  /** Resolves once the webview is loaded and listening. */
  whenReady(): Promise<void> {
    return this.isReady ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  /** Opens the chat with the editor's selection attached (Ask About Selection) and, optionally, a question to send. */
  async ask(attachment: Attachment | undefined, question?: string): Promise<void> {
    await vscode.commands.executeCommand(FOCUS_CHAT);
    if (question !== undefined) {
      await this.whenReady();
      await this.send(question, attachment);
      return;
    }
    this.pendingAttachment = attachment;
    if (this.isReady) this.post({ type: 'attach', attachment });
  }

  /**
   * Sends a user message and streams the reply; resolves when the reply is complete, false when the message was
   * not taken (a reply is still being written). After Stop or New Chat it waits for the stopped reply to settle.
   */
  async send(text: string, attachment?: Attachment, id?: number): Promise<boolean> {
    const cts = new vscode.CancellationTokenSource();
    const slot = await this.gate.enter(() => cts.cancel());
    if (!slot) {
      cts.dispose();
      if (id !== undefined) this.post({ type: 'refused', id, reason: 'a reply is still being written: stop it first' });
      return false;
    }
    if (id !== undefined) this.post({ type: 'accepted', id });
    const turns = this.history.current;
    turns.push({ role: 'user', content: text, attachment });
    const reply: ChatTurn = { role: 'assistant', content: '' };
    turns.push(reply);
    const replyIndex = turns.length - 1;
    this.post({ type: 'load', turns, busy: true });
    this.post({ type: 'start', replyIndex });

    void vscode.commands.executeCommand('setContext', 'switchyard.chatBusy', true);
    const streamId = `chat-${process.pid}-${++this.streamCounter}`;
    const deltaSub = this.engine.onDelta((d) => {
      if (d.streamId !== streamId || cts.token.isCancellationRequested) return;
      reply.content += d.text;
      this.post({ type: 'delta', replyIndex, text: d.text });
    });
    const { maxTokens, temperature, systemPrompt } = chatSettings();
    const { messages, dropped } = trimToContext(
      toEngineMessages(turns.slice(0, -1), systemPrompt),
      this.engine.model?.contextLength,
      maxTokens,
    );
    if (dropped) this.post({ type: 'trimmed', dropped });
    try {
      const result = await this.engine.request(
        ChatRequest,
        { messages, streamId, maxTokens, temperature, routing: { domain: 'auto', strength: routingStrength() } },
        cts.token,
      );
      // The final text is authoritative (a delta lost to a race must not leave the reply short).
      if (!cts.token.isCancellationRequested) reply.content = result.text;
      reply.stopReason = cts.token.isCancellationRequested ? 'cancelled' : result.stopReason;
      this.onStats(result.stats);
      this.post({ type: 'done', replyIndex, stopReason: reply.stopReason, tokensPerS: result.stats.decodeTokensPerS });
    } catch (err) {
      if (cts.token.isCancellationRequested) {
        reply.stopReason = 'cancelled';
        this.post({ type: 'done', replyIndex, stopReason: 'cancelled' });
      } else {
        reply.error = err instanceof Error ? err.message : String(err);
        this.post({ type: 'done', replyIndex, error: reply.error });
      }
    } finally {
      deltaSub.dispose();
      cts.dispose();
      this.finishedEmitter.fire({
        text: reply.content,
        stopReason: reply.stopReason,
        error: reply.error,
        trimmed: dropped,
      });
      slot.release();
      void vscode.commands.executeCommand('setContext', 'switchyard.chatBusy', this.gate.busy);
      await this.history.save();
    }
    return true;
  }

  stop(): void {
    this.gate.stop();
  }

  async newChat(): Promise<void> {
    this.stop();
    this.history.newSession();
    await this.history.save();
    this.post({ type: 'load', turns: this.history.current, busy: false });
  }

  get turns(): readonly ChatTurn[] {
    return this.history.current;
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.isReady = true;
        this.post({ type: 'load', turns: this.history.current, busy: this.gate.busy });
        if (this.pendingAttachment) this.post({ type: 'attach', attachment: this.pendingAttachment });
        if (this.pendingPrefill) this.post({ type: 'prefill', text: this.pendingPrefill });
        this.pendingPrefill = undefined;
        this.readyWaiters.splice(0).forEach((r) => r());
        return;
      case 'send':
        this.pendingAttachment = undefined;
        await this.send(m.text, m.attachment, m.id);
        return;
      case 'stop':
        return this.stop();
      case 'newChat':
        return this.newChat();
      case 'attachSelection':
        this.pendingAttachment = selectionAttachment();
        if (!this.pendingAttachment)
          void vscode.window.showInformationMessage('Switchyard: select some text in an editor first.');
        this.post({ type: 'attach', attachment: this.pendingAttachment });
        return;
      case 'insert':
        return insertAtCursor(m.code);
      case 'copy':
        await vscode.env.clipboard.writeText(m.code);
        void vscode.window.setStatusBarMessage('Switchyard: code copied', 2000);
        return;
    }
  }

  private post(m: HostMessage): void {
    void this.view?.webview.postMessage(m);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The active editor's selection as an attachment, or undefined when nothing is selected. */
export function selectionAttachment(editor = vscode.window.activeTextEditor): Attachment | undefined {
  if (!editor || editor.selection.isEmpty) return undefined;
  return {
    fileName: vscode.workspace.asRelativePath(editor.document.uri),
    languageId: editor.document.languageId,
    text: editor.document.getText(editor.selection),
    line: editor.selection.start.line + 1,
  };
}

async function insertAtCursor(code: string): Promise<void> {
  const editor =
    vscode.window.visibleTextEditors.find((e) => e === vscode.window.activeTextEditor) ??
    vscode.window.visibleTextEditors[0];
  if (!editor) {
    void vscode.window.showInformationMessage('Switchyard: open an editor to insert the code into.');
    return;
  }
  await editor.edit((b) => {
    for (const sel of editor.selections) b.replace(sel, code);
  });
}
