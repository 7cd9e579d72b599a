// Switchyard's entry point: wiring only. Each feature lives in its folder and hands back Disposables.
import * as vscode from 'vscode';
import { CHAT_VIEW_ID, ChatViewProvider } from './chat/view';
import { ASK_ABOUT_SELECTION, askAboutSelection, EXPLAIN_SELECTION, explainSelection } from './commands/selection';
import { SHOW_MENU, showMenu, TOGGLE_INLINE, toggleInlineCompletions } from './commands/menu';
import { SELECT_MODEL, selectModel } from './commands/model';
import { CLEAR_MODEL_CACHE, clearModelCache } from './commands/clear-cache';
import {
  COPY_SERVER_URL,
  copyServerUrl,
  SET_REMOTE_API_KEY,
  SET_SERVER_API_KEY,
  setRemoteApiKey,
  setServerApiKey,
} from './commands/api-keys';
import { ApiKeys } from './engine/api-keys';
import { SwitchyardInlineProvider } from './completion/provider';
import { inlineEnabled } from './config';
import { CheckProofController, registerCheckProof } from './proof';
import { registerExpertRouting } from './routing/view';
import { createEngineClient, ENGINE_LOG_NAME, reportStartFailure } from './engine/client';
import { EngineStatusBar } from './engine/status-bar';
import type { EngineSupervisor } from './engine/supervisor';

/** What activate() returns: enough for the extension-host tests to observe the real objects. */
export interface SwitchyardApi {
  engine: EngineSupervisor;
  completion: SwitchyardInlineProvider;
  chat: ChatViewProvider;
  statusBar: EngineStatusBar;
  proof: CheckProofController;
  /** the same shutdown deactivate() runs */
  shutdown(): Promise<void>;
}

let shutdownHook: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): SwitchyardApi {
  const log = vscode.window.createOutputChannel(ENGINE_LOG_NAME, { log: true });
  const keys = new ApiKeys(context.secrets);
  const engine = createEngineClient(context, log, keys);
  const statusBar = new EngineStatusBar(engine, inlineEnabled);
  const onStats = statusBar.reportStats.bind(statusBar);
  const completion = new SwitchyardInlineProvider(engine, log, onStats);
  const chat = new ChatViewProvider(context.extensionUri, context.workspaceState, engine, onStats, (line) =>
    log.warn(line),
  );

  const command = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);
  context.subscriptions.push(
    log,
    keys,
    statusBar,
    completion,
    chat,
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, completion),
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat, {
      webviewOptions: { retainContextWhenHidden: true },
    }),
    command(EXPLAIN_SELECTION, () => explainSelection(chat)),
    command(ASK_ABOUT_SELECTION, () => askAboutSelection(chat)),
    command(TOGGLE_INLINE, async () => {
      const on = await toggleInlineCompletions();
      statusBar.render();
      void vscode.window.setStatusBarMessage(`Switchyard: inline completions ${on ? 'on' : 'off'}`, 2500);
    }),
    command('switchyard.restartEngine', () => engine.restart().catch(reportStartFailure)),
    command('switchyard.showEngineLog', () => log.show(true)),
    command(SELECT_MODEL, (folder?: vscode.Uri) => selectModel(engine, folder)),
    command(CLEAR_MODEL_CACHE, () => clearModelCache(engine)),
    command(SHOW_MENU, () => showMenu(engine)),
    command(SET_REMOTE_API_KEY, (key?: string) => setRemoteApiKey(keys, key)),
    command(SET_SERVER_API_KEY, (key?: string) => setServerApiKey(keys, key)),
    command(COPY_SERVER_URL, () => copyServerUrl(engine)),
    command('switchyard.chat.newChat', () => chat.newChat()),
    command('switchyard.chat.stop', () => chat.stop()),
    vscode.workspace.onDidChangeConfiguration(
      (e) => e.affectsConfiguration('switchyard.completion') && statusBar.render(),
    ),
  );
  // Check Proof: its controller talks to the same engine; "ask the model about this step" goes through the chat.
  const proof = registerCheckProof(
    context,
    { sendRequest: (type, params, token) => engine.request(type, params, token) },
    (text) => void chat.ask(undefined, text),
  );

  registerExpertRouting(context, engine);

  // Start the engine now, so the first completion does not pay for loading the model.
  engine.start().catch(reportStartFailure);
  log.info('Switchyard activated');
  console.log('[switchyard] activated');

  shutdownHook = () => engine.dispose();
  return { engine, completion, chat, statusBar, proof, shutdown: () => engine.dispose() };
}

/** VS Code awaits this: the engine is asked to shut down and killed if it does not, so no process outlives us. */
export async function deactivate(): Promise<void> {
  await shutdownHook?.();
  shutdownHook = undefined;
}
