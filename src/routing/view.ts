// 'Switchyard: Show Expert Routing': a webview panel with the heatmap of the experts the last completion or chat reply
// selected (the engine's `stats` request, lastGeneration.expertCounts) next to the model's domain profiles.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RequestType } from 'vscode-jsonrpc';
import { type EngineStats, StatsRequest } from '../../engine/protocol';
import { type RoutingPage, profileForPage, routingHtml } from './heatmap';
import { CommandIds } from '../commands/ids';

export const SHOW_EXPERT_ROUTING = CommandIds.showExpertRouting;
const PROFILE_FILE = 'switchyard-routing.json';

/** What this feature needs from the engine client: one request. */
export interface RoutingEngineClient {
  sendRequest<P, R>(type: RequestType<P, R, void>, params?: P): Promise<R>;
}

// `stats` takes no parameters (RequestType0); vscode-jsonrpc sends it the same way through this signature, since
// the message's parameters are decided by the type's numberOfParams (0), not by the call.
const Stats = StatsRequest as unknown as RequestType<void, EngineStats, void>;

async function pageFor(engine: RoutingEngineClient): Promise<RoutingPage> {
  const stats = await engine.sendRequest(Stats);
  const model = stats.model;
  const page: RoutingPage = {
    modelName: model?.name,
    last: stats.lastGeneration,
    firstMoeLayer: model ? model.layers - model.moeLayers : 0,
  };
  if (!model) {
    page.profileNote = 'No model is loaded.';
    return page;
  }
  if (model.backend === 'openai-compatible') {
    page.profileNote = `Routing skew is off: requests go to ${model.path} over the OpenAI API, which carries no per-request expert bias and reports no expert counts.`;
    return page;
  }
  try {
    const parsed = profileForPage(JSON.parse(await readFile(join(model.path, PROFILE_FILE), 'utf8')));
    if (typeof parsed === 'string') page.profileNote = parsed;
    else page.profile = parsed;
  } catch (err) {
    page.profileNote =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${model.name} has no routing profile (${PROFILE_FILE}); create one with the engine's calibrate command.`
        : `The routing profile could not be read: ${(err as Error).message}`;
  }
  return page;
}

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
