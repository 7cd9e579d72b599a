// The MLA latent cache, owned by JS: per layer one growing float32 buffer of [positions, kv_lora_rank + qk_rope_head_dim].
// Graphs read a zero-copy view of the filled part and return only the new rows, which are appended here.

export class LatentCache {
  private buffers: Float32Array[];
  private capacity: number;
  /** tokens cached so far (the next position) */
  length = 0;
  /** token ids whose entries are cached, for prefix reuse */
  tokens: number[] = [];

  constructor(
    readonly layers: number,
    readonly width: number,
    initialCapacity = 64,
  ) {
    this.capacity = initialCapacity;
    this.buffers = Array.from({ length: layers }, () => new Float32Array(initialCapacity * width));
  }

  /** The cached rows of a layer: [length, width], no copy. */
  view(layer: number): Float32Array {
    return this.buffers[layer].subarray(0, this.length * this.width);
  }

  /** Makes room for `extra` more positions. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.capacity) return;
    let cap = this.capacity;
    while (cap < need) cap *= 2;
    this.buffers = this.buffers.map((b) => {
      const nb = new Float32Array(cap * this.width);
      nb.set(b.subarray(0, this.length * this.width));
      return nb;
    });
    this.capacity = cap;
  }

  /** Writes a layer's new rows at the current end (call for every layer, then `commit`). */
  write(layer: number, rows: Float32Array): void {
    this.buffers[layer].set(rows, this.length * this.width);
  }

  commit(tokens: number[]): void {
    this.length += tokens.length;
    this.tokens.push(...tokens);
  }

  /** Forgets everything after the first `n` positions. */
  truncate(n: number): void {
    this.length = Math.min(this.length, n);
    this.tokens.length = this.length;
  }

  /** Bytes the cache stores per token over all layers. */
  bytesPerToken(): number {
    return this.layers * this.width * 4;
  }
}
