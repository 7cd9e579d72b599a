// The remote backend and the local server from the editor's side, against real servers on loopback: a separate
// `serve` process of the engine CLI on the suite's model stands in for vLLM / SGLang, and the engine the extension
// runs serves other tools when switchyard.server.enabled is on.
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import { api, assertStreamedReply, chatOnce, commitSuggestion, engineBundled, EXTENSION_ID, until } from './helpers';

const KEY = 'suite-remote-key';

interface ServeProcess {
  child: ChildProcess;
  url: string;
  model: string;
  /** the server's request log lines ("POST /v1/completions 200 12 ms") */
  log: string[];
}

/** Starts `dist/cli.js serve` on a free loopback port and reads its address from the one stdout line. */
async function startServe(model: string, apiKey: string): Promise<ServeProcess> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const child = spawn(
    process.execPath,
    [
      path.join(ext.extensionPath, 'dist/cli.js'),
      'serve',
      '--model',
      model,
      '--port',
      '0',
      '--api-key',
      apiKey,
      '--threads',
      '1',
    ],
    { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => log.push(l));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${log.join('\n')}`)));
  });
  const { url, model: id } = JSON.parse(first) as { url: string; model: string };
  return { child, url, model: id, log };
}

async function configure(values: Record<string, unknown>): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('switchyard');
  for (const [k, v] of Object.entries(values)) await cfg.update(k, v, vscode.ConfigurationTarget.Global);
}

describe('remote backend and local server (real servers on loopback)', function () {
  // a second engine process loads the model, and the completion loop alone may take up to a minute on a busy machine
  this.timeout(180_000);
  let serve: ServeProcess | undefined;

  before(function () {
    if (!engineBundled()) this.skip();
  });

  after(async () => {
    await configure({
      backend: undefined,
      'remote.baseUrl': undefined,
      'remote.model': undefined,
      'remote.fimFormat': undefined,
      'completion.contextFiles': undefined,
    });
    await configure({ 'server.enabled': undefined, 'server.port': undefined, 'server.allowOrigins': undefined });
    serve?.child.kill('SIGTERM');
    const a = await api();
    await vscode.commands.executeCommand('switchyard.setRemoteApiKey', '');
    await until(
      'the local engine to be back',
      () => a.engine.state === 'ready' && a.engine.model?.backend === 'local',
      60_000,
    );
  });

  it('serves the loaded model to other tools over the OpenAI API, behind the key from secret storage', async () => {
    const a = await api();
    await a.engine.start();
    await vscode.commands.executeCommand('switchyard.setServerApiKey', KEY);
    await configure({ 'server.port': 0, 'server.enabled': true });
    const serving = await until('the engine to serve', () => a.engine.serving, 30_000);
    assert.match(serving.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.match(a.statusBar.tooltipText, /Serving other tools at/);
    assert.equal(await vscode.commands.executeCommand('switchyard.copyServerUrl'), serving.url);
    assert.equal(await vscode.env.clipboard.readText(), serving.url);

    const unauthorised = await fetch(`${serving.url}/models`);
    assert.equal(unauthorised.status, 401, 'no key, no model');
    const models = (await (
      await fetch(`${serving.url}/models`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as { data: { id: string }[] };
    assert.deepEqual(
      models.data.map((m) => m.id),
      [serving.modelId],
    );
    const r = await fetch(`${serving.url}/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: serving.modelId, prompt: 'def f(x):', max_tokens: 4, temperature: 0 }),
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
    assert.ok(body.usage.completion_tokens > 0, JSON.stringify(body));

    // A web page's origin in switchyard.server.allowOrigins: the server moves (port 0: a new port) and lets that page in.
    await configure({ 'server.allowOrigins': ['http://localhost:3000', 'localhost:3000'] });
    const moved = await until(
      'the server to restart',
      () => (a.engine.serving !== serving ? a.engine.serving : undefined),
      30_000,
    );
    const from = (origin: string) =>
      fetch(`${moved.url}/models`, { headers: { authorization: `Bearer ${KEY}`, origin } });
    const page = await from('http://localhost:3000');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.equal((await from('https://attacker.example')).status, 403);

    // Off again: the server closes and the engine (same process, same model) keeps serving the editor.
    const pid = a.engine.pid;
    await configure({ 'server.enabled': false, 'server.allowOrigins': undefined });
    await until('the server to stop', () => a.engine.serving === undefined || undefined, 30_000);
    await assert.rejects(fetch(`${moved.url}/models`, { headers: { authorization: `Bearer ${KEY}` } }));
    assert.equal(a.engine.pid, pid, 'the model was not reloaded');
    await vscode.commands.executeCommand('switchyard.setServerApiKey', '');
  });

  it('runs completions and chat through a real OpenAI-compatible server, and says routing skew is off', async () => {
    const a = await api();
    await a.engine.start();
    const model = a.engine.model!.path; // the suite's model, now served by a separate process
    serve = await startServe(model, KEY);
    // No base URL yet: a key would belong to no server, so the command refuses and stores nothing.
    assert.equal(await vscode.commands.executeCommand('switchyard.setRemoteApiKey', KEY), false);
    // The default mode: the FIM prompt is written here (the test tokenizer has Qwen's FIM tokens) and sent raw.
    // no context chunks: which other files are open (and whether git has answered for them yet) would change the
    // prompt from run to run, and on the random-weight model some prompts end the suggestion at once
    await configure({
      'remote.baseUrl': serve.url,
      'remote.model': serve.model,
      'remote.fimFormat': 'qwen',
      'completion.contextFiles': 0,
    });
    assert.equal(await vscode.commands.executeCommand('switchyard.setRemoteApiKey', KEY), true);
    await configure({ backend: 'openai-compatible' });
    await until(
      'the engine to use the server',
      () => (a.engine.state === 'ready' && a.engine.model?.backend === 'openai-compatible') || undefined,
      60_000,
    );
    assert.equal(a.engine.model!.path, serve.url);
    assert.match(a.statusBar.text, /\$\(cloud\)/);
    assert.match(a.statusBar.tooltipText, /Routing skew is off/);
    await vscode.commands.executeCommand('switchyard.chat.focus');
    await a.chat.whenReady();
    assert.equal(a.chat.description, `${serve.model} · remote: ${new URL(serve.url).host}`);

    const requests = a.completion.pipeline.counters.requests;
    const { before, text } = await commitSuggestion(a, 'remote-complete.py');
    assert.ok(a.completion.pipeline.counters.requests > requests, 'the pipeline asked');
    assert.ok(text.startsWith(before) && text.length > before.length + 1, JSON.stringify(text));
    assert.ok(
      serve.log.some((l) => /POST \/v1\/completions 200/.test(l)),
      `the server answered a completion:\n${serve.log.join('\n')}`,
    );

    assertStreamedReply(await chatOnce(a, 'Write a Python function that adds two numbers.'));
    assert.ok(
      serve.log.some((l) => /POST \/v1\/chat\/completions 200/.test(l)),
      `the server answered the chat:\n${serve.log.join('\n')}`,
    );
  });

  it('names the server and the fix when it refuses the key, and recovers once the key is right', async () => {
    const a = await api();
    assert.ok(serve, 'the previous test started the server');
    await vscode.commands.executeCommand('switchyard.setRemoteApiKey', 'wrong-key');
    await until(
      'the refused key to be reported',
      () => (a.engine.state === 'failed' ? a.engine.lastError : undefined),
      60_000,
    );
    assert.match(a.engine.lastError!, /401|key/i);
    assert.ok(a.engine.lastError!.includes('127.0.0.1'), a.engine.lastError);
    await vscode.commands.executeCommand('switchyard.setRemoteApiKey', KEY);
    await until(
      'the engine to reconnect',
      () => (a.engine.state === 'ready' && a.engine.model?.backend === 'openai-compatible') || undefined,
      60_000,
    );
  });

  it('reports a server that is gone on the next request instead of hanging', async () => {
    const a = await api();
    assert.ok(serve);
    serve.child.kill('SIGKILL');
    await new Promise((r) => serve!.child.once('exit', r));
    const { reply } = await chatOnce(a, 'Hello?');
    assert.ok(reply.error, 'the reply failed');
    assert.ok(reply.error.includes('127.0.0.1'), reply.error);
  });
});
