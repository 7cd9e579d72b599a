// The InlineCompletionItemProvider: VS Code's side of the completion pipeline.
import * as vscode from 'vscode';
import { CompleteRequest, GenerationStats } from '../../engine/protocol';
import { completionSettings, contextChunkLimits, contextExclude, inlineEnabled, languageEnabled } from '../config';
import type { EngineSupervisor } from '../engine/supervisor';
import { selectContextChunks } from './context';
import { allowedContext } from './context-filter';
import type { IgnoredFiles } from './git-ignore';
import { createIgnoredFiles } from './ignored-files';
import { CompletionPipeline } from './pipeline';
import { RecentFiles } from './recent-files';

export class SwitchyardInlineProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  readonly pipeline: CompletionPipeline;
  private readonly recent = new RecentFiles();
  /** git-ignored files lend no context chunk */
  readonly ignored: IgnoredFiles;
  private readonly subs: vscode.Disposable[] = [];
  private lastError: string | undefined;
  /** calls by VS Code, and those answered "off" (global toggle or language switch), for tests and the benchmark */
  readonly calls = { total: 0, switchedOff: 0 };

  constructor(
    private readonly engine: EngineSupervisor,
    private readonly log: vscode.LogOutputChannel,
    private readonly onStats: (s: GenerationStats) => void,
  ) {
    this.pipeline = new CompletionPipeline((params, token) => engine.request(CompleteRequest, params, token), completionSettings());
    const ignored = createIgnoredFiles((line) => log.warn(line));
    this.ignored = ignored.files;
    // checked when opened, so that the first completion after it need not leave the file out
    const prefetch = (docs: readonly vscode.TextDocument[]) => this.ignored.prefetch(docs.filter((d) => d.uri.scheme === 'file').map((d) => d.uri.fsPath));
    prefetch(vscode.workspace.textDocuments);
    this.subs.push(
      ignored.watcher,
      vscode.workspace.onDidOpenTextDocument((d) => prefetch([d])),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && e.document === vscode.window.activeTextEditor?.document) this.pipeline.recordKeystroke();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('switchyard.completion') || e.affectsConfiguration('switchyard.routing')) {
          this.pipeline.updateSettings(completionSettings());
        }
      }),
      engine.onDidChangeState((s) => s === 'starting' && this.pipeline.cache.clear()),
    );
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    this.calls.total++;
    if (!inlineEnabled() || !languageEnabled(document.languageId)) {
      this.calls.switchedOff++;
      return undefined;
    }
    if (this.engine.state === 'failed' || this.engine.state === 'crashed') return undefined;
    const editor = vscode.window.activeTextEditor;
    const tabSize = editor?.document === document && typeof editor.options.tabSize === 'number' ? editor.options.tabSize : 4;
    try {
      const suggestion = await this.pipeline.suggest(
        {
          text: document.getText(),
          offset: document.offsetAt(position),
          languageId: document.languageId,
          filePath: vscode.workspace.asRelativePath(document.uri),
          tabSize,
          contextChunks: selectContextChunks(
            allowedContext(this.recent.candidates(document), {
              languageEnabled,
              exclude: contextExclude(),
              gitIgnored: (p) => this.ignored.isIgnored(p),
            }),
            vscode.workspace.asRelativePath(document.uri),
            document.languageId,
            contextChunkLimits(),
          ),
        },
        token,
      );
      if (suggestion?.result) this.onStats(suggestion.result.stats);
      if (!suggestion?.text || token.isCancellationRequested) return undefined;
      this.lastError = undefined;
      return [new vscode.InlineCompletionItem(suggestion.text, new vscode.Range(position, position))];
    } catch (err) {
      // Logged once per distinct cause: an engine error must never become a pop-up per keystroke.
      const msg = err instanceof Error ? err.message : String(err);
      if (msg !== this.lastError) this.log.warn(`completion failed: ${msg}`);
      this.lastError = msg;
      return undefined;
    }
  }

  dispose(): void {
    this.pipeline.dispose();
    this.recent.dispose();
    this.subs.forEach((s) => s.dispose());
  }
}
