import * as assert from 'node:assert/strict';
import { CompletionCache } from '../../../../src/completion/cache';

describe('completion/cache', () => {
  it('hits exactly for the same prefix and suffix', () => {
    const c = new CompletionCache();
    c.put('let x = ', ';\n', 'compute()');
    assert.deepEqual(c.get('let x = ', ';\n'), { text: 'compute()', kind: 'exact' });
    assert.equal(c.get('let x = ', '\n'), undefined);
  });

  it('serves the rest of a suggestion when the user types what it starts with', () => {
    const c = new CompletionCache();
    c.put('let x = ', ';\n', 'compute()');
    assert.deepEqual(c.get('let x = comp', ';\n'), { text: 'ute()', kind: 'type-ahead' });
  });

  it('misses when the typed text diverges from the suggestion or consumes all of it', () => {
    const c = new CompletionCache();
    c.put('let x = ', ';\n', 'compute()');
    assert.equal(c.get('let x = cond', ';\n'), undefined);
    assert.equal(c.get('let x = compute()', ';\n'), undefined);
  });

  it('forgets the least recently used entry beyond its capacity', () => {
    const c = new CompletionCache(2);
    c.put('a', '', '1');
    c.put('b', '', '2');
    c.get('a', ''); // a is now the most recent
    c.put('c', '', '3');
    assert.equal(c.size, 2);
    assert.equal(c.get('b', ''), undefined);
    assert.ok(c.get('a', ''));
    assert.ok(c.get('c', ''));
  });
});
