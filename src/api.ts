// What activate() returns: the extension-host tests' one way in (test/suite/). The real objects, plus what the tests
// want to know about their past (every reply, every provider call), recorded here from the features' own events, so
// the production classes keep no state for tests.
import type * as vscode from 'vscode';
import type { ChatViewProvider, FinishedReply } from './chat/view';
import type { SwitchyardInlineProvider } from './completion/provider';
import type { EngineStatusBar } from './engine/status-bar';
import type { EngineSupervisor } from './engine/supervisor';
import type { CheckProofController } from './proof';
import { DisposableStore } from './util/disposable';

export interface SwitchyardApi {
  engine: EngineSupervisor;
  completion: SwitchyardInlineProvider;
  chat: ChatViewProvider;
  statusBar: EngineStatusBar;
  proof: CheckProofController;
  /** what the features did since activation */
  observed: Observed;
  /** the same shutdown deactivate() runs */
  shutdown(): Promise<void>;
}

export interface Observed {
  /** every chat reply that finished, oldest first */
  readonly chatReplies: readonly FinishedReply[];
  /** VS Code's calls for inline suggestions, and those answered "off" (the global toggle or the language's switch) */
  readonly completionCalls: { readonly total: number; readonly switchedOff: number };
}

/** Starts recording; the Disposable stops it. */
export function observe(
  completion: Pick<SwitchyardInlineProvider, 'onDidProvide'>,
  chat: Pick<ChatViewProvider, 'onDidFinishReply'>,
): { observed: Observed; subscription: vscode.Disposable } {
  const chatReplies: FinishedReply[] = [];
  const completionCalls = { total: 0, switchedOff: 0 };
  const subscription = new DisposableStore();
  subscription.add(chat.onDidFinishReply((r) => chatReplies.push(r)));
  subscription.add(
    completion.onDidProvide(({ switchedOff }) => {
      completionCalls.total++;
      if (switchedOff) completionCalls.switchedOff++;
    }),
  );
  return { observed: { chatReplies, completionCalls }, subscription };
}
