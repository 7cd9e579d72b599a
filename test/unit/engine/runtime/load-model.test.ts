// The loader's ModelInfo is the one the engine reports: built once from the folder, with everything the service
// needs (FIM family, chat template, context length, backend, routing profile) and no second builder adding to it.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateModelDir } from '../../../../engine/runtime/load-model';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';

describe('runtime/load-model: ModelInfo', () => {
  let dir: string;
  beforeEach(() => {
    dir = fixtureWithMadeUpTokenizer({ family: 'qwen' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the FIM family, backend and context length of the folder', () => {
    const { info } = validateModelDir(dir);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { max_position_embeddings: number };
    assert.equal(info.fim?.name, 'qwen');
    assert.equal(info.backend, 'local');
    assert.equal(info.contextLength, config.max_position_embeddings);
    assert.equal(info.hasChatTemplate, false);
  });

  it('sees a chat template the service will use from chat_template.jinja alone', () => {
    writeFileSync(join(dir, 'chat_template.jinja'), '{% for m in messages %}{{ m.content }}{% endfor %}');
    assert.equal(validateModelDir(dir).info.hasChatTemplate, true);
  });

  it('reports a routing profile as the caller says it applies one, else by the file', () => {
    assert.equal(validateModelDir(dir).info.hasRoutingProfile, false);
    assert.equal(validateModelDir(dir, { routingProfile: true }).info.hasRoutingProfile, true);
    writeFileSync(join(dir, 'switchyard-routing.json'), '{}');
    assert.equal(validateModelDir(dir).info.hasRoutingProfile, true);
    assert.equal(validateModelDir(dir, { routingProfile: false }).info.hasRoutingProfile, false);
  });
});
