// The palette commands: one handler per id of ./ids.ts (the compiler holds the table to that list, so no command is
// left out or registered twice), each a small function from this folder or the feature it drives.
import * as vscode from 'vscode';
import type { ChatViewProvider } from '../chat/view';
import type { ApiKeys } from '../engine/api-keys';
import { reportStartFailure } from '../engine/client';
import type { EngineStatusBar } from '../engine/status-bar';
import type { EngineSupervisor } from '../engine/supervisor';
import { copyServerUrl, setRemoteApiKey, setServerApiKey } from './api-keys';
import { clearModelCache } from './clear-cache';
import { CommandIds, type OwnCommandName } from './ids';
import { showMenu, toggleInlineCompletions } from './menu';
import { selectModel } from './model';
import { askAboutSelection, explainSelection } from './selection';

/** What the commands act on; each takes only its part. */
export interface CommandDeps {
  engine: EngineSupervisor;
  chat: ChatViewProvider;
  statusBar: EngineStatusBar;
  keys: ApiKeys;
  log: vscode.LogOutputChannel;
}

type Handler = (...args: never[]) => unknown;

function handlers({ engine, chat, statusBar, keys, log }: CommandDeps): Record<OwnCommandName, Handler> {
  return {
    explainSelection: () => explainSelection(chat),
    askAboutSelection: () => askAboutSelection(chat),
    toggleInlineCompletions: async () => {
      const on = await toggleInlineCompletions();
      statusBar.render();
      void vscode.window.setStatusBarMessage(`Switchyard: inline completions ${on ? 'on' : 'off'}`, 2500);
    },
    restartEngine: () => engine.restart().catch(reportStartFailure),
    showEngineLog: () => log.show(true),
    // arguments for keybindings and tests; otherwise each asks
    selectModel: (folder?: vscode.Uri) => selectModel(engine, folder),
    clearModelCache: () => clearModelCache(engine),
    showMenu: () => showMenu(engine),
    setRemoteApiKey: (key?: string) => setRemoteApiKey(keys, key),
    setServerApiKey: (key?: string) => setServerApiKey(keys, key),
    copyServerUrl: () => copyServerUrl(engine),
    newChat: () => chat.newChat(),
    stopChat: () => chat.stop(),
  };
}

export function registerCommands(deps: CommandDeps): vscode.Disposable {
  const table = handlers(deps);
  const names = Object.keys(table) as OwnCommandName[];
  return vscode.Disposable.from(...names.map((name) => vscode.commands.registerCommand(CommandIds[name], table[name])));
}
