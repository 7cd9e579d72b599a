// Select Model's rows (src/commands/model-items.ts) from a real models/discover result over a temporary Ollama store
// (one runnable model, one of another architecture): runnable first with their facts, the other with why not, the
// pickers last, the model in use marked; before the answer, or when the search failed, only the pickers.
import * as assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes } from '../../../../engine/byte-size';
import { discoverModels } from '../../../../engine/discovery/discover';
import type { ModelsDiscoverResult } from '../../../../engine/protocol';
import { BROWSE_ITEMS, formatCount, modelPickItems, type ModelPickItem } from '../../../../src/commands/model-items';
import { tempDir } from '../../../helpers/fixture-models';
import { fixtureGguf, ollamaModel, otherArchitectureGguf } from '../../../helpers/model-stores';

const kinds = (items: ModelPickItem[]) => items.map((i) => i.pick.kind);

describe('Select Model rows (src/commands/model-items.ts)', function () {
  this.timeout(120_000);
  let result: ModelsDiscoverResult;
  before(async () => {
    const root = tempDir('model-items');
    const ollama = join(root, 'ollama');
    ollamaModel(ollama, 'deepseek-v2-tiny', 'q8', fixtureGguf(join(root, 'v2.gguf'), 'v2lite-tiny'));
    ollamaModel(ollama, 'llama3.2', '1b', otherArchitectureGguf(join(root, 'llama.gguf')));
    result = await discoverModels({ env: { OLLAMA_MODELS: ollama }, home: join(root, 'home'), platform: 'linux' });
  });

  it('runnable models first with source, architecture, parameters, quantization and size; the path below', () => {
    const items = modelPickItems(result);
    assert.deepEqual(kinds(items), ['heading', 'model', 'heading', 'not-runnable', 'heading', 'browse', 'browse']);
    const [model] = result.models;
    const row = items[1];
    assert.equal(row.label, '$(circuit-board) deepseek-v2-tiny:q8');
    assert.equal(
      row.description,
      `Ollama · deepseek2 · ${formatCount(model.parameters!)} parameters · Q8_0 · ${formatBytes(statSync(model.path).size)}`,
    );
    assert.equal(row.detail, model.path);
    assert.deepEqual(row.pick, { kind: 'model', model });
  });

  it('the others after, with the reason as their detail; picking one carries the model and its reason', () => {
    const row = modelPickItems(result)[3];
    assert.equal(row.label, '$(circle-slash) llama3.2:1b');
    assert.match(row.detail!, /^architecture llama is not supported yet/);
    assert.equal(row.description, 'Ollama · llama · 576 parameters · Q8_0 · 1.0 KiB');
    assert.equal(row.pick.kind === 'not-runnable' && row.pick.model.notRunnable?.kind, 'architecture');
  });

  it('marks the model in use; browse rows end every list', () => {
    const items = modelPickItems(result, { currentPath: result.models[0].path });
    assert.equal(items[1].label, '$(check) deepseek-v2-tiny:q8');
    assert.match(items[1].description!, /^in use · Ollama/);
    assert.deepEqual(items.slice(-2), BROWSE_ITEMS);
    assert.deepEqual(
      BROWSE_ITEMS.map((i) => i.pick),
      [
        { kind: 'browse', what: 'folder' },
        { kind: 'browse', what: 'gguf' },
      ],
    );
  });

  it('nothing found says where it looked; before the answer or after a failure only the pickers', () => {
    const none = modelPickItems({ models: [], stores: result.stores });
    assert.deepEqual(kinds(none), ['heading', 'heading', 'browse', 'browse']);
    assert.equal(
      none[0].label,
      "No models found (looked in: Ollama, LM Studio, Hugging Face cache, llama.cpp's cache)",
    );
    assert.deepEqual(modelPickItems(undefined), [
      { label: 'Looking for models…', pick: { kind: 'heading' } },
      ...BROWSE_ITEMS,
    ]);
    assert.equal(
      modelPickItems(undefined, { failure: 'the engine exited (code 1)' })[0].label,
      'Could not look for models on this machine: the engine exited (code 1)',
    );
  });

  it('counts and sizes read as people write them', () => {
    assert.deepEqual([671e9, 15.7e9, 2_900_000, 6400, 12].map(formatCount), ['671B', '15.7B', '2.9M', '6.4K', '12']);
  });
});
