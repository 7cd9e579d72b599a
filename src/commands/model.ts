// Select Model: a folder picker; the engine validates the folder (config, tensors, tokenizer) before it is saved. The
// message that confirms it shows how much disk the graph cache holds, with a way to clear it.
import * as vscode from 'vscode';
import { CacheInfoRequest } from '../../engine/protocol';
import { cacheSummary } from '../engine/graph-cache-text';
import type { EngineSupervisor } from '../engine/supervisor';
import { CLEAR_MODEL_CACHE } from './clear-cache';

export const SELECT_MODEL = 'switchyard.selectModel';

export async function selectModel(engine: EngineSupervisor, folder?: vscode.Uri): Promise<boolean> {
  const picked =
    folder ??
    (
      await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        title: 'Switchyard: select a model folder (Hugging Face layout: config.json, *.safetensors, tokenizer.json)',
        openLabel: 'Use this model',
      })
    )?.[0];
  if (!picked) return false;
  try {
    const info = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Switchyard: checking ${picked.fsPath}…` },
      () => engine.validateModel(picked.fsPath),
    );
    // User settings: a model path is machine-specific and restricted in workspaces anyway.
    await vscode.workspace
      .getConfiguration('switchyard')
      .update('modelPath', picked.fsPath, vscode.ConfigurationTarget.Global);
    // best effort: an engine that cannot list its cache must not make the choice look failed
    const cache = await engine.requestWithoutModel(CacheInfoRequest).catch(() => undefined);
    const clear = 'Clear Model Cache…';
    void vscode.window
      .showInformationMessage(
        `Switchyard: using ${info.name} (${info.modelType}, ${(info.parameters / 1e6).toFixed(1)}M parameters).` +
          (cache ? ` Graph cache: ${cacheSummary(cache)}.` : ''),
        ...(cache?.entries.length ? [clear] : []),
      )
      .then((pick) => pick === clear && vscode.commands.executeCommand(CLEAR_MODEL_CACHE));
    return true;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`Switchyard: ${picked.fsPath} is not a usable model: ${msg}`);
    return false;
  }
}
