// Paired comparison of two routings on the same text: the per-token difference of -log2 p, so the noise of the text
// itself (hard and easy tokens) cancels and what remains is the effect of the routing.

export interface PairedDelta {
  /** bits per byte of `b` minus bits per byte of `a` */
  delta: number;
  /** standard error of that difference (per-token differences treated as independent) */
  stderr: number;
}

export function pairedDelta(a: Float64Array, b: Float64Array, bytes: number): PairedDelta {
  if (a.length !== b.length) throw new Error(`paired texts differ in length: ${a.length} vs ${b.length} tokens`);
  const n = a.length;
  if (n === 0 || bytes <= 0) return { delta: 0, stderr: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += b[i] - a[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (b[i] - a[i] - mean) ** 2;
  const variance = n > 1 ? ss / (n - 1) : 0;
  // bits per byte = sum / bytes, so its standard error is sqrt(n * var) / bytes
  return { delta: sum / bytes, stderr: Math.sqrt(n * variance) / bytes };
}

/** "No worse within noise": the loss is at most two standard errors of the paired difference. */
export function noWorse(d: PairedDelta): boolean {
  return d.delta <= 2 * d.stderr;
}
