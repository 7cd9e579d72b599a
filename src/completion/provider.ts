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
import { Disposable } from '../util/disposable';

/** One call by VS Code: answered "off" (the global toggle or the language's switch), or passed to the pipeline. */
export interface ProvideCall {
  switchedOff: boolean;
}

export class SwitchyardInlineProvider extends Disposable implements vscode.InlineCompletionItemProvider {
  readonly pipeline: CompletionPipeline;
  private readonly recent = this._register(new RecentFiles());
  /** git-ignored files lend no context chunk */
  readonly ignored: IgnoredFiles;
  private lastError: string | undefined;
  private readonly calledEmitter = this._register(new vscode.EventEmitter<ProvideCall>());
  /** VS Code asked for a suggestion */
  readonly onDidProvide = this.calledEmitter.event;

  constructor(
    private readonly engine: EngineSupervisor,
    private readonly log: vscode.LogOutputChannel,
    private readonly onStats: (s: GenerationStats) => void,
  ) {
    super();
    this.pipeline = this._register(
      new CompletionPipeline((params, token) => engine.request(CompleteRequest, params, token), completionSettings()),
    );
    const ignored = createIgnoredFiles((line) => log.warn(line));
    this.ignored = ignored.files;
    // checked when opened, so that the first completion after it need not leave the file out
    const prefetch = (docs: readonly vscode.TextDocument[]) =>
      this.ignored.prefetch(docs.filter((d) => d.uri.scheme === 'file').map((d) => d.uri.fsPath));
    prefetch(vscode.workspace.textDocuments);
    this._register(ignored.watcher);
    this._register(vscode.workspace.onDidOpenTextDocument((d) => prefetch([d])));
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && e.document === vscode.window.activeTextEditor?.document)
          this.pipeline.recordKeystroke();
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('switchyard.completion') || e.affectsConfiguration('switchyard.routing')) {
          this.pipeline.updateSettings(completionSettings());
        }
      }),
    );
    this._register(engine.onDidChangeState((s) => s === 'starting' && this.pipeline.cache.clear()));
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const switchedOff = !inlineEnabled() || !languageEnabled(document.languageId);
    this.calledEmitter.fire({ switchedOff });
    if (switchedOff) return undefined;
    if (this.engine.state === 'failed' || this.engine.state === 'crashed') return undefined;
    const editor = vscode.window.activeTextEditor;
    const tabSize =
      editor?.document === document && typeof editor.options.tabSize === 'number' ? editor.options.tabSize : 4;
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
}
