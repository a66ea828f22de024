/**
 * A counter keyed by 64-bit hashes, on typed arrays: a million keys cost
 * about 24 MB instead of the ~100 MB a Map of strings would, which keeps a
 * million-row run inside its memory bound.
 */
export class HashCounter {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private counts: Uint32Array;
  private used = 0;

  constructor(initialCapacity = 1 << 12) {
    let cap = 16;
    while (cap < initialCapacity) cap <<= 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.counts = new Uint32Array(cap);
  }

  get size(): number {
    return this.used;
  }

  /** Return how many times the key was seen before, and count this time. */
  next(hi: number, lo: number): number {
    if ((this.used + 1) * 2 > this.counts.length) this.grow();
    const slot = this.find(hi >>> 0, lo >>> 0);
    const before = this.counts[slot]!;
    if (before === 0) {
      this.hi[slot] = hi >>> 0;
      this.lo[slot] = lo >>> 0;
      this.used++;
    }
    this.counts[slot] = before + 1;
    return before;
  }

  /** How many times the key was counted. */
  get(hi: number, lo: number): number {
    return this.counts[this.find(hi >>> 0, lo >>> 0)]!;
  }

  private find(hi: number, lo: number): number {
    const mask = this.counts.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.counts[i] !== 0 && (this.hi[i] !== hi || this.lo[i] !== lo)) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const { hi, lo, counts } = this;
    this.hi = new Uint32Array(counts.length * 2);
    this.lo = new Uint32Array(counts.length * 2);
    this.counts = new Uint32Array(counts.length * 2);
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] !== 0) {
        const slot = this.find(hi[i]!, lo[i]!);
        this.hi[slot] = hi[i]!;
        this.lo[slot] = lo[i]!;
        this.counts[slot] = counts[i]!;
      }
    }
  }
}
