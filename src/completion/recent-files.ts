// Which other files the user has open or edited lately, and where: the candidates for context chunks.
import * as vscode from 'vscode';
import { Disposable } from '../util/disposable';
import type { CandidateFile } from './context';

const MAX_TRACKED = 20;

export class RecentFiles extends Disposable {
  private readonly used = new Map<string, { lastUsed: number; lastEditOffset?: number }>();

  constructor() {
    super();
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        const change = e.contentChanges[0];
        if (!change || !isFile(e.document)) return;
        this.touch(e.document.uri.toString(), e.document.offsetAt(change.range.start));
      }),
    );
    this._register(
      vscode.window.onDidChangeActiveTextEditor(
        (ed) => ed && isFile(ed.document) && this.touch(ed.document.uri.toString()),
      ),
    );
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.used.delete(d.uri.toString())));
  }

  private touch(key: string, lastEditOffset?: number): void {
    const prev = this.used.get(key);
    this.used.delete(key);
    this.used.set(key, { lastUsed: Date.now(), lastEditOffset: lastEditOffset ?? prev?.lastEditOffset });
    if (this.used.size > MAX_TRACKED) this.used.delete(this.used.keys().next().value!);
  }

  /** Open text documents other than the current one, with their recency. */
  candidates(current: vscode.TextDocument): CandidateFile[] {
    return vscode.workspace.textDocuments
      .filter((d) => d !== current && isFile(d) && d.lineCount < 20_000)
      .map((d) => {
        const u = this.used.get(d.uri.toString());
        return {
          filePath: vscode.workspace.asRelativePath(d.uri),
          diskPath: d.uri.scheme === 'file' ? d.uri.fsPath : undefined,
          languageId: d.languageId,
          text: d.getText(),
          lastEditOffset: u?.lastEditOffset,
          lastUsed: u?.lastUsed ?? 0,
        };
      });
  }
}

function isFile(d: vscode.TextDocument): boolean {
  return d.uri.scheme === 'file' || d.uri.scheme === 'vscode-remote' || d.uri.scheme === 'untitled';
}
