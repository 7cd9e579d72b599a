// The graph cache through the engine's requests (initialize, model/load, cache/info, cache/clear) on real fixture
// models: the loaded model is listed as in use and survives a clear, a model no longer loaded goes, and the limit sent
// with initialize evicts the least recently used model on the next load.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CancellationTokenSource, type RequestType, type RequestType0 } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  CacheClearRequest,
  CacheInfoRequest,
  InitializeRequest,
  ModelLoadRequest,
  PROTOCOL_VERSION,
  type CacheClearResult,
  type GraphCacheInfo,
} from '../../../../engine/protocol';
import { loadModel } from '../../../../engine/runtime/load-model';
import { EngineService } from '../../../../engine/service/engine-service';
import { registerEngineHandlers } from '../../../../engine/service/rpc';
import { copyFixture } from '../../../helpers/checkpoint-variants';
import { tempDir } from '../../../helpers/fixture-models';

function served(service: EngineService) {
  const toEngine = new PassThrough();
  const toClient = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(toEngine), new StreamMessageWriter(toClient));
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toEngine));
  registerEngineHandlers(server, service, { log: () => undefined, onShutdown: () => undefined });
  server.listen();
  client.listen();
  const token = () => new CancellationTokenSource().token;
  return {
    request: <P, R>(type: RequestType<P, R, void>, params: P) => client.sendRequest<R>(type.method, params, token()),
    request0: <R>(type: RequestType0<R, void>) => client.sendRequest<R>(type.method, token()),
    close: async () => {
      client.dispose();
      server.dispose();
      await service.dispose();
    },
  };
}

describe('graph cache requests (fixture models)', () => {
  it('lists the cache, keeps the loaded model on clear and removes the one no longer loaded', async () => {
    const cacheDir = tempDir('service-cache');
    const engine = served(new EngineService({ loadModel, cacheDir, threads: 1 }));
    try {
      const empty = await engine.request0<GraphCacheInfo>(CacheInfoRequest);
      assert.deepEqual({ ...empty, limitBytes: 0 }, { root: cacheDir, totalBytes: 0, limitBytes: 0, entries: [] });
      assert.equal(empty.limitBytes, 32 * 2 ** 30, 'the default limit');

      const first = copyFixture('v2lite-tiny');
      await engine.request(ModelLoadRequest, { path: first });
      const one = await engine.request0<GraphCacheInfo>(CacheInfoRequest);
      assert.equal(one.entries.length, 1);
      assert.equal(one.entries[0].checkpoint, first);
      assert.equal(one.entries[0].precision, 'f32');
      assert.deepEqual(one.entries[0].inUseBy, [process.pid]);
      assert.ok(one.entries[0].bytes > 0 && one.totalBytes === one.entries[0].bytes);

      const second = copyFixture('v3-tiny');
      await engine.request(ModelLoadRequest, { path: second });
      const two = await engine.request0<GraphCacheInfo>(CacheInfoRequest);
      // the replaced model was in use until the switch: released now, and last used now
      const byPath = new Map(two.entries.map((e) => [e.checkpoint, e]));
      assert.deepEqual(byPath.get(second)?.inUseBy, [process.pid]);
      assert.deepEqual(byPath.get(first)?.inUseBy, []);
      assert.ok(Date.parse(byPath.get(first)?.lastUsed ?? '') >= Date.parse(one.entries[0].lastUsed));

      const cleared = await engine.request0<CacheClearResult>(CacheClearRequest);
      assert.deepEqual(
        cleared.removed.map((e) => e.checkpoint),
        [first],
      );
      assert.deepEqual(
        cleared.kept.map((k) => [k.entry.checkpoint, k.reason]),
        [[second, 'in-use']],
      );
      assert.equal(cleared.freedBytes, byPath.get(first)?.bytes);
      assert.ok(existsSync(join(cacheDir, cleared.kept[0].entry.name, 'manifest.json')));
      assert.equal((await engine.request0<GraphCacheInfo>(CacheInfoRequest)).entries.length, 1);
    } finally {
      await engine.close();
    }
  });

  it('trims to the limit sent with initialize: the least recently used model goes on the next load', async () => {
    const cacheDir = tempDir('service-cache');
    const engine = served(new EngineService({ loadModel, cacheDir, threads: 1 }));
    try {
      const [a, b, c] = [copyFixture('v2lite-tiny'), copyFixture('v3-tiny'), copyFixture('v3-tiny-yarn')];
      await engine.request(ModelLoadRequest, { path: a });
      await engine.request(ModelLoadRequest, { path: b });
      const sizes = (await engine.request0<GraphCacheInfo>(CacheInfoRequest)).entries.map((e) => e.bytes);
      // room for two of the three: loading the third evicts the oldest (a); b is still loaded while c's load trims
      const limit = sizes[0] + sizes[1] + 1000;
      await engine.request(InitializeRequest, { protocolVersion: PROTOCOL_VERSION, graphCacheLimitBytes: limit });
      await engine.request(ModelLoadRequest, { path: c });
      const info = await engine.request0<GraphCacheInfo>(CacheInfoRequest);
      assert.equal(info.limitBytes, limit);
      assert.deepEqual(info.entries.map((e) => e.checkpoint).sort(), [b, c].sort());
      // b is free now: the next load trims it too, and the model in use stays though over the limit
      await engine.request(InitializeRequest, { protocolVersion: PROTOCOL_VERSION, graphCacheLimitBytes: 0 });
      await engine.request(ModelLoadRequest, { path: c });
      assert.deepEqual(
        (await engine.request0<GraphCacheInfo>(CacheInfoRequest)).entries.map((e) => e.checkpoint),
        [c],
      );
    } finally {
      await engine.close();
    }
  });
});
