// Clear Model Cache: the engine lists its graph cache, a modal names the size to be freed, the engine removes every
// model no running engine has loaded and the result says what was kept and why.
import * as vscode from 'vscode';
import { CacheClearRequest, CacheInfoRequest } from '../../engine/protocol';
import { errorMessage, type EngineSupervisor } from '../engine/supervisor';
import { clearQuestion, clearReport } from '../engine/graph-cache-text';

/** `engine`: only what the command sends (a test passes its own). */
export async function clearModelCache(engine: Pick<EngineSupervisor, 'requestWithoutModel'>): Promise<boolean> {
  try {
    const question = clearQuestion(await engine.requestWithoutModel(CacheInfoRequest));
    if ('nothing' in question) {
      void vscode.window.showInformationMessage(`Switchyard: ${question.nothing}`);
      return false;
    }
    const clear = 'Clear';
    const pick = await vscode.window.showWarningMessage(
      question.message,
      { modal: true, detail: question.detail },
      clear,
    );
    if (pick !== clear) return false;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Switchyard: clearing the model cache…' },
      () => engine.requestWithoutModel(CacheClearRequest),
    );
    const { text, warn } = clearReport(result);
    if (warn) void vscode.window.showWarningMessage(`Switchyard: ${text}`);
    else void vscode.window.showInformationMessage(`Switchyard: ${text}`);
    return true;
  } catch (err) {
    void vscode.window.showErrorMessage(`Switchyard: cannot clear the model cache: ${errorMessage(err)}`);
    return false;
  }
}
