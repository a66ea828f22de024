/**
 * Open addressing over 64-bit key hashes on typed arrays: the bucket of a key,
 * growing (and moving the caller's values along) when half full. The base of
 * the occurrence counter and the journal index, which keep their values in
 * typed arrays of their own so a million keys cost tens of megabytes, not the
 * hundreds a Map of strings would.
 * Kept by hand: no well-kept npm package offers a hash set over typed arrays
 * with caller-owned value arrays.
 */
export abstract class HashBuckets {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private used: Uint8Array;
  private count = 0;

  constructor(initialCapacity: number) {
    let cap = 16;
    while (cap < initialCapacity) cap <<= 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.used = new Uint8Array(cap);
  }

  get size(): number {
    return this.count;
  }

  protected get capacity(): number {
    return this.used.length;
  }

  /** The bucket of a key, or -1 when it is absent. */
  protected bucketOf(hi: number, lo: number): number {
    const i = this.probe(hi >>> 0, lo >>> 0);
    return this.used[i] ? i : -1;
  }

  /** The bucket of a key, claimed for it when absent (`isNew` tells). */
  protected claim(hi: number, lo: number): { bucket: number; isNew: boolean } {
    if ((this.count + 1) * 2 > this.used.length) this.grow();
    const h = hi >>> 0;
    const l = lo >>> 0;
    const i = this.probe(h, l);
    if (this.used[i]) return { bucket: i, isNew: false };
    this.used[i] = 1;
    this.hi[i] = h;
    this.lo[i] = l;
    this.count++;
    return { bucket: i, isNew: true };
  }

  /** Allocate value arrays of `capacity` buckets; return how to move a value from an old bucket to a new one. */
  protected abstract resize(capacity: number): (from: number, to: number) => void;

  private probe(hi: number, lo: number): number {
    const mask = this.used.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.used[i] && (this.hi[i] !== hi || this.lo[i] !== lo)) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const { hi, lo, used } = this;
    const cap = used.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.used = new Uint8Array(cap);
    const move = this.resize(cap);
    for (let j = 0; j < used.length; j++) {
      if (!used[j]) continue;
      const i = this.probe(hi[j]!, lo[j]!);
      this.used[i] = 1;
      this.hi[i] = hi[j]!;
      this.lo[i] = lo[j]!;
      move(j, i);
    }
  }
}
