// Select Model: a folder picker; the engine validates the folder (config, tensors, tokenizer) before it is saved.
import * as vscode from 'vscode';
import type { EngineSupervisor } from '../engine/supervisor';

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
    void vscode.window.showInformationMessage(
      `Switchyard: using ${info.name} (${info.modelType}, ${(info.parameters / 1e6).toFixed(1)}M parameters).`,
    );
    return true;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`Switchyard: ${picked.fsPath} is not a usable model: ${msg}`);
    return false;
  }
}
