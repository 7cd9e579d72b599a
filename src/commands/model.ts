// Select Model: the models other local runtimes already downloaded (the engine's models/discover), runnable ones
// first, or a folder or GGUF file picker; the engine validates the model (config, tensors, tokenizer) before it is
// saved. The message that confirms it shows how much disk the graph cache holds, with a way to clear it.
import * as vscode from 'vscode';
import { CacheInfoRequest, ModelsDiscoverRequest } from '../../engine/protocol';
import { cacheSummary } from '../engine/graph-cache-text';
import type { EngineSupervisor } from '../engine/supervisor';
import { CommandIds } from './ids';
import { type ModelPickItem, modelPickItems } from './model-items';

export async function selectModel(engine: EngineSupervisor, folder?: vscode.Uri): Promise<boolean> {
  const picked = folder ?? (await pickModel(engine));
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

type Item = vscode.QuickPickItem & { row: ModelPickItem };

const toItem = (row: ModelPickItem): Item =>
  row.pick.kind === 'heading'
    ? { label: row.label, kind: vscode.QuickPickItemKind.Separator, row }
    : { label: row.label, description: row.description, detail: row.detail, row };

/** The list fills in when the engine has looked through the stores; the pickers are there from the start. */
async function pickModel(engine: EngineSupervisor): Promise<vscode.Uri | undefined> {
  const currentPath = vscode.workspace.getConfiguration('switchyard').get<string>('modelPath') || undefined;
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'Switchyard: select a model';
  qp.placeholder = 'A model found on this machine, or browse for one';
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.items = modelPickItems(undefined).map(toItem);
  qp.busy = true;
  let open = true;
  const fill = (rows: ModelPickItem[]) => {
    if (!open) return;
    qp.items = rows.map(toItem);
    qp.busy = false;
  };
  engine.requestWithoutModel(ModelsDiscoverRequest).then(
    (result) => fill(modelPickItems(result, { currentPath })),
    (err: unknown) => fill(modelPickItems(undefined, { failure: err instanceof Error ? err.message : String(err) })),
  );
  const row = await new Promise<ModelPickItem | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0]?.row));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  open = false;
  qp.dispose();
  switch (row?.pick.kind) {
    case 'model':
      return vscode.Uri.file(row.pick.model.path);
    case 'not-runnable':
      void vscode.window.showWarningMessage(
        `Switchyard cannot run ${row.pick.model.name}: ${row.pick.model.notRunnable?.detail}`,
      );
      return undefined;
    case 'browse':
      return browse(row.pick.what);
    default:
      return undefined;
  }
}

/** On Windows and Linux one dialog cannot pick both folders and files: the list asks which. */
async function browse(what: 'folder' | 'gguf'): Promise<vscode.Uri | undefined> {
  const isFile = what === 'gguf';
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
