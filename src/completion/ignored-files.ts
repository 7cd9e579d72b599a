// The git-ignored files cache (src/completion/git-ignore.ts) wired to VS Code: asks the built-in git extension when it is
// running (it already has the repositories open), `git check-ignore` otherwise, and forgets its answers when a
// .gitignore changes.
import * as vscode from 'vscode';
import { gitCliCheck, IgnoredFiles, type IgnoreCheck } from './git-ignore';

const CHECK_TIMEOUT_MS = 3000;
/** how long an answer is trusted: also covers what the watcher misses (.git/info/exclude, the global excludes file) */
const TTL_MS = 60_000;

/** The part of the git extension's API (extensions/git/src/api/git.d.ts) used here. */
interface GitApi {
  getRepository(uri: vscode.Uri): { checkIgnore(paths: string[]): Promise<Set<string>> } | null;
}

export function createIgnoredFiles(log: (line: string) => void): { files: IgnoredFiles; watcher: vscode.Disposable } {
  let lastError = '';
  const files = new IgnoredFiles(viaGitExtension(gitCliCheck(CHECK_TIMEOUT_MS)), {
    ttlMs: TTL_MS,
    onError: (err) => {
      const msg = err instanceof Error ? err.message : String(err);
      if (msg !== lastError)
        log(`context chunks: git could not say which files it ignores, open files lend none until it can: ${msg}`);
      lastError = msg;
    },
  });
  const watcher = vscode.workspace.createFileSystemWatcher('**/.gitignore');
  const invalidate = () => files.invalidate();
  const subs = [
    watcher,
    watcher.onDidCreate(invalidate),
    watcher.onDidChange(invalidate),
    watcher.onDidDelete(invalidate),
  ];
  return { files, watcher: vscode.Disposable.from(...subs) };
}

/** The git extension's answer for files in the repositories it has open; the fallback for the others. */
function viaGitExtension(fallback: IgnoreCheck): IgnoreCheck {
  return async (fsPaths) => {
    const api = gitApi();
    if (!api) return fallback(fsPaths);
    const byRepo = new Map<ReturnType<GitApi['getRepository']>, string[]>();
    for (const p of fsPaths) {
      const repo = api.getRepository(vscode.Uri.file(p));
      byRepo.set(repo, [...(byRepo.get(repo) ?? []), p]);
    }
    const answers = await Promise.all(
      [...byRepo].map(([repo, paths]) =>
        repo ? withTimeout(repo.checkIgnore(paths), CHECK_TIMEOUT_MS) : fallback(paths),
      ),
    );
    return new Set(answers.flatMap((s) => [...s]));
  };
}

/** The running git extension's API; it is not activated here (that would cost the completion its time). */
function gitApi(): GitApi | undefined {
  const ext = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>('vscode.git');
  try {
    return ext?.isActive ? ext.exports.getAPI(1) : undefined;
  } catch {
    return undefined; // the extension is disabled by `git.enabled: false`
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  );
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
