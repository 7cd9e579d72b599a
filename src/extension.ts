// Switchyard's entry point: wiring only. Each feature lives in its folder and hands back Disposables; the commands are
// in src/commands/. What activate() returns is the API the extension-host tests use (src/api.ts).
import * as vscode from 'vscode';
import { observe, type SwitchyardApi } from './api';
import { CHAT_VIEW_ID, ChatViewProvider } from './chat/view';
import { registerCommands } from './commands';
import { SwitchyardInlineProvider } from './completion/provider';
import { inlineEnabled } from './config';
import { ApiKeys } from './engine/api-keys';
import { createEngineClient, ENGINE_LOG_NAME, reportStartFailure } from './engine/client';
import { EngineStatusBar } from './engine/status-bar';
import { registerCheckProof } from './proof';
import { registerExpertRouting } from './routing/view';

export type { SwitchyardApi } from './api';

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
  const { observed, subscription } = observe(completion, chat);

  context.subscriptions.push(
    log,
    keys,
    statusBar,
    completion,
    chat,
    subscription,
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, completion),
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat, {
      webviewOptions: { retainContextWhenHidden: true },
    }),
    registerCommands({ engine, chat, statusBar, keys, log }),
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
  return { engine, completion, chat, statusBar, proof, observed, shutdown: () => engine.dispose() };
}

/** VS Code awaits this: the engine is asked to shut down and killed if it does not, so no process outlives us. */
export async function deactivate(): Promise<void> {
  await shutdownHook?.();
  shutdownHook = undefined;
}
