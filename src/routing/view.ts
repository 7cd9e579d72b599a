// 'Switchyard: Show Expert Routing': a webview panel with the heatmap of the experts the last completion or chat reply
// selected (the engine's `stats` request, lastGeneration.expertCounts) next to the model's domain profiles (the
// engine's `routing/profile` request); page.ts asks for both.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { routingHtml } from './heatmap';
import { type RoutingEngineClient, pageFor } from './page';

export const SHOW_EXPERT_ROUTING = 'switchyard.showExpertRouting';

class ExpertRoutingPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: RoutingEngineClient,
  ) {}

  async show(): Promise<void> {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('switchyard.expertRouting', 'Switchyard: Expert Routing', vscode.ViewColumn.Beside, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')],
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((m: { type?: string }) => m?.type === 'refresh' && void this.render());
      this.panel.onDidChangeViewState((e) => e.webviewPanel.visible && void this.render());
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
      panel.webview.html = routingHtml(page, randomBytes(18).toString('base64'));
    } catch (err) {
      void vscode.window.showErrorMessage(`Switchyard: cannot read the engine's routing stats: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

/** Registers the command; the returned Disposable also closes the panel. */
export function registerExpertRouting(context: vscode.ExtensionContext, engine: RoutingEngineClient): vscode.Disposable {
  const panel = new ExpertRoutingPanel(context.extensionUri, engine);
  const command = vscode.commands.registerCommand(SHOW_EXPERT_ROUTING, () => panel.show());
  const disposable = vscode.Disposable.from(command, panel);
  context.subscriptions.push(disposable);
  return disposable;
}
