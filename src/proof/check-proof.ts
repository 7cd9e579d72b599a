// Check Proof in the editor: the command sends the document (or selection) to the engine's proof/check, shows wrong
// steps as Errors (with the counterexample), undecidable ones as Information, verified ones as a ✓ decoration, and
// offers "Show counterexample" / "Ask the model about this step". A new check replaces the previous diagnostics.
import * as vscode from 'vscode';
import type { CancellationToken } from 'vscode';
import type { RequestType } from 'vscode-jsonrpc';
import {
  ProofCheckRequest,
  type ProofCheckParams,
  type ProofCheckResult,
  type ProofStep,
  type SourceRange,
} from '../../engine/protocol';
import {
  askAboutStep,
  counterexampleReport,
  DIAGNOSTIC_SOURCE,
  premiseMessage,
  stepMessage,
  summaryLine,
} from './format';
import { proofTimeoutMs } from '../config';
import { MANAGE_TRUST_COMMAND, MANAGE_TRUST_LABEL, refuseUntrusted } from './prover-trust';
import { CommandIds } from '../commands/ids';

export const CHECK_PROOF = CommandIds.checkProof;
const SHOW_COUNTEREXAMPLE = 'switchyard.proof.showCounterexample';
const ASK_MODEL = 'switchyard.proof.askModel';

export interface ProofEngine {
  sendRequest<P, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R>;
}

const toRange = (r: SourceRange) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

/** Diagnostics keep the step they came from, so code actions can show its counterexample or ask about it. */
class StepDiagnostic extends vscode.Diagnostic {
  constructor(readonly step: ProofStep) {
    super(
      toRange(step.range),
      stepMessage(step),
      step.verdict === 'wrong'
        ? vscode.DiagnosticSeverity.Error
        : step.verdict === 'unparsed'
          ? vscode.DiagnosticSeverity.Warning
          : vscode.DiagnosticSeverity.Information,
    );
    this.source = DIAGNOSTIC_SOURCE;
    this.code = step.verdict;
  }
}

const SEVERITY = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
} as const;

/** Prover paths run programs: in an untrusted workspace only the user's own (global) settings count. */
function proverPath(name: 'coqcPath' | 'leanPath'): string | undefined {
  const inspected = vscode.workspace.getConfiguration('switchyard.proof').inspect<string>(name);
  const value = vscode.workspace.isTrusted
    ? (inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue)
    : inspected?.globalValue;
  return value || undefined;
}

export interface CodeActionCall {
  range: vscode.Range;
  trigger: vscode.CodeActionTriggerKind;
  actions: number;
}

export class CheckProofController implements vscode.Disposable, vscode.CodeActionProvider {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('switchyard-proof');
  readonly verifiedDecoration = vscode.window.createTextEditorDecorationType({
    after: { contentText: ' ✓', color: new vscode.ThemeColor('testing.iconPassed') },
    overviewRulerColor: new vscode.ThemeColor('testing.iconPassed'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  /** verified ranges per document, re-applied when an editor for it becomes visible */
  private readonly verified = new Map<string, vscode.Range[]>();
  /** the step behind each diagnostic, per document (code actions need the step, not just the message) */
  private readonly stepDiagnostics = new Map<string, StepDiagnostic[]>();
  private readonly disposables: vscode.Disposable[] = [];
  private running: vscode.CancellationTokenSource | undefined;
  /** for tests: how many code-action requests were answered, and the last few (the workbench sometimes drops one) */
  readonly codeActionCalls = { count: 0, recent: [] as CodeActionCall[] };

  constructor(
    private readonly engine: ProofEngine,
    private readonly openChat?: (text: string) => void,
    /** whether provers may run (a test passes its own) */
    private readonly isTrusted: () => boolean = () => vscode.workspace.isTrusted,
  ) {
    this.disposables.push(
      this.diagnostics,
      this.verifiedDecoration,
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.decorate(e))),
      vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
    );
  }

  clear(uri: vscode.Uri): void {
    this.diagnostics.delete(uri);
    this.verified.delete(uri.toString());
    this.stepDiagnostics.delete(uri.toString());
    for (const e of vscode.window.visibleTextEditors)
      if (e.document.uri.toString() === uri.toString()) e.setDecorations(this.verifiedDecoration, []);
  }

  private decorate(editor: vscode.TextEditor): void {
    editor.setDecorations(this.verifiedDecoration, this.verified.get(editor.document.uri.toString()) ?? []);
  }

  /** Runs the check on `editor`'s selection (or whole document); returns the engine's result. */
  async check(editor: vscode.TextEditor, token?: vscode.CancellationToken): Promise<ProofCheckResult> {
    const doc = editor.document;
    const selection = editor.selection;
    const whole = selection.isEmpty || ['coq', 'lean', 'lean4'].includes(doc.languageId);
    const cfg = vscode.workspace.getConfiguration('switchyard.proof');
    const params: ProofCheckParams = {
      text: whole ? doc.getText() : doc.getText(selection),
      languageId: doc.languageId,
      filePath: doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined,
      origin: whole ? undefined : { line: selection.start.line, character: selection.start.character },
      withModelCritique: cfg.get<boolean>('modelCritique', true),
      provers: { coqc: proverPath('coqcPath'), lean: proverPath('leanPath') },
      timeoutMs: proofTimeoutMs(),
    };
    const result =
      refuseUntrusted(params, this.isTrusted()) ?? (await this.engine.sendRequest(ProofCheckRequest, params, token));
    this.show(doc, result);
    return result;
  }

  /** Replaces whatever an earlier check left on `doc`. */
  show(doc: vscode.TextDocument, result: ProofCheckResult): void {
    const stepDiagnostics = result.steps.filter((s) => s.verdict !== 'verified').map((s) => new StepDiagnostic(s));
    this.stepDiagnostics.set(doc.uri.toString(), stepDiagnostics);
    const diagnostics: vscode.Diagnostic[] = [...stepDiagnostics];
    // What was read as a condition or definition, so the user sees why it was not checked.
    for (const p of result.premises ?? []) {
      const diagnostic = new vscode.Diagnostic(
        toRange(p.range),
        premiseMessage(p, result),
        vscode.DiagnosticSeverity.Information,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = p.kind;
      diagnostics.push(diagnostic);
    }
    for (const d of result.proverDiagnostics ?? []) {
      const diagnostic = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
      diagnostic.source = result.prover?.name ?? DIAGNOSTIC_SOURCE;
      diagnostics.push(diagnostic);
    }
    this.diagnostics.set(doc.uri, diagnostics);
    this.verified.set(
      doc.uri.toString(),
      result.steps.filter((s) => s.verdict === 'verified').map((s) => toRange(s.range)),
    );
    for (const e of vscode.window.visibleTextEditors) if (e.document === doc) this.decorate(e);
  }

  async run(): Promise<ProofCheckResult | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Check Proof: open a LaTeX, Markdown, text, Coq or Lean file first.');
      return undefined;
    }
    this.running?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.running = source;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Check Proof', cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => source.cancel());
          return this.check(editor, source.token);
        },
      );
      const line = summaryLine(result);
      if (result.prover?.refused === 'untrusted-workspace') {
        void vscode.window
          .showWarningMessage(`Check Proof: ${line}`, MANAGE_TRUST_LABEL)
          .then((pick) => pick === MANAGE_TRUST_LABEL && vscode.commands.executeCommand(MANAGE_TRUST_COMMAND));
      } else if (result.prover && !result.prover.available)
        void vscode.window.showWarningMessage(`Check Proof: ${line}`);
      else if (
        result.steps.some((s) => s.verdict === 'wrong') ||
        result.prover?.proved === false ||
        result.prover?.assuming?.length
      )
        void vscode.window.showWarningMessage(`Check Proof: ${line}`);
      else void vscode.window.showInformationMessage(`Check Proof: ${line}`);
      return result;
    } catch (err) {
      if (source.token.isCancellationRequested) return undefined;
      void vscode.window.showErrorMessage(`Check Proof failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    } finally {
      if (this.running === source) this.running = undefined;
      source.dispose();
    }
  }

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const ours = (this.stepDiagnostics.get(document.uri.toString()) ?? []).filter(
      (d) => d.range.intersection(range) !== undefined,
    );
    const wanted = context.diagnostics.length
      ? ours.filter((d) => context.diagnostics.some((c) => c.range.isEqual(d.range) && c.message === d.message))
      : ours;
    for (const d of wanted.length ? wanted : ours) {
      if (d.step.counterexample) {
        const a = new vscode.CodeAction('Show counterexample', vscode.CodeActionKind.QuickFix);
        a.command = { command: SHOW_COUNTEREXAMPLE, title: 'Show counterexample', arguments: [d.step] };
        a.diagnostics = [d];
        actions.push(a);
      }
      if (d.step.verdict === 'wrong' || d.step.verdict === 'unknown') {
        const a = new vscode.CodeAction('Ask the model about this step', vscode.CodeActionKind.QuickFix);
        a.command = { command: ASK_MODEL, title: 'Ask the model about this step', arguments: [d.step, document.uri] };
        a.diagnostics = [d];
        actions.push(a);
      }
    }
    const calls = this.codeActionCalls;
    calls.count++;
    calls.recent.push({ range, trigger: context.triggerKind, actions: actions.length });
    if (calls.recent.length > 8) calls.recent.shift();
    return actions;
  }

  async showCounterexample(step: ProofStep): Promise<void> {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: counterexampleReport(step) });
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  askModel(step: ProofStep, uri?: vscode.Uri): void {
    const doc = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : undefined;
    const from = Math.max(0, step.range.start.line - 8);
    const context = doc
      ? doc.getText(new vscode.Range(from, 0, Math.min(doc.lineCount - 1, step.range.end.line + 2), 0))
      : step.text;
    const text = askAboutStep(step, context);
    if (this.openChat) this.openChat(text);
    else
      void vscode.env.clipboard
        .writeText(text)
        .then(() =>
          vscode.window.showInformationMessage(
            'Check Proof: the question was copied; paste it into the Switchyard chat.',
          ),
        );
  }

  dispose(): void {
    this.running?.cancel();
    for (const d of this.disposables) d.dispose();
  }
}

/** Wires Check Proof into the extension (called from extension.ts). */
export function registerCheckProof(
  context: vscode.ExtensionContext,
  engine: ProofEngine,
  openChat?: (text: string) => void,
): CheckProofController {
  const controller = new CheckProofController(engine, openChat);
  const languages = ['latex', 'tex', 'markdown', 'plaintext', 'coq', 'lean', 'lean4'].map((language) => ({ language }));
  context.subscriptions.push(
    controller,
    vscode.commands.registerCommand(CHECK_PROOF, () => controller.run()),
    vscode.commands.registerCommand(SHOW_COUNTEREXAMPLE, (step: ProofStep) => controller.showCounterexample(step)),
    vscode.commands.registerCommand(ASK_MODEL, (step: ProofStep, uri?: vscode.Uri) => controller.askModel(step, uri)),
    vscode.languages.registerCodeActionsProvider(
      [...languages, { scheme: 'file' }, { scheme: 'untitled' }],
      controller,
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
  );
  return controller;
}
