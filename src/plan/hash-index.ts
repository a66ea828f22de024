/** A map from 64-bit key hashes to two numbers (the journal's byte offsets of an intent and an outcome). */
import { HashSlots } from './hash-slots.js';

export class HashIndex extends HashSlots {
  private a: Float64Array;
  private b: Float64Array;

  constructor(initialCapacity = 1 << 12) {
    super(initialCapacity);
    this.a = new Float64Array(this.capacity).fill(-1);
    this.b = new Float64Array(this.capacity).fill(-1);
  }

  /** The two values stored for a key, or undefined. Unset values are -1. */
  get(hi: number, lo: number): [number, number] | undefined {
    const slot = this.slotOf(hi, lo);
    return slot < 0 ? undefined : [this.a[slot]!, this.b[slot]!];
  }

  /** Set value a and/or b (undefined leaves it as it is). */
  set(hi: number, lo: number, a: number | undefined, b: number | undefined): void {
    const { slot } = this.claim(hi, lo);
    if (a !== undefined) this.a[slot] = a;
    if (b !== undefined) this.b[slot] = b;
  }

  protected resize(capacity: number): (from: number, to: number) => void {
    const oldA = this.a;
    const oldB = this.b;
    const a = (this.a = new Float64Array(capacity).fill(-1));
    const b = (this.b = new Float64Array(capacity).fill(-1));
    return (from, to) => {
      a[to] = oldA[from]!;
      b[to] = oldB[from]!;
    };
  }
}
