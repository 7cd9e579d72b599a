// The status bar item: engine state, model name, last decode speed; a click opens the Switchyard menu.
import * as vscode from 'vscode';
import type { GenerationStats } from '../../engine/protocol';
import type { EngineState, EngineSupervisor } from './supervisor';

const ICONS: Record<EngineState, string> = {
  stopped: '$(circle-slash)',
  starting: '$(loading~spin)',
  ready: '$(hubot)',
  busy: '$(sync~spin)',
  crashed: '$(warning)',
  failed: '$(error)',
};

export class EngineStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('switchyard.status', vscode.StatusBarAlignment.Right, 100);
  private lastStats: GenerationStats | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly engine: EngineSupervisor,
    private readonly inlineEnabled: () => boolean,
  ) {
    this.item.name = 'Switchyard';
    this.item.command = 'switchyard.showMenu';
    this.subs.push(this.engine.onDidChangeState(() => this.render()));
    this.render();
    this.item.show();
  }

  /** Called after each generation with its stats. */
  reportStats(stats: GenerationStats): void {
    this.lastStats = stats;
    this.render();
  }

  render(): void {
    const state = this.engine.state;
    const model = this.engine.model?.name;
    const speed = this.lastStats && this.lastStats.decodeTokensPerS > 0 ? ` ${this.lastStats.decodeTokensPerS.toFixed(0)} tok/s` : '';
    const off = this.inlineEnabled() ? '' : ' (completions off)';
    this.item.text = `${ICONS[state]} Switchyard${state === 'ready' || state === 'busy' ? speed : ` ${state}`}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Switchyard** — engine ${state}${off}\n\n`);
    if (model) md.appendMarkdown(`Model: \`${model}\`\n\n`);
    if (this.lastStats) {
      const s = this.lastStats;
      md.appendMarkdown(
        `Last request: ${s.promptTokens} prompt tokens (${s.reusedTokens} reused), ${s.generatedTokens} generated, ` +
          `${s.decodeTokensPerS.toFixed(1)} tok/s, first token ${s.timeToFirstTokenMs.toFixed(0)} ms\n\n`,
      );
    }
    if (this.engine.lastError) md.appendText(`Last error: ${this.engine.lastError}`);
    this.item.tooltip = md;
    this.item.backgroundColor =
      state === 'crashed' || state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.accessibilityInformation = { label: `Switchyard engine ${state}${model ? `, model ${model}` : ''}${off}` };
  }

  /** For tests: what the item shows. */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
