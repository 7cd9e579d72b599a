// registerCommands against a fake `vscode` module (fake boundary: commands.registerCommand records the ids): with the
// features' own commands, every command package.json contributes is registered exactly once.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFakeVscode } from '../../../helpers/fake-vscode';

const registered: string[] = [];
installFakeVscode({
  commands: { registerCommand: (id: string) => (registered.push(id), { dispose: () => undefined }) },
  Disposable: { from: (...ds: { dispose(): unknown }[]) => ({ dispose: () => ds.forEach((d) => d.dispose()) }) },
});
/* eslint-disable @typescript-eslint/no-require-imports -- after the fake module is in place */
const { registerCommands } = require('../../../../src/commands') as typeof import('../../../../src/commands');
const { CommandIds, FEATURE_COMMANDS } =
  require('../../../../src/commands/ids') as typeof import('../../../../src/commands/ids');
/* eslint-enable @typescript-eslint/no-require-imports */

const manifest = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as {
  contributes: { commands: { command: string }[] };
};

describe('commands/registerCommands with a fake vscode', () => {
  it("registers each contributed command once, the features' own aside, and nothing else", () => {
    registered.length = 0;
    registerCommands({} as never).dispose();
    const all = [...registered, ...FEATURE_COMMANDS.map((name) => CommandIds[name])];
    assert.equal(new Set(all).size, all.length, `registered twice: ${all.join(', ')}`);
    assert.deepEqual(all.sort(), manifest.contributes.commands.map((c) => c.command).sort());
  });
});
