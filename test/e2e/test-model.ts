// The model the extension-host tests run: the v3-tiny fixture (random weights, DeepSeek-V3 architecture) with the
// made-up byte-level tokenizer the engine's own tests use (Qwen special tokens, a few code merges, a ChatML template),
// so text requests (complete, chat) work end to end.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHATML_TEMPLATE, CODE_MERGES, writeMadeUpTokenizer } from '../helpers/made-up-tokenizer';
import { ROOT } from './vscode-server';

export function prepareTestModel(into: string, fixture = 'v3-tiny'): string {
  const src = path.join(ROOT, 'test/fixtures/deepseek', fixture);
  fs.mkdirSync(into, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(src, f), path.join(into, f));
  writeMadeUpTokenizer(into, { family: 'qwen', merges: CODE_MERGES, chatTemplate: CHATML_TEMPLATE });
  return into;
}

/** User settings every launcher gives the test model: the fixture has 256 positions and a byte-level vocabulary, so
 * short instructions and replies. */
export function testModelSettings(model: string): Record<string, unknown> {
  return {
    'switchyard.modelPath': model,
    'switchyard.engine.threads': 1,
    'switchyard.chat.systemPrompt': 'Be brief.',
    'switchyard.chat.maxTokens': 48,
  };
}

/** The extension-host suite's settings (both launchers run the same suite). */
export function suiteSettings(model: string): Record<string, unknown> {
  return {
    ...testModelSettings(model),
    // Greedy: a sampled reply on the random-weight fixture sometimes ended after one token and proved nothing.
    'switchyard.chat.temperature': 0,
  };
}
