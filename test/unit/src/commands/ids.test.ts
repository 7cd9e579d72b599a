// package.json is the list of commands users see; src/commands/ids.ts is the one list in code. registerCommands takes
// a handler per id that is not a feature's own (the compiler holds that table to the list), so equal lists here mean
// every contributed command has exactly one implementation, and nothing is registered that users cannot see.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandIds, FEATURE_COMMANDS } from '../../../../src/commands/ids';

interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string }[]>;
    keybindings: { command: string }[];
  };
}
const manifest = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as Manifest;
const contributed = manifest.contributes.commands.map((c) => c.command);
const ids: string[] = Object.values(CommandIds);

describe('commands/ids', () => {
  it('package.json contributes each command once, and exactly the ones src/commands/ids.ts lists', () => {
    assert.equal(
      new Set(contributed).size,
      contributed.length,
      `a command contributed twice: ${contributed.join(', ')}`,
    );
    assert.equal(new Set(ids).size, ids.length, 'an id listed twice in src/commands/ids.ts');
    assert.deepEqual([...contributed].sort(), [...ids].sort());
  });

  it('menus and keybindings name only contributed commands', () => {
    const named = [...Object.values(manifest.contributes.menus).flat(), ...manifest.contributes.keybindings].map(
      (m) => m.command,
    );
    assert.deepEqual(
      named.filter((id) => !contributed.includes(id)),
      [],
    );
  });

  it('the feature-registered commands are ids of the list', () => {
    for (const name of FEATURE_COMMANDS) assert.ok(name in CommandIds, name);
  });
});
