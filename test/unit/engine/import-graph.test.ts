// The folders of engine/ depend on each other in one direction: a cycle between two folders (engine/remote and
// engine/service once had one) means neither can be read, tested or loaded without the other. The imports are read
// from the source text, so this needs no build.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ENGINE = resolve(__dirname, '..', '..', '..', 'engine');

/** `import … from '…'`, `export … from '…'`, `import '…'`, `import('…')` and `require('…')` of relative paths. */
const IMPORT =
  /(?:^|[;\n])\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"](\.[^'"]*)['"]|\bimport\s*['"](\.[^'"]*)['"]|\b(?:import|require)\s*\(\s*['"](\.[^'"]*)['"]\s*\)/g;

interface Import {
  target: string;
  /** `import type`, or every imported name marked `type`: erased when compiled, so no load-order dependency */
  typeOnly: boolean;
}

function importsOf(source: string): Import[] {
  const found: Import[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const target = m[4] ?? m[5] ?? m[6];
    const names = /^\{([^}]*)\}$/
      .exec((m[3] ?? '').trim())?.[1]
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const typeOnly =
      m[2] !== undefined || (names !== undefined && names.length > 0 && names.every((n) => n.startsWith('type ')));
    found.push({ target, typeOnly });
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level folder of engine/ a path is in, or the file itself for engine/protocol.ts and its siblings. */
function unitOf(path: string): string | undefined {
  const rel = relative(ENGINE, path);
  if (rel.startsWith('..')) return undefined;
  const [first, ...rest] = rel.split(sep);
  return rest.length > 0 || first.endsWith('.ts') ? first : `${first}.ts`;
}

/** Edges between top-level units of engine/, each with the file and import that makes it. */
function folderGraph(opts: { withTypes: boolean }): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(ENGINE)) {
    const from = unitOf(file)!;
    for (const { target, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
      if (typeOnly && !opts.withTypes) continue;
      const to = unitOf(resolve(dirname(file), target));
      if (to === undefined || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${relative(ENGINE, file)} imports '${target}'`);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** A cycle as the list of its edges' reasons, or undefined. */
function findCycle(graph: Map<string, Map<string, string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    for (const [next, why] of graph.get(node) ?? []) {
      path.push(`${node} -> ${next} (${why})`);
      if (state.get(next) === 'open') return path.slice(path.findIndex((step) => step.startsWith(`${next} -> `)));
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
      path.pop();
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.get(node) === undefined) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

describe('engine/ import graph', () => {
  it('reads the import forms the engine uses, telling type-only imports apart', () => {
    const source = [
      "import { a, type B } from './value';",
      "import type { C } from '../types';",
      "import {\n  type D,\n  type E,\n} from './inline-types';",
      "export { f } from './reexport';",
      "import 'node:fs';",
      "const lazy = () => import('./lazy');",
    ].join('\n');
    assert.deepEqual(importsOf(source), [
      { target: './value', typeOnly: false },
      { target: '../types', typeOnly: true },
      { target: './inline-types', typeOnly: true },
      { target: './reexport', typeOnly: false },
      { target: './lazy', typeOnly: false },
    ]);
  });

  it('finds a cycle in a made-up graph and names its edges, and none in a chain', () => {
    const graph = (edges: [string, string][]) => {
      const g = new Map<string, Map<string, string>>();
      for (const [a, b] of edges) g.set(a, (g.get(a) ?? new Map<string, string>()).set(b, `${a}.ts`));
      return g;
    };
    assert.deepEqual(
      findCycle(
        graph([
          ['x', 'y'],
          ['y', 'z'],
          ['z', 'y'],
        ]),
      ),
      ['y -> z (y.ts)', 'z -> y (z.ts)'],
    );
    assert.equal(
      findCycle(
        graph([
          ['x', 'y'],
          ['y', 'z'],
          ['x', 'z'],
        ]),
      ),
      undefined,
    );
  });

  it('has no cycle between its folders (imports that load code)', () => {
    const cycle = findCycle(folderGraph({ withTypes: false }));
    assert.equal(cycle, undefined, `import cycle:\n  ${cycle?.join('\n  ')}`);
  });

  it('service/ never imports openai/, not even a type: the server and the remote backend sit on top of it', () => {
    const service = folderGraph({ withTypes: true }).get('service');
    assert.equal(service?.get('openai'), undefined, service?.get('openai'));
    assert.ok(
      folderGraph({ withTypes: false }).get('openai')?.has('service'),
      'openai/ uses service/ (the graph is read)',
    );
  });
});
