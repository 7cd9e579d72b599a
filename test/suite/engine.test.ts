import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { CompleteRequest, GenerationDelta, StatsRequest } from '../../engine/protocol';
import { api, engineBundled, isAlive, until } from './helpers';

describe('engine (real subprocess)', function () {
  before(function () {
    if (!engineBundled()) this.skip();
  });

  it('starts on the fixture model set in the user settings', async () => {
    const a = await api();
    await a.engine.start();
    assert.ok(['ready', 'busy'].includes(a.engine.state), a.engine.state);
    const model = a.engine.model!;
    assert.ok(model.layers > 0 && model.routedExperts > 0, JSON.stringify(model));
    assert.ok(a.engine.pid && isAlive(a.engine.pid));
  });

  it('stops decoding when the request is cancelled', async () => {
    const a = await api();
    // A prompt whose uncancelled greedy reply runs long, so the cancel (at the second delta) has room to show: on the
    // random-weight fixture some prompts reach end-of-text within a few tokens, which would race the cancel.
    const request = (prefix: string, maxTokens: number, streamId?: string) =>
      ({ prefix, suffix: '', languageId: 'python', maxTokens, streamId, temperature: 0 }) as const;
    let prefix: string | undefined;
    let freeTokens = 0;
    for (const p of ['def f(x):\n    ', 'x = ', 'import ', 'for i in range(', 'class A:\n    ', '# ']) {
      const free = await a.engine.request(CompleteRequest, request(p, 48));
      if (free.stats.generatedTokens >= 32) {
        prefix = p;
        freeTokens = free.stats.generatedTokens;
        break;
      }
    }
    assert.ok(
      prefix !== undefined,
      'every candidate prompt ends by itself within 32 tokens: the test model cannot show a cancel',
    );

    const cts = new vscode.CancellationTokenSource();
    const streamId = 'cancel-test';
    let deltas = 0;
    const sub = a.engine.onDelta((d: GenerationDelta) => {
      if (d.streamId !== streamId) return;
      deltas++;
      if (deltas === 2) cts.cancel();
    });
    try {
      const r = await a.engine
        .request(CompleteRequest, request(prefix, 48, streamId), cts.token)
        .catch((e: Error) => e);
      if (!(r instanceof Error)) assert.equal(r.stopReason, 'cancelled');
    } finally {
      sub.dispose();
    }
    const stats = await a.engine.request0(StatsRequest);
    assert.ok(stats.lastGeneration, 'the engine reports the cancelled generation');
    const generated = stats.lastGeneration.generatedTokens;
    assert.ok(deltas >= 2, `saw ${deltas} deltas`);
    assert.ok(generated < freeTokens / 2, `decoded ${generated} tokens after the cancel; ${freeTokens} uncancelled`);
  });

  it('validates a model folder before Select Model saves it, naming the cause when it is unusable', async () => {
    const a = await api();
    const ok = await a.engine.validateModel(a.engine.model!.path);
    assert.equal(ok.layers, a.engine.model!.layers);
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await assert.rejects(a.engine.validateModel(folder), /config\.json|model|checkpoint/i);
    const before = vscode.workspace.getConfiguration('switchyard').inspect('modelPath')?.globalValue;
    assert.equal(await vscode.commands.executeCommand('switchyard.selectModel', vscode.Uri.file(folder)), false);
    assert.equal(
      vscode.workspace.getConfiguration('switchyard').inspect('modelPath')?.globalValue,
      before,
      'nothing saved',
    );
  });

  it('loads the model in the precision switchyard.engine.precision asks for, and says so in the status bar', async () => {
    const a = await api();
    await a.engine.start();
    assert.equal(a.engine.model?.precision, 'f32', "auto: the fixture's float32 weights fit easily");
    const cfg = vscode.workspace.getConfiguration('switchyard');
    await cfg.update('engine.precision', 'int8', vscode.ConfigurationTarget.Global);
    try {
      await until(
        'the int8 model',
        () => (a.engine.state === 'ready' && a.engine.model?.precision === 'int8') || undefined,
        60_000,
      );
      assert.match(a.statusBar.tooltipText, /`[^`]+` \(int8\)/);
      const r = await a.engine.request(CompleteRequest, {
        prefix: 'x = ',
        suffix: '',
        languageId: 'python',
        maxTokens: 2,
        temperature: 0,
      });
      assert.ok(r.stats.generatedTokens > 0);
    } finally {
      await cfg.update('engine.precision', undefined, vscode.ConfigurationTarget.Global);
    }
    await until(
      'the float32 model again',
      () => (a.engine.state === 'ready' && a.engine.model?.precision === 'f32') || undefined,
      60_000,
    );
  });

  it('restarts a killed engine, which then serves again', async () => {
    const a = await api();
    await a.engine.start();
    const pid = a.engine.pid!;
    const starts = a.engine.starts;
    process.kill(pid, 'SIGKILL');
    await until('the crash to be noticed', () => a.engine.state === 'crashed' || a.engine.starts > starts);
    await until('the engine to be back', () => a.engine.starts > starts && a.engine.state === 'ready', 60_000);
    assert.notEqual(a.engine.pid, pid);
    assert.equal(isAlive(pid), false);
    const r = await a.engine.request(CompleteRequest, {
      prefix: 'x = ',
      suffix: '',
      languageId: 'python',
      maxTokens: 4,
      temperature: 0,
    });
    assert.ok(r.stats.generatedTokens > 0);
  });
});
