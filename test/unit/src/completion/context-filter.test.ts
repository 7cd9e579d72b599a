import * as assert from 'node:assert/strict';
import { selectContextChunks, type CandidateFile } from '../../../../src/completion/context';
import { allowedContext, globToRegExp, isSecretLike } from '../../../../src/completion/context-filter';

const file = (filePath: string, languageId = 'typescript'): CandidateFile => ({
  filePath,
  languageId,
  text: `// ${filePath}\nexport const x = 1;\n`,
  lastUsed: 1,
});

describe('completion context chunks: only files the user would send', () => {
  const open = [
    file('src/util.ts'),
    file('.env', 'dotenv'),
    file('config/.env.production', 'properties'),
    file('keys/server.pem', 'plaintext'),
    file('id_rsa', 'plaintext'),
    file('notes.txt', 'plaintext'),
    file('db/schema.sql', 'sql'),
    file('secrets/token.ts'),
    file('.npmrc', 'ini'),
  ];
  const policy = {
    languageEnabled: (id: string) => id !== 'plaintext',
    exclude: ['**/secrets/**', '*.sql'],
    gitIgnored: () => false,
  };

  it('skips secret-like files, languages with completions off and excluded globs', () => {
    const chunks = selectContextChunks(allowedContext(open, policy), 'src/main.ts', 'typescript', {
      maxChunks: 10,
      maxCharsPerChunk: 1500,
    });
    assert.deepEqual(
      chunks.map((c) => c.filePath),
      ['src/util.ts'],
    );
  });

  it('skips files git ignores, or not yet known not to be, on disk; a document not on disk is not asked about', () => {
    const onDisk = (p: string) => ({ ...file(p), diskPath: `/w/${p}` });
    const candidates = [onDisk('src/util.ts'), onDisk('dist/util.js'), onDisk('src/pending.ts'), file('Untitled-1')];
    const asked: string[] = [];
    const gitIgnored = (p: string) => (asked.push(p), p !== '/w/src/util.ts');
    const allowed = allowedContext(candidates, { ...policy, gitIgnored });
    assert.deepEqual(
      allowed.map((c) => c.filePath),
      ['src/util.ts', 'Untitled-1'],
    );
    assert.deepEqual(asked, ['/w/src/util.ts', '/w/dist/util.js', '/w/src/pending.ts']);
  });

  it('names secret-like files by convention', () => {
    for (const p of [
      '.env',
      '.env.local',
      'a/b/.ENV.test',
      'prod.env',
      'tls.key',
      'cert.pem',
      'id_ed25519',
      'id_rsa.pub',
      '.git-credentials',
      'credentials.json',
      'secrets.yaml',
      'store.p12',
    ])
      assert.ok(isSecretLike(p), p);
    for (const p of ['environment.ts', 'keyboard.ts', 'src/env.d.ts', 'README.md', 'key.ts'])
      assert.ok(!isSecretLike(p), p);
  });

  it('reads globs as Copilot / .gitignore do', () => {
    assert.ok(globToRegExp('**/secrets/**').test('a/secrets/b/c.ts'));
    assert.ok(globToRegExp('**/secrets/**').test('secrets/c.ts'));
    assert.ok(!globToRegExp('src/*.ts').test('src/a/b.ts'));
    assert.ok(globToRegExp('src/**/*.{ts,js}').test('src/a/b.js'));
    assert.ok(globToRegExp('file?.txt').test('file1.txt'));
    assert.ok(!globToRegExp('a.b').test('axb'));
  });
});
