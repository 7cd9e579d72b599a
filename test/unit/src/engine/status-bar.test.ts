// The status bar against a fake `vscode` module and a fake engine (fake boundary: the item records text and tooltip;
// the engine answers `stats`): after a request the tooltip shows the routed experts resident and the memory budget.
import * as assert from 'node:assert/strict';
import { FakeEventEmitter, installFakeVscode } from '../../../helpers/fake-vscode';
import type { EngineStats, GenerationStats, ModelInfo } from '../../../../engine/protocol';

class FakeMarkdown {
  value = '';
  constructor(_v?: string, _themeIcons?: boolean) {}
  appendMarkdown(s: string): this {
    this.value += s;
    return this;
  }
  appendText(s: string): this {
    this.value += s;
    return this;
  }
}
installFakeVscode({
  window: { createStatusBarItem: () => ({ show: () => undefined, dispose: () => undefined }) },
  StatusBarAlignment: { Right: 2 },
  MarkdownString: FakeMarkdown,
  ThemeColor: class {},
});
/* eslint-disable @typescript-eslint/no-require-imports -- after the fake module is in place */
const { EngineStatusBar } =
  require('../../../../src/engine/status-bar') as typeof import('../../../../src/engine/status-bar');
/* eslint-enable @typescript-eslint/no-require-imports */

const MODEL = { name: 'v3-tiny', precision: 'int4', backend: 'local' } as ModelInfo;
const GENERATION: GenerationStats = {
  promptTokens: 3,
  reusedTokens: 0,
  generatedTokens: 4,
  prefillTokensPerS: 100,
  decodeTokensPerS: 20,
  timeToFirstTokenMs: 30,
};

function fakeEngine(stats: Partial<EngineStats>) {
  const state = new FakeEventEmitter<string>();
  return {
    state: 'ready',
    model: MODEL,
    onDidChangeState: state.event,
    onDidChangeServing: new FakeEventEmitter<void>().event,
    onDidProgress: new FakeEventEmitter<void>().event,
    statsRequests: 0,
    /** like the real supervisor: a request takes the engine through busy and back to ready */
    async request0() {
      this.statsRequests++;
      state.fire('busy');
      await settle();
      state.fire('ready');
      return { rssBytes: 0, ...stats };
    },
    fireState: (s: string) => state.fire(s),
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('status bar memory', () => {
  it('shows the resident routed experts and the budget after a request', async () => {
    const engine = fakeEngine({ residentExpertBytes: 96 * 2 ** 20, memoryBudgetBytes: 4 * 2 ** 30 });
    const bar = new EngineStatusBar(engine as never, () => true);
    assert.doesNotMatch(bar.tooltipText, /resident/);
    bar.reportStats(GENERATION);
    await settle();
    assert.match(bar.tooltipText, /Routed experts resident: 96\.0 MiB \(budget 4\.0 GiB with the dense part\)/);
    bar.dispose();
  });

  it('asks again when the engine is ready (after a load), and shows no budget where the engine has none', async () => {
    const engine = fakeEngine({ residentExpertBytes: 0 });
    const bar = new EngineStatusBar(engine as never, () => true);
    engine.fireState('ready');
    await settle();
    assert.match(bar.tooltipText, /Routed experts resident: 0 B\n/);
    assert.doesNotMatch(bar.tooltipText, /budget/);
    bar.dispose();
  });

  it('asks once per load, not again when its own stats request ends (no request storm)', async () => {
    const engine = fakeEngine({ residentExpertBytes: 0 });
    const bar = new EngineStatusBar(engine as never, () => true);
    engine.fireState('starting');
    engine.fireState('ready');
    for (let i = 0; i < 20; i++) await settle();
    assert.equal(engine.statsRequests, 1);
    bar.dispose();
  });
});
