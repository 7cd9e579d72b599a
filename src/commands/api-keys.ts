// Commands that set the two API keys (kept in SecretStorage, see src/engine/api-keys.ts) and copy the local server's
// address. Each takes its value as an optional argument too, for keybindings and tests; otherwise it asks.
import * as vscode from 'vscode';
import { remoteSettings } from '../config';
import { ApiKeys, serverOrigin } from '../engine/api-keys';
import type { EngineSupervisor } from '../engine/supervisor';

/** Returns false when nothing was changed (no server set, or the prompt was dismissed). */
export async function setRemoteApiKey(keys: ApiKeys, key?: string): Promise<boolean> {
  const { baseUrl } = remoteSettings();
  const origin = serverOrigin(baseUrl);
  if (!origin) {
    // Not awaited: the command answers at once, the message waits for the user.
    void vscode.window
      .showErrorMessage(
        'Switchyard: set switchyard.remote.baseUrl first: a remote key is kept for one server, so it is never sent to another.',
        'Open Settings',
      )
      .then(
        (pick) => pick && vscode.commands.executeCommand('workbench.action.openSettings', 'switchyard.remote.baseUrl'),
      );
    return false;
  }
  const value =
    typeof key === 'string'
      ? key
      : await vscode.window.showInputBox({
          title: `API key for ${origin}`,
          prompt:
            'Kept in VS Code\'s secret storage, sent as "Authorization: Bearer" to this server only. Empty: remove the key.',
          password: true,
          ignoreFocusOut: true,
        });
  if (value === undefined) return false;
  await keys.setRemoteKey(baseUrl, value.trim());
  void vscode.window.setStatusBarMessage(
    `Switchyard: API key for ${origin} ${value.trim() ? 'saved' : 'removed'}`,
    3000,
  );
  return true;
}

export async function setServerApiKey(keys: ApiKeys, key?: string): Promise<boolean> {
  const value =
    typeof key === 'string'
      ? key
      : await vscode.window.showInputBox({
          title: "API key of Switchyard's local OpenAI-compatible server",
          prompt: 'Other tools must send it as "Authorization: Bearer". Empty: no key (only allowed on 127.0.0.1).',
          password: true,
          ignoreFocusOut: true,
        });
  if (value === undefined) return false;
  await keys.setServerKey(value.trim());
  void vscode.window.setStatusBarMessage(`Switchyard: local server key ${value.trim() ? 'saved' : 'removed'}`, 3000);
  return true;
}

export async function copyServerUrl(engine: EngineSupervisor): Promise<string | undefined> {
  const url = engine.serving?.url;
  if (!url) {
    const why = engine.servingError ?? 'switchyard.server.enabled is off';
    void vscode.window
      .showInformationMessage(`Switchyard: the local server is not running (${why}).`, 'Open Settings')
      .then((pick) => pick && vscode.commands.executeCommand('workbench.action.openSettings', 'switchyard.server'));
    return undefined;
  }
  await vscode.env.clipboard.writeText(url);
  void vscode.window.setStatusBarMessage(`Switchyard: copied ${url}`, 3000);
  return url;
}
