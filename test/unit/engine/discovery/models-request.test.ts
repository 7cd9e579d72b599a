// models/discover as the extension sends it (the real engine process, engine/main.ts, over its stdio) and
// `models [--json]` as a user types it, both in a temporary home whose stores hold one runnable model and one of
// another architecture: the same result either way, the stores read from the variables the process was started with.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as p from '../../../../engine/protocol';
import { tempDir } from '../../../helpers/fixture-models';
import { fixtureGguf, ollamaModel, otherArchitectureGguf } from '../../../helpers/model-stores';

const ROOT = join(__dirname, '..', '..', '..', '..');

describe('models/discover and `engine models` (a temporary home)', function () {
  this.timeout(120_000);
  const root = tempDir('models-request');
  const ollama = join(root, 'ollama');
  const env = {
    ...process.env,
    HOME: join(root, 'home'),
    USERPROFILE: join(root, 'home'),
    XDG_CACHE_HOME: join(root, 'cache'),
    OLLAMA_MODELS: ollama,
    HF_HOME: join(root, 'hf'),
    HF_HUB_CACHE: join(root, 'hf', 'hub'),
    LLAMA_CACHE: join(root, 'llama.cpp'),
  };
  before(() => {
    ollamaModel(ollama, 'deepseek-v2-tiny', 'q8', fixtureGguf(join(root, 'staging', 'v2.gguf'), 'v2lite-tiny'));
    ollamaModel(ollama, 'llama3.2', '1b', otherArchitectureGguf(join(root, 'staging', 'llama.gguf')));
  });

  let fromRpc: p.ModelsDiscoverResult;
  it('the engine process answers models/discover from its environment', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'engine', 'main.ts')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'ignore'],
      env,
    });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    conn.listen();
    try {
      await conn.sendRequest(p.InitializeRequest, { protocolVersion: p.PROTOCOL_VERSION });
      fromRpc = await conn.sendRequest(p.ModelsDiscoverRequest);
      await conn.sendRequest(p.ShutdownRequest);
    } finally {
      conn.dispose();
      child.kill();
    }
    assert.deepEqual(
      fromRpc.models.map((m) => [m.name, m.architecture, m.notRunnable?.kind]),
      [
        ['deepseek-v2-tiny:q8', 'deepseek2', undefined],
        ['llama3.2:1b', 'llama', 'architecture'],
      ],
    );
    assert.equal(fromRpc.stores[0].root, ollama);
    assert.ok(fromRpc.stores.slice(1).every((s) => !s.exists && s.root.startsWith(root)));
  });

  it('`models --json` prints the same result; `models` a table with the path to pass and why not', () => {
    const run = (...args: string[]) =>
      spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'engine', 'cli.ts'), 'models', ...args], {
        encoding: 'utf8',
        cwd: ROOT,
        env,
      });
    const json = run('--json');
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), fromRpc);
    const table = run();
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^runnable \(1\):\n {2}deepseek-v2-tiny:q8 {2}\[ollama\] deepseek2, /);
    assert.ok(table.stdout.includes(`    ${fromRpc.models[0].path}\n`));
    assert.match(
      table.stdout,
      /not runnable \(1\):\n {2}llama3\.2:1b .*\n.*\n {4}not runnable: architecture llama is not supported yet/,
    );
    assert.match(table.stdout, new RegExp(`lm-studio +${join(root, 'home', '.lmstudio', 'models')} \\(absent\\)`));
    assert.notEqual(run('--bogus').status, 0);
  });
});
