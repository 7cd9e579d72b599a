// The engine as the rest of the extension sees it: the supervisor, configured from settings, logging to a
// LogOutputChannel, telling the user once when the engine crashed, restarting when the model setting changes.
import * as vscode from 'vscode';
import {
  backendKind,
  engineMemoryBudget,
  enginePrecision,
  engineThreads,
  graphCacheLimit,
  modelPath,
  remoteSettings,
  serverSettings,
} from '../config';
import { CommandIds } from '../commands/ids';
import { ApiKeys, serverOrigin } from './api-keys';
import { redactUserinfo } from './redact';
import { describeExit, EngineLaunchConfig, EngineSupervisor, errorMessage } from './supervisor';

export const ENGINE_LOG_NAME = 'Switchyard Engine';

/** What the engine is started with, from the settings and the secret storage; throws naming the setting to fix. */
async function launchConfig(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  keys: ApiKeys,
): Promise<EngineLaunchConfig> {
  const server = serverSettings();
  if (server?.rejectedOrigins.length) warnRejectedOrigins(log, server.rejectedOrigins);
  const cacheLimit = graphCacheLimit();
  if (cacheLimit.error) log.warn(cacheLimit.error);
  const config: EngineLaunchConfig = {
    spawn: {
      enginePath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'engine.js').fsPath,
      nodePath: process.execPath,
      cwd: context.extensionPath,
      onStderrLine: (line) => logEngineLine(log, line),
    },
    modelPath: modelPath(context.extensionPath),
    threads: engineThreads(),
    precision: enginePrecision(),
    graphCacheLimitBytes: cacheLimit.bytes,
    memoryBudgetBytes: engineMemoryBudget(),
    serve: server && {
      host: server.host,
      port: server.port,
      apiKey: await keys.serverKey(),
      allowOrigins: server.allowOrigins,
    },
  };
  if (backendKind() === 'local') return config;
  const remote = remoteSettings();
  if (!remote.baseUrl) {
    throw new Error(
      'switchyard.backend is "openai-compatible" but switchyard.remote.baseUrl is empty: set it to the server\'s address up to /v1 (e.g. http://gpu-box:8000/v1)',
    );
  }
  if (!serverOrigin(remote.baseUrl))
    throw new Error(`switchyard.remote.baseUrl '${redactUserinfo(remote.baseUrl)}' is not an http:// or https:// URL`);
  if (!remote.model) throw new Error('switchyard.remote.model is empty: set it to the model name the server serves');
  return { ...config, remote: { ...remote, apiKey: await keys.remoteKey(remote.baseUrl) } };
}

let warnedOrigins = '';

/** Logged at every start; shown once per list, not at every restart. */
function warnRejectedOrigins(log: vscode.LogOutputChannel, rejected: string[]): void {
  const list = rejected.map((r) => `'${r.slice(0, 100)}'`).join(', ');
  const message = `switchyard.server.allowOrigins: left out ${list}: each entry must be an origin such as https://example.com or http://localhost:3000 (scheme, host and port; no path, no wildcard)`;
  log.warn(message);
  if (list === warnedOrigins) return;
  warnedOrigins = list;
  void vscode.window.showWarningMessage(`Switchyard: ${message}`);
}

export function createEngineClient(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  keys: ApiKeys,
): EngineSupervisor {
  const engine = new EngineSupervisor(
    () => launchConfig(context, log, keys),
    (line) => log.info(line),
  );
  const restart = () => engine.restart().catch((err) => reportStartFailure(err));
  // a settings change or a new key moves the server; a failure there is logged, never an unhandled rejection
  const reconfigureServing = () =>
    void engine.reconfigureServing().catch((err) => log.error(`local server not reconfigured: ${errorMessage(err)}`));
  let toldServing: string | undefined;

  let toldAboutCrash = false;
  context.subscriptions.push(
    { dispose: () => void engine.dispose() },
    engine.onDidCrash(({ exit, restartInMs, hung }) => {
      const what = hung
        ? `stopped answering (no reply for ${Math.round(hung.silentMs / 1000)} s)`
        : `crashed (${describeExit(exit)})`;
      if (restartInMs === undefined) {
        void vscode.window
          .showErrorMessage(
            `Switchyard: the engine keeps ${hung ? 'hanging' : 'crashing'} (${hung ? 'it stopped answering' : describeExit(exit)}).`,
            'Show Engine Log',
            'Restart Engine',
          )
          .then(
            (pick) =>
              pick &&
              vscode.commands.executeCommand(
                pick === 'Show Engine Log' ? CommandIds.showEngineLog : CommandIds.restartEngine,
              ),
          );
        return;
      }
      // Once per session: a crash that recovers by itself is shown in the status bar, not in repeated pop-ups.
      if (toldAboutCrash) return;
      toldAboutCrash = true;
      void vscode.window
        .showWarningMessage(`Switchyard: the engine ${what}; restarting it.`, 'Show Engine Log')
        .then((pick) => pick && vscode.commands.executeCommand(CommandIds.showEngineLog));
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // remote.* matters only while the remote backend is on.
      const remote = backendKind() === 'openai-compatible' && e.affectsConfiguration('switchyard.remote');
      const reload =
        remote ||
        ['modelPath', 'engine.threads', 'engine.precision', 'engine.memoryBudget', 'backend'].some((k) =>
          e.affectsConfiguration(`switchyard.${k}`),
        );
      if (reload) restart();
      // The local server moves without reloading the model (a restart applies it anyway).
      else if (e.affectsConfiguration('switchyard.server')) reconfigureServing();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(restart),
    keys.onDidChange((which) => {
      if (which === 'server') reconfigureServing();
      else if (backendKind() === 'openai-compatible') restart();
    }),
    engine.onDidChangeServing(() => {
      const err = engine.servingError;
      if (!err) {
        toldServing = undefined;
        return;
      }
      if (err === toldServing) return; // said once; the status bar keeps showing it
      toldServing = err;
      void vscode.window
        .showWarningMessage(`Switchyard: the local OpenAI-compatible server is not running: ${err}`, 'Open Settings')
        .then((pick) => pick && vscode.commands.executeCommand('workbench.action.openSettings', 'switchyard.server'));
    }),
  );
  return engine;
}

/** The engine writes `level: message` or plain lines to stderr; keep their level in the log view. */
function logEngineLine(log: vscode.LogOutputChannel, raw: string): void {
  const line = redactUserinfo(raw);
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
  const msg = redactUserinfo(err instanceof Error ? err.message : String(err));
  if (backendKind() === 'openai-compatible') {
    // The fix is a setting or the key, not another model folder.
    void vscode.window
      .showErrorMessage(
        `Switchyard: cannot use the remote server: ${msg}`,
        'Retry',
        'Open Settings',
        'Set API Key',
        'Show Engine Log',
      )
      .then((pick) => {
        // a server that was down or a VPN that was off: try again without opening anything
        if (pick === 'Retry') void vscode.commands.executeCommand(CommandIds.restartEngine);
        else if (pick === 'Open Settings')
          void vscode.commands.executeCommand('workbench.action.openSettings', 'switchyard.remote');
        else if (pick === 'Set API Key') void vscode.commands.executeCommand(CommandIds.setRemoteApiKey);
        else if (pick) void vscode.commands.executeCommand(CommandIds.showEngineLog);
      });
    return;
  }
  void vscode.window
    .showErrorMessage(`Switchyard: the engine could not start: ${msg}`, 'Select Model', 'Show Engine Log')
    .then(
      (pick) =>
        pick &&
        vscode.commands.executeCommand(pick === 'Select Model' ? CommandIds.selectModel : CommandIds.showEngineLog),
    );
}
