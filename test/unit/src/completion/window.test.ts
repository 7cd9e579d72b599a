import * as assert from 'node:assert/strict';
import { fimWindow } from '../../../../src/completion/window';

describe('completion/window', () => {
  it('keeps the whole file when it fits', () => {
    const text = 'a\nb\nc';
    assert.deepEqual(fimWindow(text, 3, { maxPrefixChars: 100, maxSuffixChars: 100 }), {
      prefix: 'a\nb',
      suffix: '\nc',
    });
  });

  it('cuts a long prefix at a line start and never exceeds the limit', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const text = lines.join('\n');
    const w = fimWindow(text, text.length, { maxPrefixChars: 50, maxSuffixChars: 10 });
    assert.ok(w.prefix.length <= 50);
    assert.ok(w.prefix.startsWith('line '), w.prefix);
    assert.ok(w.prefix.endsWith('line 99'));
    assert.equal(w.suffix, '');
  });

  it('cuts a long suffix after a whole line', () => {
    const text = 'x = 1\n' + 'y = 2\n'.repeat(50);
    const w = fimWindow(text, 0, { maxPrefixChars: 10, maxSuffixChars: 20 });
    assert.ok(w.suffix.length <= 20);
    assert.ok(w.suffix.endsWith('\n'));
    assert.ok(w.suffix.startsWith('x = 1\n'));
  });

  it('keeps a partial line when the prefix is one huge line', () => {
    const text = 'a'.repeat(500);
    const w = fimWindow(text, 500, { maxPrefixChars: 100, maxSuffixChars: 10 });
    assert.equal(w.prefix.length, 100);
  });
});
