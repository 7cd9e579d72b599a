// Exact rational sample points for randomized identity testing (Schwartz–Zippel: a non-zero rational function
// vanishes at few random points). Positive points come first (the usual implicit domain), then mixed signs;
// stated assumptions (`x > 1`, `n \in \mathbb{N}`) bound every variable they name.
import Fraction from 'fraction.js';
import type { Env, Value } from './values';
import { seededRandom } from '../runtime/sampling';

export interface Bounds {
  lower?: { value: Fraction; strict: boolean };
  upper?: { value: Fraction; strict: boolean };
  excluded: Fraction[];
  integer: boolean;
  /** stated by the author (an assumption), so values outside the domain of a side are errors, not skips */
  explicit: boolean;
}

export const freshBounds = (): Bounds => ({ excluded: [], integer: false, explicit: false });

const NICE_POSITIVE = ['3/2', '2', '5/3', '3', '7/4', '1/2', '11/5', '4', '2/3', '13/4', '5', '3/7'];

function positiveRational(next: () => number, k: number): Fraction {
  if (k < NICE_POSITIVE.length && next() < 0.6)
    return new Fraction(NICE_POSITIVE[(k * 7 + Math.floor(next() * 5)) % NICE_POSITIVE.length]!);
  const q = 1 + Math.floor(next() * 9);
  const p = 1 + Math.floor(next() * 40);
  return new Fraction(p, q);
}

function sampleOne(b: Bounds, next: () => number, k: number, mixedSign: boolean): Fraction | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    let v: Fraction;
    if (b.integer) {
      const lo = b.lower
        ? b.lower.value.ceil().add(b.lower.strict && b.lower.value.d === 1n ? 1 : 0)
        : new Fraction(mixedSign ? 0 : 1);
      const hi = b.upper ? b.upper.value.floor().sub(b.upper.strict && b.upper.value.d === 1n ? 1 : 0) : lo.add(11);
      if (hi.compare(lo) < 0) return undefined;
      const span = Number(hi.sub(lo).valueOf());
      v = lo.add(Math.floor(next() * (span + 1)));
    } else {
      const p = positiveRational(next, k + attempt);
      if (b.lower && b.upper) {
        const width = b.upper.value.sub(b.lower.value);
        if (width.compare(0) <= 0) return undefined;
        const t = new Fraction(1 + Math.floor(next() * 15), 17);
        v = b.lower.value.add(width.mul(t));
      } else if (b.lower) v = b.lower.value.add(p);
      else if (b.upper) v = b.upper.value.sub(p);
      else v = mixedSign && next() < 0.5 ? p.neg() : p;
    }
    if (b.excluded.some((e) => e.equals(v))) continue;
    if (b.lower && (b.lower.strict ? v.compare(b.lower.value) <= 0 : v.compare(b.lower.value) < 0)) continue;
    if (b.upper && (b.upper.strict ? v.compare(b.upper.value) >= 0 : v.compare(b.upper.value) > 0)) continue;
    return v;
  }
  return undefined;
}

/** `count` points over `vars`; the first half positive, the rest with mixed signs (where the bounds allow). */
export function samplePoints(
  vars: string[],
  bounds: ReadonlyMap<string, Bounds>,
  count: number,
  seed = 20240601,
): Env[] {
  // seeded: the same document always gets the same points and counterexamples
  const next = seededRandom(seed + vars.join(',').length * 7919);
  const points: Env[] = [];
  for (let k = 0; k < count; k++) {
    const env = new Map<string, Value>();
    let ok = true;
    for (const v of vars) {
      const value = sampleOne(bounds.get(v) ?? freshBounds(), next, k, k >= count / 2);
      if (!value) {
        ok = false;
        break;
      }
      env.set(v, { exact: value });
    }
    if (ok) points.push(env);
  }
  return points;
}
