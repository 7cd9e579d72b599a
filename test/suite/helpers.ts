import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SwitchyardApi } from '../../src/extension';

export const EXTENSION_ID = 'switchyard.switchyard';

export async function api(): Promise<SwitchyardApi> {
  const ext = vscode.extensions.getExtension<SwitchyardApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
  return ext.activate();
}

/** The engine bundle exists once engine/main.ts is part of the branch; the engine tests need it. */
export function engineBundled(): boolean {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  return fs.existsSync(path.join(ext.extensionPath, 'dist/engine.js'));
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite needs a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
