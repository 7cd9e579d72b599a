// discoverModels (engine/discovery/) over stores laid out as Ollama, LM Studio, the Hugging Face hub cache and
// llama.cpp lay them out, in a temporary home with every variable pointed there: the DeepSeek fixtures found and
// runnable in each, the others listed with why not (another architecture, a later shard, a download that stopped, not
// a model file), links followed to files but never round a loop, every walk bounded, nothing written.
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, symlinkSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverModels, type DiscoverOptions } from '../../../../engine/discovery/discover';
import type { DiscoveredModel, ModelsDiscoverResult } from '../../../../engine/protocol';
import { validateModel } from '../../../../engine/runtime/load-model';
import { FIXTURES, tempDir } from '../../../helpers/fixture-models';
import {
  fixtureGguf,
  hubRepo,
  ollamaModel,
  otherArchitectureGguf,
  splitFixtureGguf,
} from '../../../helpers/model-stores';

/** Every path under `dir` with its size and mtime: what a read-only scan leaves as it was. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => {
    const p = join(e.parentPath, e.name);
    const s = e.isSymbolicLink() ? undefined : statSync(p);
    return `${p} ${s?.size ?? 'link'} ${s?.mtimeMs ?? ''}`;
  });
}

describe('discoverModels: models already on the machine (engine/discovery/)', function () {
  this.timeout(120_000);
  const root = tempDir('stores');
  const home = join(root, 'home');
  const ollamaRoot = join(root, 'ollama-models');
  const hub = join(root, 'hf', 'hub');
  const llama = join(root, 'llama-cache');
  const opts: DiscoverOptions = {
    env: { OLLAMA_MODELS: ollamaRoot, HF_HOME: join(root, 'hf'), LLAMA_CACHE: llama },
    home,
    platform: 'linux',
  };
  const staging = join(root, 'staging');
  let result: ModelsDiscoverResult;
  const byName = (name: string): DiscoveredModel => {
    const m = result.models.find((x) => x.name === name);
    assert.ok(m, `no model '${name}' in ${result.models.map((x) => x.name).join(', ')}`);
    return m;
  };

  before(async () => {
    // Ollama: a deepseek2 model, a llama model, a manifest whose blob never arrived, a blob shorter than its manifest
    ollamaModel(ollamaRoot, 'deepseek-v2-tiny', 'q8', fixtureGguf(join(staging, 'v2.gguf'), 'v2lite-tiny'));
    ollamaModel(ollamaRoot, 'llama3.2', '1b', otherArchitectureGguf(join(staging, 'llama.gguf')));
    const gone = ollamaModel(ollamaRoot, 'someone/gone', 'latest', fixtureGguf(join(staging, 'v3.gguf'), 'v3-tiny'));
    truncateSync(gone, 0);
    mkdirSync(join(ollamaRoot, 'manifests', 'registry.ollama.ai', 'library', 'missing'), { recursive: true });
    writeFileSync(
      join(ollamaRoot, 'manifests', 'registry.ollama.ai', 'library', 'missing', 'latest'),
      JSON.stringify({
        layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${'f'.repeat(64)}`, size: 9 }],
      }),
    );
    writeFileSync(join(ollamaRoot, 'manifests', 'registry.ollama.ai', 'library', 'missing', 'broken'), '{');
    // LM Studio: publisher/repo/file.gguf under ~/.lmstudio/models
    fixtureGguf(join(home, '.lmstudio', 'models', 'tiny-org', 'v3-tiny-GGUF', 'v3-tiny-Q4_0.gguf'), 'v3-tiny', 'Q4_0');
    // and two folders that are not checkpoints: a config.json naming no architecture, one without weights
    const lmFolders = join(home, '.lmstudio', 'models', 'tiny-org');
    mkdirSync(join(lmFolders, 'nameless'), { recursive: true });
    writeFileSync(join(lmFolders, 'nameless', 'config.json'), '{}');
    mkdirSync(join(lmFolders, 'weightless'), { recursive: true });
    copyFileSync(join(FIXTURES, 'v3-tiny', 'config.json'), join(lmFolders, 'weightless', 'config.json'));
    // the hub cache: a DeepSeek folder, a llama folder, a download that stopped, a GGUF repo split in two
    const v3 = join(FIXTURES, 'v3-tiny');
    hubRepo(hub, 'deepseek-ai/v3-tiny', {
      'config.json': join(v3, 'config.json'),
      'model.safetensors': join(v3, 'model.safetensors'),
    });
    const llamaConfig = join(staging, 'llama-config.json');
    writeFileSync(llamaConfig, JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] }));
    hubRepo(hub, 'meta-llama/tiny', { 'config.json': llamaConfig, 'model.safetensors': join(v3, 'model.safetensors') });
    const index = join(staging, 'index.json');
    writeFileSync(
      index,
      JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }),
    );
    hubRepo(hub, 'deepseek-ai/half', {
      'config.json': join(v3, 'config.json'),
      'model.safetensors.index.json': index,
      'model-00001-of-00002.safetensors': join(v3, 'model.safetensors'),
    });
    writeFileSync(join(hub, 'models--deepseek-ai--half', 'blobs', `${'e'.repeat(64)}.incomplete`), 'partial');
    const [first, second] = splitFixtureGguf(join(staging, 'split', 'v3-tiny-F32'), 'v3-tiny');
    hubRepo(hub, 'tiny-org/v3-tiny-GGUF', {
      'F32/v3-tiny-F32-00001-of-00002.gguf': first,
      'F32/v3-tiny-F32-00002-of-00002.gguf': second,
    });
    // llama.cpp's cache: a download cut short, a file that is not GGUF, a link back up (a loop), its etag files
    const cut = fixtureGguf(join(llama, 'tiny-org_v3-tiny-GGUF_cut.gguf'), 'v3-tiny');
    truncateSync(cut, Math.floor(statSync(cut).size / 2));
    writeFileSync(join(llama, 'not-a-model.gguf'), 'hello');
    writeFileSync(join(llama, 'tiny-org_v3-tiny-GGUF_cut.gguf.json'), '{"etag":"x"}');
    symlinkSync('..', join(llama, 'loop'));
    copyFileSync(join(staging, 'v2.gguf'), join(llama, 'v2.gguf'));
    symlinkSync(join(llama, 'v2.gguf'), join(llama, 'v2-again.gguf'));

    const before = tree(root);
    result = await discoverModels(opts);
    assert.deepEqual(tree(root), before, 'the scan changed the stores');
  });

  it('finds the DeepSeek checkpoints of every store, runnable, with the numbers model/load reports', async () => {
    const ollama = byName('deepseek-v2-tiny:q8');
    assert.equal(ollama.notRunnable, undefined, ollama.notRunnable?.detail);
    assert.equal(ollama.source, 'ollama');
    assert.match(ollama.path, /blobs[/\\]sha256-[0-9a-f]{64}$/);
    assert.equal(ollama.architecture, 'deepseek2');
    assert.equal(ollama.quantization, 'Q8_0');
    assert.equal(ollama.sizeBytes, statSync(ollama.path).size);
    assert.equal(ollama.parameters, (await validateModel(ollama.path)).info.parameters);

    const lm = byName('tiny-org/v3-tiny-GGUF/v3-tiny-Q4_0.gguf');
    assert.equal(lm.notRunnable, undefined, lm.notRunnable?.detail);
    assert.deepEqual([lm.source, lm.format, lm.quantization], ['lm-studio', 'gguf', 'Q4_0']);

    const hf = byName('deepseek-ai/v3-tiny');
    assert.equal(hf.notRunnable, undefined, hf.notRunnable?.detail);
    assert.deepEqual([hf.source, hf.format, hf.architecture], ['huggingface', 'safetensors', 'deepseek_v3']);
    assert.match(hf.path, /snapshots[/\\]a{40}$/);
    assert.equal(hf.sizeBytes, statSync(join(FIXTURES, 'v3-tiny', 'model.safetensors')).size);
    assert.equal(hf.parameters, (await validateModel(join(FIXTURES, 'v3-tiny'))).info.parameters);
    assert.equal(hf.quantization, 'F32');

    const split = byName('tiny-org/v3-tiny-GGUF/F32/v3-tiny-F32-00001-of-00002.gguf');
    assert.equal(split.notRunnable, undefined, split.notRunnable?.detail);
    const shards = readdirSync(join(split.path, '..')).map((f) => statSync(join(split.path, '..', f)).size);
    assert.equal(split.sizeBytes, shards[0] + shards[1]);
  });

  it('says why the others cannot run, each with its kind', () => {
    const why = (name: string) => [byName(name).notRunnable?.kind, byName(name).notRunnable?.detail];
    assert.deepEqual(why('llama3.2:1b')[0], 'architecture');
    assert.match(String(why('llama3.2:1b')[1]), /^architecture llama is not supported yet/);
    assert.equal(byName('llama3.2:1b').quantization, 'Q8_0');
    assert.equal(byName('llama3.2:1b').parameters, 8 * 64 + 64);
    assert.equal(why('meta-llama/tiny')[0], 'architecture');
    assert.match(String(why('meta-llama/tiny')[1]), /^architecture llama is not supported yet/);
    assert.deepEqual(why('tiny-org/v3-tiny-GGUF/F32/v3-tiny-F32-00002-of-00002.gguf'), [
      'split-shard',
      'split GGUF shard 2 of 2: choose the first',
    ]);
    assert.deepEqual(why('deepseek-ai/half'), ['incomplete', 'incomplete download: 1 of 2 weight files missing']);
    assert.deepEqual(why('missing:latest')[0], 'incomplete');
    assert.match(String(why('missing:latest')[1]), /blob sha256-f{64} is missing/);
    assert.equal(why('someone/gone:latest')[0], 'incomplete');
    assert.equal(why('tiny-org_v3-tiny-GGUF_cut.gguf')[0], 'incomplete');
    assert.match(String(why('tiny-org_v3-tiny-GGUF_cut.gguf')[1]), /^incomplete download: the file has \d+ bytes/);
    assert.equal(why('not-a-model.gguf')[0], 'unreadable');
    assert.deepEqual(why('tiny-org/nameless'), ['unreadable', 'config.json names no model_type or architectures']);
    assert.deepEqual(why('tiny-org/weightless'), ['unreadable', 'no *.safetensors weights beside config.json']);
  });

  it('lists runnable models first; a bad manifest is skipped with why; a file reached twice is listed once', () => {
    const firstNot = result.models.findIndex((m) => m.notRunnable);
    assert.ok(firstNot > 0 && result.models.slice(firstNot).every((m) => m.notRunnable));
    const ollama = result.stores.find((s) => s.source === 'ollama')!;
    assert.deepEqual(
      ollama.skipped.map((s) => s.path),
      [join(ollamaRoot, 'manifests', 'registry.ollama.ai', 'library', 'missing', 'broken')],
    );
    assert.equal(result.models.filter((m) => m.name.startsWith('v2')).length, 1);
    assert.equal(new Set(result.models.map((m) => m.path)).size, result.models.length);
    // the loop: nothing found through it
    assert.ok(!result.models.some((m) => m.path.includes(`${join('loop', '')}`)));
  });

  it('a store that is not there is reported as absent; LM Studio has two roots', async () => {
    const stores = result.stores.map((s) => [s.source, s.root, s.exists]);
    assert.deepEqual(stores, [
      ['ollama', ollamaRoot, true],
      ['lm-studio', join(home, '.lmstudio', 'models'), true],
      ['lm-studio', join(home, '.cache', 'lm-studio', 'models'), false],
      ['huggingface', hub, true],
      ['llama.cpp', llama, true],
    ]);
    const defaults = await discoverModels({ env: {}, home: join(root, 'nobody'), platform: 'linux' });
    assert.deepEqual(defaults.models, []);
    assert.deepEqual(
      defaults.stores.map((s) => s.root),
      [
        join(root, 'nobody', '.ollama', 'models'),
        join(root, 'nobody', '.lmstudio', 'models'),
        join(root, 'nobody', '.cache', 'lm-studio', 'models'),
        join(root, 'nobody', '.cache', 'huggingface', 'hub'),
        join(root, 'nobody', '.cache', 'llama.cpp'),
      ],
    );
  });

  it('stops a root at its entry, model or time limit and says so', async () => {
    const small = await discoverModels({ ...opts, maxEntriesPerRoot: 3 });
    const hf = small.stores.find((s) => s.source === 'huggingface')!;
    assert.match(hf.stoppedEarly ?? '', /3 entries read/);
    assert.ok(small.models.length < result.models.length);
    const few = await discoverModels({ ...opts, maxModelsPerRoot: 1 });
    assert.equal(few.models.filter((m) => m.source === 'ollama').length, 1);
    assert.match(few.stores[0].stoppedEarly ?? '', /1 models described/);
    const late = await discoverModels({ ...opts, timePerRootMs: -1 });
    assert.deepEqual(late.models, []);
    for (const s of late.stores.filter((x) => x.exists)) assert.match(s.stoppedEarly ?? '', /time limit/, s.root);
  });
});
