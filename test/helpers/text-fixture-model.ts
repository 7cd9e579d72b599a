// A fixture checkpoint that reads text: the engine tests' made-up byte-level tokenizer (with the FIM tokens of the
// qwen family) on a fixture's weights, so the text commands and requests run on a real model in milliseconds.
import { fixtureWithMadeUpTokenizer } from './made-up-tokenizer';

export function textFixtureModel(fixture: 'v3-tiny' | 'v2lite-tiny' = 'v3-tiny'): string {
  return fixtureWithMadeUpTokenizer({ fixture, family: 'qwen' });
}
