/** A set keyed by 64-bit hashes (ids and journal keys seen in a run). */
import { HashBuckets } from './hash-buckets.js';

/** A set of 64-bit hashes: 8 bytes a bucket, no value array. */
export class HashSet64 extends HashBuckets {
  constructor(expectedKeys = 1 << 12) {
    super(expectedKeys);
  }

  /** Add the key; true when it was not there before. */
  addIfNew(hi: number, lo: number): boolean {
    return this.claim(hi, lo).isNew;
  }

  has(hi: number, lo: number): boolean {
    return this.bucketOf(hi, lo) >= 0;
  }

  protected resize(): (from: number, to: number) => void {
    return () => undefined;
  }
}
