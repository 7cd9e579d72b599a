// Seeded fuzzing for the tests: a small PRNG (mulberry32) so a failure reproduces from its seed, and mutations of
// JSON documents and bytes of the kinds a damaged or crafted file has. SWITCHYARD_FUZZ_SEED=N replays one run.

import { seededRandom } from '../../engine/runtime/sampling';

export class Rng {
  /** [0, 1), the runtime's seeded generator */
  readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** The seed for this run: SWITCHYARD_FUZZ_SEED, or a fresh one (printed by the test when it fails). */
export function fuzzSeed(): number {
  const fixed = process.env.SWITCHYARD_FUZZ_SEED;
  return fixed !== undefined ? Number(fixed) >>> 0 : (Date.now() ^ (Math.random() * 2 ** 32)) >>> 0;
}

const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  1e308,
  -1e308,
  0.5,
  -0.5,
  5e7,
  1e12,
  '',
  'x',
  '0',
  '-1',
  '../x',
  '/etc/passwd',
  '\u0000',
  'é'.repeat(300),
  [],
  [0],
  [-1, 2 ** 62],
  {},
  { a: 1 },
  [[[[[[]]]]]],
];

/** A random value of an odd kind: a number at an edge, a string where a number was, a list, an object. */
export function oddValue(rng: Rng): unknown {
  if (rng.next() < 0.2) return rng.int(2 ** 20) - 2 ** 19;
  if (rng.next() < 0.1) return 'a'.repeat(rng.int(100_000));
  return structuredClone(rng.pick(ODD_VALUES));
}

/** One structural change somewhere in the document: a value replaced, a key deleted or added, a list shortened. */
export function mutateJson(doc: unknown, rng: Rng, changes = 1 + rng.int(3)): unknown {
  const root = structuredClone(doc);
  for (let c = 0; c < changes; c++) {
    // walk down a random path, then change what is there
    let parent: unknown = root;
    for (let depth = 0; depth < 6; depth++) {
      const entries = containerKeys(parent);
      if (entries.length === 0) break;
      const key = rng.pick(entries);
      const child = (parent as Record<string, unknown>)[key];
      if (containerKeys(child).length === 0 || rng.next() < 0.3) {
        changeAt(parent as Record<string, unknown>, key, rng);
        break;
      }
      parent = child;
    }
  }
  return root;
}

function containerKeys(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((_, i) => String(i));
  if (v && typeof v === 'object') return Object.keys(v);
  return [];
}

function changeAt(parent: Record<string, unknown>, key: string, rng: Rng): void {
  const r = rng.next();
  if (r < 0.6) parent[key] = oddValue(rng);
  else if (r < 0.8 && !Array.isArray(parent)) delete parent[key];
  else if (Array.isArray(parent)) (parent as unknown[]).length = rng.int(parent.length + 1);
  else parent[`${key}_${rng.int(10)}`] = oddValue(rng);
}

/** Byte damage: flips, a truncation, or bytes inserted. */
export function mutateBytes(bytes: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(bytes);
  const r = rng.next();
  if (r < 0.4) {
    for (let i = 0, n = 1 + rng.int(8); i < n; i++) out[rng.int(out.length)] = rng.int(256);
    return out;
  }
  if (r < 0.7) return out.subarray(0, rng.int(out.length));
  const at = rng.int(out.length);
  return Buffer.concat([
    out.subarray(0, at),
    Buffer.from(Array.from({ length: 1 + rng.int(16) }, () => rng.int(256))),
    out.subarray(at),
  ]);
}
