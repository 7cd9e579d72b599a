// The status bar item: engine state, model name, last decode speed; the tooltip adds the memory the routed experts
// hold against the model's budget (asked of the engine after each request); a click opens the Switchyard menu.
import * as vscode from 'vscode';
import { type EngineStats, type GenerationStats, StatsRequest, type WeightPrecision } from '../../engine/protocol';
import { formatBytes } from '../../engine/byte-size';
import { CommandIds } from '../commands/ids';
import { Disposable } from '../util/disposable';
import type { EngineState, EngineSupervisor } from './supervisor';

const ICONS: Record<EngineState, string> = {
  stopped: '$(circle-slash)',
  starting: '$(loading~spin)',
  ready: '$(hubot)',
  busy: '$(sync~spin)',
  crashed: '$(warning)',
  failed: '$(error)',
};

const PRECISION: Record<WeightPrecision, string> = { f32: 'float32', int8: 'int8', int4: 'int4' };

export class EngineStatusBar extends Disposable {
  private readonly item = this._register(
    vscode.window.createStatusBarItem('switchyard.status', vscode.StatusBarAlignment.Right, 100),
  );
  private lastStats: GenerationStats | undefined;
  private memory: Pick<EngineStats, 'residentExpertBytes' | 'memoryBudgetBytes'> | undefined;
  private previousState: string | undefined;

  constructor(
    private readonly engine: EngineSupervisor,
    private readonly inlineEnabled: () => boolean,
  ) {
    super();
    this.item.name = 'Switchyard';
    this.item.command = CommandIds.showMenu;
    this._register(
      this.engine.onDidChangeState((state) => {
        // after a start or a load, not after each request: the stats request itself goes busy -> ready, and asking
        // again on that would never stop (each request reports its own memory through reportStats)
        const previous = this.previousState;
        this.previousState = state;
        if (state === 'ready' && previous !== 'busy') void this.refreshMemory();
        this.render();
      }),
    );
    this._register(this.engine.onDidChangeServing(() => this.render()));
    this._register(this.engine.onDidProgress(() => this.render()));
    this.render();
    this.item.show();
  }

  /** Called after each generation with its stats. */
  reportStats(stats: GenerationStats): void {
    this.lastStats = stats;
    this.render();
    void this.refreshMemory();
  }

  /** Resident routed experts and the budget, from the engine's `stats` (a request may have opened or closed some). */
  private async refreshMemory(): Promise<void> {
    try {
      const s = await this.engine.request0(StatsRequest);
      this.memory = { residentExpertBytes: s.residentExpertBytes, memoryBudgetBytes: s.memoryBudgetBytes };
    } catch {
      return; // the engine went away meanwhile: its next start asks again
    }
    this.render();
  }

  render(): void {
    const state = this.engine.state;
    const info = this.engine.model;
    const model = info?.name;
    const remote = info?.backend === 'openai-compatible';
    const speed =
      this.lastStats && this.lastStats.decodeTokensPerS > 0
        ? ` ${this.lastStats.decodeTokensPerS.toFixed(0)} tok/s`
        : '';
    const off = this.inlineEnabled() ? '' : ' (completions off)';
    // A cloud instead of the robot when the model runs elsewhere: the user's code leaves the machine.
    const icon = remote && state === 'ready' ? '$(cloud)' : ICONS[state];
    const progress = state === 'starting' ? this.engine.progress : undefined;
    const stateText = progress ? `preparing the model ${Math.floor((100 * progress.done) / progress.total)}%` : state;
    this.item.text = `${icon} Switchyard${state === 'ready' || state === 'busy' ? speed : ` ${stateText}`}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Switchyard** — engine ${state}${off}\n\n`);
    if (progress) {
      md.appendMarkdown(
        `Building the model's graphs: ${progress.done} of ${progress.total}. Only the first load of a model (at each precision) does this; later starts take seconds.\n\n`,
      );
    }
    if (remote) {
      md.appendMarkdown(`Model: \`${model}\` on the OpenAI-compatible server \`${info.path}\`\n\n`);
      md.appendMarkdown('Routing skew is off: it cannot travel over the OpenAI API.\n\n');
    } else if (model) {
      md.appendMarkdown(`Model: \`${model}\` (${PRECISION[info.precision]})\n\n`);
    }
    const memory = remote ? undefined : this.memory;
    if (model && memory?.residentExpertBytes !== undefined) {
      const budget = memory.memoryBudgetBytes
        ? ` (budget ${formatBytes(memory.memoryBudgetBytes)} with the dense part)`
        : '';
      md.appendMarkdown(`Routed experts resident: ${formatBytes(memory.residentExpertBytes)}${budget}\n\n`);
    }
    const serving = this.engine.serving;
    if (serving) md.appendMarkdown(`Serving other tools at \`${serving.url}\` as \`${serving.modelId}\`\n\n`);
    else if (this.engine.servingError) md.appendText(`Local server not running: ${this.engine.servingError}\n\n`);
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
    this.item.accessibilityInformation = {
      label: `Switchyard engine ${state}${model ? `, model ${model}` : ''}${remote ? ' on a remote server, routing skew off' : ''}${off}`,
    };
  }

  /** For tests: what the item shows. */
  get text(): string {
    return this.item.text;
  }
  /** For tests: the tooltip's text. */
  get tooltipText(): string {
    const t = this.item.tooltip;
    return typeof t === 'string' ? t : (t?.value ?? '');
  }
}
