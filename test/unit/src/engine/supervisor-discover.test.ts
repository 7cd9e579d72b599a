// The supervisor (src/engine/supervisor.ts) asking the real engine subprocess for the models on the machine and for
// a model's validation, as Select Model does: a short-lived engine when none runs (stopped again after), the running
// one otherwise; the stores are those of the engine's environment, here a temporary Ollama store and home.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { ModelsDiscoverRequest } from '../../../../engine/protocol';
import { EngineSupervisor } from '../../../../src/engine/supervisor';
import { tempDir } from '../../../helpers/fixture-models';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';
import { fixtureGguf, ollamaModel, otherArchitectureGguf } from '../../../helpers/model-stores';

const ROOT = join(__dirname, '../../../..');

describe('engine supervisor: models/discover and validateModel (real engine subprocess)', function () {
  this.timeout(120_000);
  const root = tempDir('supervisor-discover');
  const ollama = join(root, 'ollama');
  const env = {
    NODE_OPTIONS: '--import tsx',
    XDG_CACHE_HOME: join(root, 'cache'),
    HOME: join(root, 'home'),
    USERPROFILE: join(root, 'home'),
    OLLAMA_MODELS: ollama,
    HF_HOME: join(root, 'hf'),
    HF_HUB_CACHE: join(root, 'hf', 'hub'),
    LLAMA_CACHE: join(root, 'llama.cpp'),
  };
  const s = new EngineSupervisor(() => ({
    spawn: { enginePath: join(ROOT, 'engine/main.ts'), env, cwd: ROOT, onStderrLine: () => undefined },
    modelPath: fixtureWithMadeUpTokenizer({ family: 'qwen' }),
    threads: 1,
  }));
  let blob: string;
  before(() => {
    blob = ollamaModel(ollama, 'deepseek-v2-tiny', 'q8', fixtureGguf(join(root, 'v2.gguf'), 'v2lite-tiny'));
    ollamaModel(ollama, 'llama3.2', '1b', otherArchitectureGguf(join(root, 'llama.gguf')));
  });
  after(() => s.dispose());

  it('with no engine running, a short-lived one answers and is stopped again', async () => {
    const found = await s.requestWithoutModel(ModelsDiscoverRequest);
    assert.deepEqual(
      found.models.map((m) => [m.name, m.notRunnable?.kind]),
      [
        ['deepseek-v2-tiny:q8', undefined],
        ['llama3.2:1b', 'architecture'],
      ],
    );
    assert.equal(found.models[0].path, blob);
    const info = await s.validateModel(blob);
    assert.equal(info.parameters, found.models[0].parameters);
    await assert.rejects(s.validateModel(found.models[1].path), /general\.architecture' is "llama"/);
    assert.equal(s.pid, undefined, 'no engine left running');
  });

  it('with the engine running, it answers the same', async () => {
    const alone = await s.requestWithoutModel(ModelsDiscoverRequest);
    await s.start();
    assert.ok(s.pid);
    assert.deepEqual(await s.requestWithoutModel(ModelsDiscoverRequest), alone);
  });
});
