// Chat history, per workspace (VS Code's workspaceState): the current conversation plus a few earlier ones.
import type * as vscode from 'vscode';
import type { ChatTurn } from './messages';

const KEY = 'switchyard.chat.sessions';
const MAX_SESSIONS = 20;

interface Stored {
  sessions: ChatTurn[][];
}

export class ChatHistory {
  private sessions: ChatTurn[][];

  constructor(private readonly memento: vscode.Memento) {
    const stored = memento.get<Stored>(KEY);
    this.sessions = stored?.sessions?.length ? stored.sessions : [[]];
  }

  /** The conversation on screen. */
  get current(): ChatTurn[] {
    return this.sessions[this.sessions.length - 1];
  }

  /** Earlier conversations, newest last. */
  get earlier(): readonly ChatTurn[][] {
    return this.sessions.slice(0, -1);
  }

  /** Starts a new conversation; an empty current one is reused rather than kept. */
  newSession(): void {
    if (this.current.length > 0) this.sessions.push([]);
    if (this.sessions.length > MAX_SESSIONS) this.sessions.splice(0, this.sessions.length - MAX_SESSIONS);
  }

  save(): Thenable<void> {
    return this.memento.update(KEY, { sessions: this.sessions } satisfies Stored);
  }
}
