/** A counter keyed by 64-bit hashes (the occurrences of identical rows in a file). */
import { HashBuckets } from './hash-buckets.js';

export class HashCounter extends HashBuckets {
  private counts: Uint32Array;

  /** Room for `expectedKeys` keys before the table grows. */
  constructor(expectedKeys = 1 << 12) {
    super(expectedKeys);
    this.counts = new Uint32Array(this.capacity + 1);
  }

  /** Return how many times the key was seen before, and count this time. */
  next(hi: number, lo: number): number {
    const { bucket } = this.claim(hi, lo);
    return this.counts[bucket]!++;
  }

  /** How many times the key was counted. */
  get(hi: number, lo: number): number {
    const bucket = this.bucketOf(hi, lo);
    return bucket < 0 ? 0 : this.counts[bucket]!;
  }

  protected resize(capacity: number): (from: number, to: number) => void {
    const old = this.counts;
    const counts = (this.counts = new Uint32Array(capacity + 1));
    return (from, to) => {
      counts[to] = old[from]!;
    };
  }
}
