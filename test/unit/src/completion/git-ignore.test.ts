import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitCliCheck, IgnoredFiles, repositoryRoot, type IgnoreCheck } from '../../../../src/completion/git-ignore';

/** A real git repository in a temporary folder, with these files (path → text). */
function gitRepo(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-git-ignore-'));
  execFileSync('git', ['init', '-q'], { cwd: root });
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  return root;
}

describe('git-ignored files lend no context chunk', () => {
  const roots: string[] = [];
  const repo = (files: Record<string, string>) => {
    const root = gitRepo(files);
    roots.push(root);
    return root;
  };
  after(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  describe('git check-ignore in a child process', () => {
    it('names the ignored files of a real repository, not tracked ones, nor those outside any repository', async () => {
      const root = repo({
        '.gitignore': 'dist/\n*.log\nlocal settings.ts\n',
        'src/a.ts': 'a',
        'dist/out.js': 'o',
        'debug.log': 'l',
        'forced.log': 'f',
        'local settings.ts': 's',
        'dönüş.log': 'u',
      });
      execFileSync('git', ['add', '-f', 'forced.log'], { cwd: root });
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-no-repo-'));
      roots.push(outside);
      fs.writeFileSync(path.join(outside, 'x.log'), 'x');
      const abs = (p: string) => path.join(root, p);
      const ignored = await gitCliCheck(5000)([
        ...['src/a.ts', 'dist/out.js', 'debug.log', 'forced.log', 'local settings.ts', 'dönüş.log'].map(abs),
        path.join(outside, 'x.log'),
      ]);
      assert.deepEqual(
        [...ignored].sort(),
        ['debug.log', 'dist/out.js', 'dönüş.log', 'local settings.ts'].map(abs).sort(),
      );
      assert.equal(await repositoryRoot(abs('src/a.ts')), root);
      assert.equal(await repositoryRoot(path.join(outside, 'x.log')), undefined);
    });

    it('gives no answer when git is missing or slower than the timeout', async () => {
      const root = repo({ '.gitignore': '*.log\n', 'a.log': 'a' });
      await assert.rejects(gitCliCheck(5000, path.join(root, 'no-such-git'))([path.join(root, 'a.log')]));
      const slowGit = path.join(root, 'slow-git.sh');
      fs.writeFileSync(slowGit, '#!/bin/sh\nexec sleep 5\n', { mode: 0o755 });
      const t0 = Date.now();
      await assert.rejects(gitCliCheck(200, slowGit)([path.join(root, 'a.log')]));
      assert.ok(Date.now() - t0 < 3000, 'killed after the timeout');
    });
  });

  describe('the per-file cache', () => {
    /** A check that answers from `ignoredNow` and counts its calls. */
    const counting = (ignoredNow: Set<string>) => {
      const calls: string[][] = [];
      const check: IgnoreCheck = async (paths) => (calls.push(paths), new Set(paths.filter((p) => ignoredNow.has(p))));
      return { calls, check };
    };

    it('leaves a file out until its check answered (fail closed), then answers from the cache, one check for a batch', async () => {
      const { calls, check } = counting(new Set(['/r/dist/out.js']));
      const files = new IgnoredFiles(check, { ttlMs: 60_000 });
      assert.equal(files.isIgnored('/r/a.ts'), true, 'not checked yet');
      assert.equal(files.isIgnored('/r/dist/out.js'), true);
      await files.settled();
      assert.equal(files.isIgnored('/r/a.ts'), false);
      assert.equal(files.isIgnored('/r/dist/out.js'), true);
      assert.deepEqual(calls, [['/r/a.ts', '/r/dist/out.js']]);
    });

    it('leaves the files out when the check fails, and says so', async () => {
      const errors: unknown[] = [];
      const files = new IgnoredFiles(async () => Promise.reject(new Error('git timed out')), {
        ttlMs: 60_000,
        onError: (e) => errors.push(e),
      });
      files.prefetch(['/r/a.ts']);
      await files.settled();
      assert.equal(files.isIgnored('/r/a.ts'), true);
      assert.equal(errors.length, 1);
    });

    it('rechecks an aging answer in the background and leaves the file out once the answer expired', async () => {
      let now = 0;
      const ignoredNow = new Set<string>();
      const { calls, check } = counting(ignoredNow);
      const files = new IgnoredFiles(check, { ttlMs: 1000, now: () => now });
      files.prefetch(['/r/a.ts']);
      await files.settled();
      now = 600;
      ignoredNow.add('/r/a.ts');
      assert.equal(files.isIgnored('/r/a.ts'), false, 'still trusted while it is rechecked');
      await files.settled();
      assert.equal(files.isIgnored('/r/a.ts'), true, 'the recheck answered');
      assert.equal(calls.length, 2);
      now = 5000;
      ignoredNow.delete('/r/a.ts');
      assert.equal(files.isIgnored('/r/a.ts'), true, 'expired: left out until rechecked');
      await files.settled();
      assert.equal(files.isIgnored('/r/a.ts'), false);
    });

    it('forgets its answers when told a .gitignore changed, and drops the answer of a check that was under way', async () => {
      const ignoredNow = new Set<string>();
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      let started = 0;
      const files = new IgnoredFiles(
        async (paths) => (started++, await gate, new Set(paths.filter((p) => ignoredNow.has(p)))),
        { ttlMs: 60_000 },
      );
      files.prefetch(['/r/a.ts']);
      while (!started) await new Promise((r) => setImmediate(r));
      files.invalidate();
      release();
      await files.settled();
      assert.equal(files.isIgnored('/r/a.ts'), true, 'the answer from before the change was dropped');
      await files.settled();
      assert.equal(files.isIgnored('/r/a.ts'), false);
      ignoredNow.add('/r/a.ts');
      files.invalidate();
      assert.equal(files.isIgnored('/r/a.ts'), true);
      await files.settled();
      assert.equal(files.isIgnored('/r/a.ts'), true);
    });

    it('with real git: a file ignored by a new .gitignore line is left out once the cache is invalidated', async () => {
      const root = repo({ 'src/a.ts': 'a', 'notes.md': 'n' });
      const files = new IgnoredFiles(gitCliCheck(5000), { ttlMs: 60_000 });
      const notes = path.join(root, 'notes.md');
      files.prefetch([notes]);
      await files.settled();
      assert.equal(files.isIgnored(notes), false);
      fs.writeFileSync(path.join(root, '.gitignore'), 'notes.md\n');
      files.invalidate();
      files.prefetch([notes]);
      await files.settled();
      assert.equal(files.isIgnored(notes), true);
    });
  });
});
