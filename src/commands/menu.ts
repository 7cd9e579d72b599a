// The status bar's quick pick: toggles and the engine commands in one place.
import * as vscode from 'vscode';
import { inlineEnabled, languageEnabled, routingStrength } from '../config';
import { completionDomain } from '../completion/domain';
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
  items.push(routingItem(engine, lang));
  if (engine.model?.backend === 'openai-compatible') {
    items.push({ label: '$(key) Set remote server API key…', description: engine.model.path, run: cmd('switchyard.setRemoteApiKey') });
  }
  items.push(serverItem(engine));
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

/** The local OpenAI-compatible server for other tools: its address to copy, or how to start it. */
function serverItem(engine: EngineSupervisor): Item {
  if (engine.serving) {
    return { label: '$(copy) Copy local server URL', description: `${engine.serving.url} (for Continue, Cline, openai scripts)`, run: () => vscode.commands.executeCommand('switchyard.copyServerUrl') };
  }
  return {
    label: '$(broadcast) Serve the model to other tools…',
    description: engine.servingError ? `not running: ${engine.servingError}` : 'OpenAI-compatible API on 127.0.0.1',
    run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'switchyard.server'),
  };
}

/** The active routing skew: the domain completions in this file ask for, and the strength (or why there is none). */
function routingItem(engine: EngineSupervisor, lang: string | undefined): Item {
  const model = engine.model;
  const strength = routingStrength();
  let detail: string;
  if (model?.backend === 'openai-compatible') detail = 'off: routing skew cannot travel over the OpenAI API';
  else if (model && !model.hasRoutingProfile) detail = 'off: the model has no routing profile (run the calibrate command)';
  else detail = `strength ${strength === undefined ? 'calibrated for the model' : strength}`;
  const domain = lang ? `${completionDomain(lang)} for ${lang}` : 'code for completions';
  return {
    label: `$(graph) Routing: ${domain}, auto for chat`,
    description: detail,
    run: () => vscode.commands.executeCommand('switchyard.showExpertRouting'),
  };
}
