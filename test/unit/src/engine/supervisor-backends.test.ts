// The supervisor (src/engine/supervisor.ts, no VS Code API) starting the real engine subprocess (engine/main.ts run
// through tsx) against the two OpenAI-API directions: a remote backend on a real server on loopback, and the engine
// serving its own model to other tools.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { CompleteRequest } from '../../../../engine/protocol';
import { EngineLaunchConfig, EngineSupervisor } from '../../../../src/engine/supervisor';
import { tempDir } from '../../../helpers/fixture-models';
import { MODEL_ID, startLocalServer, type LocalServer } from '../../../helpers/local-server';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';

const ROOT = join(__dirname, '../../../..');

function launch(extra: Partial<EngineLaunchConfig>): () => EngineLaunchConfig {
  return () => ({
    spawn: {
      enginePath: join(ROOT, 'engine/main.ts'),
      // the engine's TypeScript, run as the bundle would be; its graph cache in a folder of this run
      env: { NODE_OPTIONS: '--import tsx', XDG_CACHE_HOME: tempDir('supervisor-cache') },
      cwd: ROOT,
      onStderrLine: () => undefined,
    },
    modelPath: fixtureWithMadeUpTokenizer({ family: 'qwen' }),
    threads: 1,
    ...extra,
  });
}

describe('engine supervisor with the OpenAI-compatible backends (real engine subprocess)', function () {
  this.timeout(120_000);
  let server: LocalServer;
  const supervisors: EngineSupervisor[] = [];
  const supervisor = (extra: Partial<EngineLaunchConfig>, log?: (l: string) => void) => {
    const s = new EngineSupervisor(launch(extra), log);
    supervisors.push(s);
    return s;
  };

  before(async () => {
    server = await startLocalServer({ apiKey: 'k', model: { family: 'qwen' } });
  });
  after(async () => {
    await Promise.all(supervisors.map((s) => s.dispose()));
    await server.close();
  });

  it('connects to the remote server instead of loading the model, and completes through it', async () => {
    const s = supervisor({ remote: { baseUrl: server.url, model: MODEL_ID, apiKey: 'k', fimFormat: 'qwen' } });
    await s.start();
    assert.equal(s.model?.backend, 'openai-compatible');
    assert.equal(s.model?.path, server.url);
    assert.equal(s.model?.hasRoutingProfile, false);
    const r = await s.request(CompleteRequest, {
      prefix: 'def f(x):\n    return ',
      suffix: '\n',
      languageId: 'python',
      maxTokens: 4,
      temperature: 0,
    });
    assert.ok(r.stats.generatedTokens > 0, JSON.stringify(r));
  });

  it('fails a start whose key the server refuses, naming the server and the command that fixes it', async () => {
    const s = supervisor({ remote: { baseUrl: server.url, model: MODEL_ID, apiKey: 'wrong' } });
    await assert.rejects(s.start(), /127\.0\.0\.1.*refused the request \(HTTP 401.*Set Remote Server API Key/);
    assert.equal(s.state, 'failed');
    assert.equal(s.pid, undefined, 'no engine left running');
  });

  it('fails a start whose settings cannot be read, without spawning an engine', async () => {
    const s = new EngineSupervisor(() => Promise.reject(new Error('switchyard.remote.model is empty')));
    supervisors.push(s);
    await assert.rejects(s.start(), /switchyard\.remote\.model is empty/);
    assert.equal(s.state, 'failed');
    assert.equal(s.starts, 0);
  });

  it('serves its model over the OpenAI API and stops serving without reloading it', async () => {
    let serve: EngineLaunchConfig['serve'] = { host: '127.0.0.1', port: 0, apiKey: 'local-key' };
    const base = launch({});
    const s = new EngineSupervisor(() => ({ ...base(), serve }));
    supervisors.push(s);
    await s.start();
    const url = s.serving?.url;
    assert.match(url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.equal((await fetch(`${url}/models`)).status, 401);
    const models = (await (
      await fetch(`${url}/models`, { headers: { authorization: 'Bearer local-key' } })
    ).json()) as { data: { id: string }[] };
    assert.equal(models.data.length, 1);

    const pid = s.pid;
    serve = undefined;
    await s.reconfigureServing();
    assert.equal(s.serving, undefined);
    await assert.rejects(fetch(`${url}/models`));
    assert.equal(s.pid, pid, 'same engine process, model not reloaded');
    assert.equal(s.state, 'ready');
  });

  it('serves browser requests from the allowed origins only, and follows a change of them without reloading the model', async () => {
    let serve: EngineLaunchConfig['serve'] = { host: '127.0.0.1', port: 0, allowOrigins: ['http://localhost:3000'] };
    const base = launch({});
    const s = new EngineSupervisor(() => ({ ...base(), serve }));
    supervisors.push(s);
    await s.start();
    const from = async (origin: string) => {
      const r = await fetch(`${s.serving!.url}/models`, { headers: { origin } });
      return { status: r.status, cors: r.headers.get('access-control-allow-origin') };
    };
    assert.deepEqual(await from('http://localhost:3000'), { status: 200, cors: 'http://localhost:3000' });
    assert.equal((await from('https://attacker.example')).status, 403);
    const pid = s.pid;
    serve = { ...serve, allowOrigins: ['https://example.com'] };
    await s.reconfigureServing();
    assert.equal((await from('http://localhost:3000')).status, 403, 'no longer allowed');
    assert.deepEqual(await from('https://example.com'), { status: 200, cors: 'https://example.com' });
    assert.equal(s.pid, pid, 'same engine process');
  });

  it('refuses to serve on a public address without a key, and the editor keeps its engine', async () => {
    const s = supervisor({ serve: { host: '0.0.0.0', port: 0 } });
    let changes = 0;
    s.onDidChangeServing(() => changes++);
    await s.start();
    assert.equal(s.state, 'ready');
    assert.equal(s.serving, undefined);
    assert.match(s.servingError ?? '', /not serving on 0\.0\.0\.0 without an API key.*Set Local Server API Key/);
    assert.ok(changes > 0, 'listeners heard about it');
  });

  it("reports a first load's graph building as it goes, and clears the progress once ready", async () => {
    const s = supervisor({}); // a fresh graph cache: this start builds
    const seen: (number | undefined)[] = [];
    s.onDidProgress((p) => seen.push(p && p.done));
    await s.start();
    assert.ok(seen.length > 2, `${seen.length} progress events`);
    assert.equal(seen[seen.length - 1], undefined, 'cleared when the load ended');
    assert.equal(s.progress, undefined);
    const counts = seen.filter((d): d is number => d !== undefined);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
    );
  });

  it('runs restarts asked at the same time one after another, ending with one engine that serves', async () => {
    const s = supervisor({});
    await s.start();
    const first = s.pid;
    const starts = s.starts;
    // what a key change and a backend change in one go do; the second must not kill the first's engine mid-start
    await Promise.all([s.restart(), s.restart(), s.restart()]);
    assert.equal(s.state, 'ready');
    assert.equal(s.starts, starts + 3);
    assert.notEqual(s.pid, first);
    const r = await s.request(CompleteRequest, {
      prefix: 'x = ',
      suffix: '',
      languageId: 'python',
      maxTokens: 2,
      temperature: 0,
    });
    assert.ok(r.stats.generatedTokens > 0);
  });

  it('reports a port that is taken as the server failing, not the engine', async () => {
    const taken = Number(new URL(server.url).port);
    const s = supervisor({ serve: { host: '127.0.0.1', port: taken } });
    await s.start();
    assert.equal(s.state, 'ready');
    assert.match(s.servingError ?? '', new RegExp(`port ${taken} on 127\\.0\\.0\\.1 is already in use`));
  });
});
