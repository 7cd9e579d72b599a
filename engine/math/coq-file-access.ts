// Vernacular that reaches outside the folder coqc runs in. coqc runs on a copy of the file in a fresh private temp
// folder (its cwd), so a plain relative name lands there; an absolute path, a `..` or a `~` reaches outside it, and
// `Cd` / `Drop` leave it (or coqc) altogether, so such a file is refused before coqc runs, naming the command and line.
import { maskCoqComments } from './prover-assumptions';

/** commands that take a path (refused when it reaches outside) */
const PATH_COMMANDS = String.raw`Redirect|Set\s+Extraction\s+Output\s+Directory|Recursive\s+Extraction\s+Library|Separate\s+Extraction|Extraction(?:\s+Library)?|Load(?:\s+Verbose)?|Add\s+(?:Rec\s+)?LoadPath|Add\s+ML\s+Path|Declare\s+ML\s+Module`;
/** commands refused whatever follows them */
const ALWAYS = String.raw`Cd|Drop`;
const FILE_COMMANDS = new RegExp(
  String.raw`(?<![\w.'])(?:(${ALWAYS})|(${PATH_COMMANDS}))(?![\w'])\s*(?:"((?:[^"]|"")*)")?`,
  'g',
);

export interface RefusedFileAccess {
  command: string;
  path: string;
  /** 1-based */
  line: number;
  /** UTF-16 offset of the command in the text */
  offset: number;
}

function reachesOutside(path: string): boolean {
  return (
    path.startsWith('/') ||
    path.startsWith('~') ||
    path.startsWith('\\') ||
    /^[A-Za-z]:/.test(path) ||
    /(^|[\\/])\.\.([\\/]|$)/.test(path)
  );
}

/** The first command that reaches outside the temp folder, or undefined. */
export function findOutsideFileAccess(text: string): RefusedFileAccess | undefined {
  const masked = maskCoqComments(text);
  for (const m of masked.matchAll(FILE_COMMANDS)) {
    const command = (m[1] ?? m[2]!).replace(/\s+/g, ' ');
    const path = m[3]?.replace(/""/g, '"') ?? '';
    if (m[1] || (m[3] !== undefined && reachesOutside(path))) {
      return { command, path, line: masked.slice(0, m.index!).split('\n').length, offset: m.index! };
    }
  }
  return undefined;
}
