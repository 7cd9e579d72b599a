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
    const V = logits.length;
    const topK = this.opts.topK ?? 0;
    const topP = this.opts.topP ?? 1;
    let candidates: number[];
    if (topK > 0 && topK < V) candidates = largest(logits, topK);
    else if (topP > 0 && topP < 1) {
      // the nucleus lies among the likeliest tokens: sort only those within ~18 nats of the best, unless they hold
      // less than topP of the mass (a flat distribution), then everything
      const max = logits[argmax(logits)];
      const floor = max - 18 * temperature;
      candidates = [];
      for (let i = 0; i < V; i++) if (logits[i] >= floor) candidates.push(i);
    } else return this.sampleAll(logits, temperature);
    candidates.sort((a, b) => logits[b] - logits[a] || a - b);
    const max = logits[candidates[0]];
    let probs = candidates.map((i) => Math.exp((logits[i] - max) / temperature));
    let total = 0;
    if (topP > 0 && topP < 1 && !(topK > 0 && topK < V)) {
      for (let i = 0; i < V; i++) total += Math.exp((logits[i] - max) / temperature);
      const kept = probs.reduce((a, b) => a + b, 0);
      if (kept < topP * total) {
        candidates = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
        probs = candidates.map((i) => Math.exp((logits[i] - max) / temperature));
      }
    } else total = probs.reduce((a, b) => a + b, 0);
    // top-p: the smallest prefix of the sorted candidates holding topP of the probability mass
    let n = probs.length;
    if (topP > 0 && topP < 1) {
      const mass = topK > 0 && topK < V ? probs.reduce((a, b) => a + b, 0) : total;
      let acc = 0;
      for (n = 0; n < probs.length;) {
        acc += probs[n++];
        if (acc >= topP * mass) break;
      }
    }
    let u = this.random() * probs.slice(0, n).reduce((a, b) => a + b, 0);
    for (let j = 0; j < n; j++) {
      u -= probs[j];
      if (u <= 0) return candidates[j];
    }
    return candidates[n - 1];
  }

  /** softmax(logits / T) over the whole vocabulary, without sorting. */
  private sampleAll(logits: Float32Array, temperature: number): number {
    const max = logits[argmax(logits)];
    const w = new Float64Array(logits.length);
    let total = 0;
    for (let i = 0; i < logits.length; i++) total += w[i] = Math.exp((logits[i] - max) / temperature);
    let u = this.random() * total;
    for (let i = 0; i < w.length; i++) {
      u -= w[i];
      if (u <= 0) return i;
    }
    return argmax(logits);
  }
}

/** Indices of the k largest logits (any order), in O(V log k) with a small min-heap. */
function largest(logits: Float32Array, k: number): number[] {
  const heap: number[] = [];
  const less = (a: number, b: number) => logits[a] < logits[b] || (logits[a] === logits[b] && a > b);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < logits.length; i++) {
    if (heap.length < k) {
      heap.push(i);
      for (let c = heap.length - 1; c > 0;) {
        const p = (c - 1) >> 1;
        if (!less(heap[c], heap[p])) break;
        [heap[c], heap[p]] = [heap[p], heap[c]];
        c = p;
      }
    } else if (less(heap[0], i)) {
      heap[0] = i;
      down(0);
    }
  }
  return heap;
}
