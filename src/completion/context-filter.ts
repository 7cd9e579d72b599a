// Which open files may lend context chunks to a completion: only files the user would send. With a remote backend a
// chunk leaves the machine, so, as Copilot's content exclusion does: a file whose language has completions switched
// off lends nothing, secrets-like files (`.env*`, keys, credentials) never do, nor files git ignores, and
// `switchyard.completion.contextExclude` globs exclude more. No VS Code API, so the rule is unit-tested in Node.
import type { CandidateFile } from './context';

/** File names that hold secrets by convention; matched against the base name, case-insensitively. */
const SECRET_NAMES = [
  /^\.env(\..*)?$/,
  /\.env$/,
  /\.(pem|key|p12|pfx|jks|keystore|kdbx|ppk|asc|gpg)$/,
  /^id_(rsa|dsa|ecdsa|ed25519)(\..*)?$/,
  /^\.?(netrc|npmrc|pypirc|pgpass|git-credentials|htpasswd)$/,
  /^credentials(\..*)?$/,
  /^secrets?\.(json|ya?ml|toml|ini|txt)$/,
  /^\.dockercfg$/,
];

export function isSecretLike(filePath: string): boolean {
  const base = filePath.split(/[\\/]/).pop()!.toLowerCase();
  return SECRET_NAMES.some((re) => re.test(base));
}

/** A glob (`**`, `*`, `?`, `{a,b}`, `[abc]`) as a regular expression over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map((p) => globToRegExp(p).source.slice(1, -1))
          .join('|')})`;
        i = end;
      }
    } else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += /[.+^$()|\\]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${re}$`);
}

export interface ContextPolicy {
  /** completions switched on for this language (`switchyard.completion.languages`) */
  languageEnabled: (languageId: string) => boolean;
  /** globs over workspace-relative paths (`switchyard.completion.contextExclude`) */
  exclude: string[];
  /** git ignores the file on disk, or that is not known yet (src/completion/git-ignore.ts) */
  gitIgnored: (diskPath: string) => boolean;
}

/** The candidates that may lend a chunk. A glob without a `/` matches the base name anywhere, as in .gitignore. */
export function allowedContext(candidates: CandidateFile[], policy: ContextPolicy): CandidateFile[] {
  const globs = policy.exclude
    .filter((g) => g.trim())
    .map((g) => ({ re: globToRegExp(g.trim().replace(/^\.\//, '')), base: !g.includes('/') }));
  return candidates.filter((c) => {
    if (!policy.languageEnabled(c.languageId) || isSecretLike(c.filePath)) return false;
    if (c.diskPath !== undefined && policy.gitIgnored(c.diskPath)) return false;
    const path = c.filePath.replace(/\\/g, '/');
    const base = path.split('/').pop()!;
    return !globs.some((g) => g.re.test(path) || (g.base && g.re.test(base)));
  });
}
