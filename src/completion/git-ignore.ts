// Which open files git ignores, so that they lend no context chunk (build output, vendored code, local config: files
// the user chose not to share). A completion never waits for git: the answers are cached per file and a file not yet
// checked, or whose check failed, counts as ignored (fail closed). No VS Code API, so it is unit-tested in Node; the
// VS Code git extension's checker is plugged in by src/completion/ignored-files.ts.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Answers which of these absolute paths git ignores (the subset); rejects when it cannot tell. */
export type IgnoreCheck = (fsPaths: string[]) => Promise<Set<string>>;

/** The working tree a path is in (the nearest folder above it holding `.git`), or undefined outside any repository. */
export async function repositoryRoot(fsPath: string): Promise<string | undefined> {
  for (let dir = path.dirname(fsPath); ; dir = path.dirname(dir)) {
    if (
      await fs.stat(path.join(dir, '.git')).then(
        () => true,
        () => false,
      )
    )
      return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * `git check-ignore` in a child process, one per repository, killed after `timeoutMs`. Tracked files are never
 * ignored (git's rule); a path outside any repository is not ignored.
 */
export function gitCliCheck(timeoutMs: number, git = 'git'): IgnoreCheck {
  return async (fsPaths) => {
    const byRoot = new Map<string, string[]>();
    for (const p of fsPaths) {
      const root = await repositoryRoot(p);
      if (root !== undefined) byRoot.set(root, [...(byRoot.get(root) ?? []), p]);
    }
    const ignored = new Set<string>();
    for (const [root, paths] of byRoot)
      for (const p of await checkIgnoreIn(root, paths, timeoutMs, git)) ignored.add(p);
    return ignored;
  };
}

function checkIgnoreIn(root: string, paths: string[], timeoutMs: number, git: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // relative to the work tree: an absolute path through a symbolic link would be "outside the repository" to git;
    // -z both ways: paths with spaces or non-ASCII characters come back as given, not quoted
    const child = execFile(
      git,
      ['check-ignore', '-z', '--stdin'],
      { cwd: root, timeout: timeoutMs, windowsHide: true },
      (err, stdout) => {
        // exit 1: none of them is ignored; anything else (fatal error, killed after the timeout, no git) is no answer
        if (err && (err as { code?: unknown }).code !== 1) return reject(err);
        const out = stdout.split('\0').filter(Boolean);
        resolve(out.map((p) => path.resolve(root, p)));
      },
    );
    child.stdin?.on('error', () => undefined); // git gone before reading: the exit callback reports it
    child.stdin?.end(paths.map((p) => path.relative(root, p)).join('\0'));
  });
}

export interface IgnoreCacheOptions {
  /** an answer is trusted this long; after half of it a use rechecks it in the background */
  ttlMs: number;
  now?: () => number;
  /** told when a check failed (the files it asked about stay left out until rechecked) */
  onError?: (err: unknown) => void;
}

/** Per-file cache of the check's answers; `isIgnored` never waits, it starts the checks it lacks. */
export class IgnoredFiles {
  private readonly entries = new Map<string, { ignored: boolean; at: number }>();
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private running: Promise<void> = Promise.resolve();
  /** bumped by `invalidate`: the answer of a check started before it is dropped */
  private generation = 0;
  private readonly now: () => number;

  constructor(
    private readonly check: IgnoreCheck,
    private readonly options: IgnoreCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** True when git ignores the file, or when that is not known yet (the check is started). */
  isIgnored(fsPath: string): boolean {
    const e = this.entries.get(fsPath);
    const age = e ? this.now() - e.at : Infinity;
    if (age >= this.options.ttlMs / 2) this.prefetch([fsPath]);
    return !e || age >= this.options.ttlMs || e.ignored;
  }

  /** Starts checks for these files (those opened, before a completion asks). */
  prefetch(fsPaths: readonly string[]): void {
    const fresh = fsPaths.filter((p) => !this.queued.has(p) && !this.inFlight.has(p));
    if (!fresh.length) return;
    const first = this.queued.size === 0;
    fresh.forEach((p) => this.queued.add(p));
    // one check for all the files asked about in this turn of the event loop
    if (first) this.running = this.running.then(() => new Promise((r) => setImmediate(r))).then(() => this.runQueued());
  }

  private async runQueued(): Promise<void> {
    const paths = [...this.queued];
    this.queued.clear();
    paths.forEach((p) => this.inFlight.add(p));
    const generation = this.generation;
    let ignored: Set<string> | undefined;
    try {
      ignored = await this.check(paths);
    } catch (err) {
      this.options.onError?.(err);
    }
    paths.forEach((p) => this.inFlight.delete(p));
    if (generation !== this.generation) return;
    const at = this.now();
    for (const p of paths) this.entries.set(p, { ignored: ignored ? ignored.has(p) : true, at });
    // expired answers are worth nothing: closed files do not pile up
    for (const [p, e] of this.entries) if (at - e.at >= this.options.ttlMs) this.entries.delete(p);
  }

  /** Forgets every answer (a .gitignore changed): files are left out again until rechecked. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  /** Resolves when the checks started so far have answered (for tests). */
  async settled(): Promise<void> {
    while (this.queued.size || this.inFlight.size) await this.running;
  }
}
