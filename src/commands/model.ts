// Select Model: a folder or GGUF file picker; the engine validates the model (config, tensors, tokenizer) before it is
// saved. The message that confirms it shows how much disk the graph cache holds, with a way to clear it.
import * as vscode from 'vscode';
import { CacheInfoRequest } from '../../engine/protocol';
import { cacheSummary } from '../engine/graph-cache-text';
import type { EngineSupervisor } from '../engine/supervisor';
import { CommandIds } from './ids';

export async function selectModel(engine: EngineSupervisor, folder?: vscode.Uri): Promise<boolean> {
  const picked = folder ?? (await pickModel());
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
      .then((pick) => pick === clear && vscode.commands.executeCommand(CommandIds.clearModelCache));
    return true;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`Switchyard: ${picked.fsPath} is not a usable model: ${msg}`);
    return false;
  }
}

/** On Windows and Linux one dialog cannot pick both folders and files: ask which first. */
async function pickModel(): Promise<vscode.Uri | undefined> {
  const folder = { label: 'Hugging Face folder', detail: 'config.json, *.safetensors, tokenizer.json' };
  const gguf = { label: 'GGUF file', detail: "llama.cpp's deepseek2 layout (tokenizer not read yet: token ids only)" };
  const kind = await vscode.window.showQuickPick([folder, gguf], { title: 'Switchyard: select a model' });
  if (!kind) return undefined;
  const isFile = kind === gguf;
  const uris = await vscode.window.showOpenDialog({
    canSelectFolders: !isFile,
    canSelectFiles: isFile,
    canSelectMany: false,
    filters: isFile ? { GGUF: ['gguf'] } : undefined,
    title: isFile
      ? 'Switchyard: select a GGUF model file'
      : 'Switchyard: select a model folder (Hugging Face layout: config.json, *.safetensors, tokenizer.json)',
    openLabel: 'Use this model',
  });
  return uris?.[0];
}
