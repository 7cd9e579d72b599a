// The expert-routing page's data as the extension gets it: the engine service behind its real JSON-RPC handlers (over
// in-memory pipes, and as the real engine process behind the supervisor), answering `stats` and `routing/profile`;
// the extension reads no file of the engine's.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CancellationTokenSource, type RequestType0 } from 'vscode-jsonrpc';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { checkpointFingerprint } from '../../../../engine/routing/checkpoint-fingerprint';
import { defaultProfilePath, saveProfile } from '../../../../engine/routing/profile-file';
import { loadModel } from '../../../../engine/runtime/load-model';
import { EngineService } from '../../../../engine/service/engine-service';
import { LocalBackend } from '../../../../engine/service/local-backend';
import { registerEngineHandlers } from '../../../../engine/service/rpc';
import { profileForPage } from '../../../../src/routing/heatmap';
import { EngineSupervisor } from '../../../../src/engine/supervisor';
import { type RoutingEngineClient, pageFor } from '../../../../src/routing/page';
import { madeUpProfile } from '../../../helpers/routing-profile';
import { tempDir, testCacheDir } from '../../../helpers/fixture-models';
import { textFixtureModel } from '../../../helpers/text-fixture-model';
import { ScriptedModel } from '../../../helpers/scripted-model';

/** The service behind its handlers; the client sends by method name, as the extension's supervisor does. */
function served(service: EngineService): { engine: RoutingEngineClient; asked: string[]; close: () => void } {
  const toEngine = new PassThrough();
  const toClient = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(toEngine), new StreamMessageWriter(toClient));
  const client: MessageConnection = createMessageConnection(
    new StreamMessageReader(toClient),
    new StreamMessageWriter(toEngine),
  );
  registerEngineHandlers(server, service, { log: () => undefined, onShutdown: () => undefined });
  server.listen();
  client.listen();
  const asked: string[] = [];
  const engine: RoutingEngineClient = {
    request0: <R>(type: RequestType0<R, void>) => {
      asked.push(type.method);
      return client.sendRequest<R>(type.method, new CancellationTokenSource().token);
    },
  };
  return { engine, asked, close: () => (client.dispose(), server.dispose()) };
}

describe('expert routing page data over the protocol', () => {
  it('says no model is loaded, without asking for a profile', async () => {
    const { engine, asked, close } = served(new EngineService());
    try {
      const page = await pageFor(engine);
      assert.equal(page.profileNote, 'No model is loaded.');
      assert.deepEqual(asked, ['stats']);
    } finally {
      close();
    }
  });

  it('passes on why a model has no profile', async () => {
    const service = new EngineService();
    await service.useBackend(new LocalBackend(new ScriptedModel(['x']), '/nonexistent'));
    const { engine, asked, close } = served(service);
    try {
      const page = await pageFor(engine);
      assert.equal(page.profile, undefined);
      assert.equal(
        page.profileNote,
        "scripted has no routing profile (switchyard-routing.json); create one with the engine's calibrate command.",
      );
      assert.deepEqual(asked, ['stats', 'routing/profile']);
    } finally {
      close();
      await service.dispose();
    }
  });

  it('shows the profile the engine applies to the loaded model', async function () {
    this.timeout(120_000);
    const dir = textFixtureModel('v3-tiny');
    const service = new EngineService({
      loadModel: (d, o) => loadModel(d, { ...o, cacheDir: testCacheDir() }),
      threads: 1,
    });
    const { engine, close } = served(service);
    try {
      const saved = madeUpProfile(checkpointFingerprint(dir), { codeBias: [0.5], defaultStrength: 1.25 });
      saveProfile(saved, defaultProfilePath(dir));
      const info = await service.loadModel({ path: dir });
      const page = await pageFor(engine);
      assert.equal(page.modelName, info.name);
      assert.equal(page.firstMoeLayer, info.layers - info.moeLayers);
      assert.deepEqual(page.profile, profileForPage(saved));
      assert.equal(page.profile?.defaultStrength, 1.25);
      assert.equal(page.profileNote, undefined);
    } finally {
      close();
      await service.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('goes through the supervisor to the real engine process', async function () {
    this.timeout(120_000);
    const dir = textFixtureModel('v3-tiny');
    const saved = madeUpProfile(checkpointFingerprint(dir), { mathBias: [0, 0.75] });
    saveProfile(saved, defaultProfilePath(dir));
    const root = join(__dirname, '../../../..');
    const supervisor = new EngineSupervisor(() => ({
      spawn: {
        enginePath: join(root, 'engine/main.ts'),
        env: { NODE_OPTIONS: '--import tsx', XDG_CACHE_HOME: tempDir('routing-page-cache') },
        cwd: root,
        onStderrLine: () => undefined,
      },
      modelPath: dir,
      threads: 1,
    }));
    try {
      await supervisor.start();
      const page = await pageFor(supervisor);
      assert.equal(page.profileNote, undefined);
      assert.deepEqual(page.profile, profileForPage(saved));
    } finally {
      await supervisor.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
