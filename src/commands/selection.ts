// Explain Selection and Ask About Selection: both go through the chat, with the selection attached.
import * as vscode from 'vscode';
import type { ChatViewProvider } from '../chat/view';
import { selectionAttachment } from '../chat/view';

export async function explainSelection(chat: ChatViewProvider): Promise<void> {
  const a = selectionAttachment();
  if (!a) {
    void vscode.window.showInformationMessage('Switchyard: select the code or math to explain first.');
    return;
  }
  const what = /^(latex|markdown|plaintext|tex)$/.test(a.languageId) ? 'this derivation' : 'this code';
  await chat.ask(a, `Explain ${what} step by step.`);
}

export async function askAboutSelection(chat: ChatViewProvider): Promise<void> {
  await chat.ask(selectionAttachment());
}
