// Next-token choice: greedy (temperature 0) or seeded temperature sampling with top-k and top-p (nucleus) filters.

/** Small seeded PRNG (mulberry32): the same seed gives the same continuation. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

export interface SamplerOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
}

export class Sampler {
  private readonly random: () => number;

  constructor(private readonly opts: SamplerOptions) {
    this.random = seededRandom(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  get greedy(): boolean {
    return !this.opts.temperature || this.opts.temperature <= 0;
  }

  sample(logits: Float32Array): number {
    if (this.greedy) return argmax(logits);
    const temperature = this.opts.temperature as number;
    // candidates sorted by logit; top-k cuts the list, then softmax, then top-p keeps the smallest nucleus
    let order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
    const topK = this.opts.topK ?? 0;
    if (topK > 0 && topK < order.length) order = order.slice(0, topK);
    const max = logits[order[0]];
    const probs = order.map((i) => Math.exp((logits[i] - max) / temperature));
    const total = probs.reduce((a, b) => a + b, 0);
    for (let j = 0; j < probs.length; j++) probs[j] /= total;
    let n = probs.length;
    const topP = this.opts.topP ?? 1;
    if (topP > 0 && topP < 1) {
      let acc = 0;
      for (n = 0; n < probs.length; ) {
        acc += probs[n++];
        if (acc >= topP) break;
      }
    }
    const mass = probs.slice(0, n).reduce((a, b) => a + b, 0);
    let u = this.random() * mass;
    for (let j = 0; j < n; j++) {
      u -= probs[j];
      if (u <= 0) return order[j];
    }
    return order[n - 1];
  }
}
