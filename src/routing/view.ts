// 'Switchyard: Show Expert Routing': a webview panel with the heatmap of the experts the last completion or chat reply
// selected (the engine's `stats` request, lastGeneration.expertCounts) next to the model's domain profiles (the
// engine's `routing/profile` request); page.ts asks for both.
import { nonce } from '../util/nonce';
import * as vscode from 'vscode';
import { routingHtml } from './heatmap';
import { type RoutingEngineClient, pageFor } from './page';
import { CommandIds } from '../commands/ids';
import { Disposable, DisposableStore } from '../util/disposable';

export const SHOW_EXPERT_ROUTING = CommandIds.showExpertRouting;

class ExpertRoutingPanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** the open panel and its listeners, let go together when it closes */
  private readonly panelStore = this._register(new DisposableStore());

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: RoutingEngineClient,
  ) {
    super();
  }

  async show(): Promise<void> {
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        'switchyard.expertRouting',
        'Switchyard: Expert Routing',
        vscode.ViewColumn.Beside,
        {
          enableScripts: true,
          localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')],
        },
      );
      this.panel = panel;
      this.panelStore.add(
        panel.webview.onDidReceiveMessage((m: { type?: string }) => m?.type === 'refresh' && void this.render()),
      );
      this.panelStore.add(panel.onDidChangeViewState((e) => e.webviewPanel.visible && void this.render()));
      this.panelStore.add(
        panel.onDidDispose(() => {
          this.panel = undefined;
          this.panelStore.clear();
        }),
      );
      this.panelStore.add(panel);
    } else {
      this.panel.reveal();
    }
    await this.render();
  }

  private async render(): Promise<void> {
    const panel = this.panel;
    if (!panel) return;
    try {
      const page = await pageFor(this.engine);
      panel.webview.html = routingHtml(page, nonce());
    } catch (err) {
      void vscode.window.showErrorMessage(
        `Switchyard: cannot read the engine's routing stats: ${(err as Error).message}`,
      );
    }
  }
}

/** Registers the command; the returned Disposable also closes the panel. */
export function registerExpertRouting(
  context: vscode.ExtensionContext,
  engine: RoutingEngineClient,
): vscode.Disposable {
  const panel = new ExpertRoutingPanel(context.extensionUri, engine);
  const command = vscode.commands.registerCommand(SHOW_EXPERT_ROUTING, () => panel.show());
  const disposable = vscode.Disposable.from(command, panel);
  context.subscriptions.push(disposable);
  return disposable;
}
