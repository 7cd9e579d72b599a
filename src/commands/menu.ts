// The status bar's quick pick: toggles and the engine commands in one place.
import * as vscode from 'vscode';
import { inlineEnabled, languageEnabled } from '../config';
import type { EngineSupervisor } from '../engine/supervisor';

export const SHOW_MENU = 'switchyard.showMenu';
export const TOGGLE_INLINE = 'switchyard.toggleInlineCompletions';

interface Item extends vscode.QuickPickItem {
  run?: () => Thenable<unknown>;
}

export async function toggleInlineCompletions(): Promise<boolean> {
  const next = !inlineEnabled();
  await vscode.workspace.getConfiguration('switchyard').update('completion.enabled', next, vscode.ConfigurationTarget.Global);
  return next;
}

export async function toggleLanguage(languageId: string): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('switchyard');
  const map = { ...cfg.get<Record<string, boolean>>('completion.languages', {}) };
  map[languageId] = !languageEnabled(languageId);
  await cfg.update('completion.languages', map, vscode.ConfigurationTarget.Global);
}

export async function showMenu(engine: EngineSupervisor): Promise<void> {
  const lang = vscode.window.activeTextEditor?.document.languageId;
  const cmd = (id: string) => () => vscode.commands.executeCommand(id);
  const items: Item[] = [
    { label: `Engine: ${engine.state}`, description: engine.model?.name ?? engine.lastError ?? '', kind: vscode.QuickPickItemKind.Separator },
    {
      label: inlineEnabled() ? '$(circle-slash) Disable inline completions' : '$(check) Enable inline completions',
      run: toggleInlineCompletions,
    },
  ];
  if (lang) {
    items.push({
      label: languageEnabled(lang) ? `$(circle-slash) Disable completions for ${lang}` : `$(check) Enable completions for ${lang}`,
      run: () => toggleLanguage(lang),
    });
  }
  items.push(
    { label: '$(comment-discussion) Open chat', run: cmd('switchyard.chat.focus') },
    { label: '$(check-all) Check proof', run: cmd('switchyard.checkProof') },
    { label: '$(folder-opened) Select model…', run: cmd('switchyard.selectModel') },
    { label: '$(debug-restart) Restart engine', run: cmd('switchyard.restartEngine') },
    { label: '$(output) Show engine log', run: cmd('switchyard.showEngineLog') },
    { label: '$(gear) Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'switchyard') },
  );
  const pick = await vscode.window.showQuickPick(items, { title: 'Switchyard', placeHolder: 'Choose an action' });
  await pick?.run?.();
}
