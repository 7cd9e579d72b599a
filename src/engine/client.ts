// The engine as the rest of the extension sees it: the supervisor, configured from settings, logging to a
// LogOutputChannel, telling the user once when the engine crashed, restarting when the model setting changes.
import * as vscode from 'vscode';
import { engineThreads, modelPath } from '../config';
import { describeExit, EngineSupervisor } from './supervisor';

export const ENGINE_LOG_NAME = 'Switchyard Engine';

export function createEngineClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): EngineSupervisor {
  const enginePath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'engine.js').fsPath;
  const engine = new EngineSupervisor(
    () => ({
      spawn: {
        enginePath,
        nodePath: process.execPath,
        cwd: context.extensionPath,
        onStderrLine: (line) => logEngineLine(log, line),
      },
      modelPath: modelPath(context.extensionPath),
      threads: engineThreads(),
    }),
    (line) => log.info(line),
  );

  let toldAboutCrash = false;
  context.subscriptions.push(
    { dispose: () => void engine.dispose() },
    engine.onDidCrash(({ exit, restartInMs }) => {
      if (restartInMs === undefined) {
        void vscode.window
          .showErrorMessage(`Switchyard: the engine keeps crashing (${describeExit(exit)}).`, 'Show Engine Log', 'Restart Engine')
          .then((pick) => pick && vscode.commands.executeCommand(pick === 'Show Engine Log' ? 'switchyard.showEngineLog' : 'switchyard.restartEngine'));
        return;
      }
      // Once per session: a crash that recovers by itself is shown in the status bar, not in repeated pop-ups.
      if (toldAboutCrash) return;
      toldAboutCrash = true;
      void vscode.window
        .showWarningMessage(`Switchyard: the engine crashed (${describeExit(exit)}); restarting it.`, 'Show Engine Log')
        .then((pick) => pick && vscode.commands.executeCommand('switchyard.showEngineLog'));
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('switchyard.modelPath') || e.affectsConfiguration('switchyard.engine.threads')) {
        engine.restart().catch((err) => reportStartFailure(err));
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => engine.restart().catch((err) => reportStartFailure(err))),
  );
  return engine;
}

/** The engine writes `level: message` or plain lines to stderr; keep their level in the log view. */
function logEngineLine(log: vscode.LogOutputChannel, line: string): void {
  const m = /^\s*\[?(error|warn|warning|info|debug|trace)\]?[:\s]\s*(.*)$/i.exec(line);
  const level = m?.[1].toLowerCase();
  const text = m ? m[2] : line;
  if (level === 'error') log.error(text);
  else if (level === 'warn' || level === 'warning') log.warn(text);
  else if (level === 'debug') log.debug(text);
  else if (level === 'trace') log.trace(text);
  else log.info(text);
}

export function reportStartFailure(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  void vscode.window
    .showErrorMessage(`Switchyard: the engine could not start: ${msg}`, 'Select Model', 'Show Engine Log')
    .then((pick) => pick && vscode.commands.executeCommand(pick === 'Select Model' ? 'switchyard.selectModel' : 'switchyard.showEngineLog'));
}
