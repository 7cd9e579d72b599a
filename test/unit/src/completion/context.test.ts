import * as assert from 'node:assert/strict';
import { excerpt, selectContextChunks } from '../../../../src/completion/context';

describe('completion/context', () => {
  const file = (filePath: string, languageId: string, lastUsed: number, text = `// ${filePath}\n`) => ({
    filePath,
    languageId,
    text,
    lastUsed,
  });

  it('prefers files of the same language, then the most recently used, and skips the current file', () => {
    const chunks = selectContextChunks(
      [
        file('a.py', 'python', 5),
        file('b.ts', 'typescript', 1),
        file('c.ts', 'typescript', 9),
        file('cur.ts', 'typescript', 99),
      ],
      'cur.ts',
      'typescript',
      { maxChunks: 2, maxCharsPerChunk: 100 },
    );
    assert.deepEqual(
      chunks.map((c) => c.filePath),
      ['c.ts', 'b.ts'],
    );
  });

  it('takes whole lines around the last edit', () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    const at = text.indexOf('line 150');
    const ex = excerpt(text, at, 60);
    assert.ok(ex.length <= 60);
    assert.ok(ex.includes('line 150'));
    assert.ok(ex.startsWith('line '));
    assert.ok(ex.endsWith('\n'));
  });
});
