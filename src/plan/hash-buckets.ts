/**
 * Open addressing over 64-bit key hashes on typed arrays: the bucket of a key,
 * growing (and moving the caller's values along) when 80% full. The base of
 * the occurrence counter and of the set of keys a run has claimed, which keep
 * their values in typed arrays of their own so a million keys cost 10-15 MB,
 * not the hundreds a Map of strings would.
 * Kept by hand: no well-kept npm package offers a hash set over typed arrays
 * with caller-owned value arrays.
 *
 * A bucket is empty when both halves of its key are 0; the key (0, 0) itself
 * lives in a bucket of its own past the table ({@link capacity}), so every
 * 64-bit key is kept exactly. The table has any size (buckets by remainder,
 * not by mask), so a table sized for a known number of keys is not rounded up
 * to a power of two.
 */
const MAX_LOAD = 0.8;
const MIN_CAPACITY = 16;

/** Buckets for `keys` keys without growing. */
export function capacityFor(keys: number): number {
  if (!(keys > 0)) return MIN_CAPACITY; // none expected, or not a number: start small and grow
  return Math.max(MIN_CAPACITY, Math.ceil(keys / MAX_LOAD) + 1);
}

export abstract class HashBuckets {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private count = 0;
  private hasZero = false;

  /** Room for `expectedKeys` keys before the first growth. */
  constructor(expectedKeys: number) {
    const cap = capacityFor(expectedKeys);
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
  }

  get size(): number {
    return this.count;
  }

  /** Buckets in the table; value arrays need one more, for the key (0, 0). */
  protected get capacity(): number {
    return this.hi.length;
  }

  /** The bucket of a key, or -1 when it is absent. */
  protected bucketOf(hi: number, lo: number): number {
    const h = hi >>> 0;
    const l = lo >>> 0;
    if (h === 0 && l === 0) return this.hasZero ? this.hi.length : -1;
    const i = this.probe(h, l);
    return this.occupied(i) ? i : -1;
  }

  /** The bucket of a key, claimed for it when absent (`isNew` tells). */
  protected claim(hi: number, lo: number): { bucket: number; isNew: boolean } {
    const h = hi >>> 0;
    const l = lo >>> 0;
    if (h === 0 && l === 0) {
      const isNew = !this.hasZero;
      if (isNew) {
        this.hasZero = true;
        this.count++;
      }
      return { bucket: this.hi.length, isNew };
    }
    if (this.count + 1 > this.hi.length * MAX_LOAD) this.grow();
    const i = this.probe(h, l);
    if (this.occupied(i)) return { bucket: i, isNew: false };
    this.hi[i] = h;
    this.lo[i] = l;
    this.count++;
    return { bucket: i, isNew: true };
  }

  /**
   * Allocate value arrays of `capacity` + 1 buckets; return how to move a value
   * from an old bucket to a new one (the key (0, 0) moves from the old capacity to the new).
   */
  protected abstract resize(capacity: number): (from: number, to: number) => void;

  private probe(hi: number, lo: number): number {
    const cap = this.hi.length;
    let i = ((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) % cap;
    while (this.occupied(i) && (this.hi[i] !== hi || this.lo[i] !== lo)) if (++i === cap) i = 0;
    return i;
  }

  /** Whether bucket `i` holds a key: an empty one is (0, 0). */
  private occupied(i: number): boolean {
    return this.hi[i] !== 0 || this.lo[i] !== 0;
  }

  private grow(): void {
    const { hi, lo } = this;
    const cap = Math.ceil(hi.length * 1.5);
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    const move = this.resize(cap);
    for (let j = 0; j < hi.length; j++) {
      if (hi[j] === 0 && lo[j] === 0) continue;
      const i = this.probe(hi[j]!, lo[j]!);
      this.hi[i] = hi[j]!;
      this.lo[i] = lo[j]!;
      move(j, i);
    }
    if (this.hasZero) move(hi.length, cap);
  }
}
