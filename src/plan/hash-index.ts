/**
 * A map from 64-bit key hashes to two numbers (here: journal byte offsets),
 * on typed arrays, so an index of a million journal entries costs ~40 MB.
 */
export class HashIndex {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private a: Float64Array;
  private b: Float64Array;
  private used = 0;

  constructor(initialCapacity = 1 << 12) {
    let cap = 16;
    while (cap < initialCapacity) cap <<= 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.a = new Float64Array(cap).fill(-1);
    this.b = new Float64Array(cap).fill(-1);
  }

  get size(): number {
    return this.used;
  }

  /** The two values stored for a key, or undefined. Unset values are -1. */
  get(hi: number, lo: number): [number, number] | undefined {
    const i = this.find(hi >>> 0, lo >>> 0);
    return this.a[i] === -1 && this.b[i] === -1 ? undefined : [this.a[i]!, this.b[i]!];
  }

  /** Set value a and/or b (undefined leaves it as it is). */
  set(hi: number, lo: number, a: number | undefined, b: number | undefined): void {
    if ((this.used + 1) * 2 > this.a.length) this.grow();
    const i = this.find(hi >>> 0, lo >>> 0);
    if (this.a[i] === -1 && this.b[i] === -1) {
      this.hi[i] = hi >>> 0;
      this.lo[i] = lo >>> 0;
      this.used++;
    }
    if (a !== undefined) this.a[i] = a;
    if (b !== undefined) this.b[i] = b;
  }

  private find(hi: number, lo: number): number {
    const mask = this.a.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while ((this.a[i] !== -1 || this.b[i] !== -1) && (this.hi[i] !== hi || this.lo[i] !== lo)) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const { hi, lo, a, b } = this;
    const cap = a.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.a = new Float64Array(cap).fill(-1);
    this.b = new Float64Array(cap).fill(-1);
    for (let j = 0; j < a.length; j++) {
      if (a[j] !== -1 || b[j] !== -1) {
        const i = this.find(hi[j]!, lo[j]!);
        this.hi[i] = hi[j]!;
        this.lo[i] = lo[j]!;
        this.a[i] = a[j]!;
        this.b[i] = b[j]!;
      }
    }
  }
}
