import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashCounter } from '../../src/plan/hash-counter.js';
import { HashSet64 } from '../../src/plan/hash-set.js';

const keyOf = (hi: number, lo: number) => `${hi >>> 0}:${lo >>> 0}`;

/** Keys drawn from a small pool (so they repeat) and from the whole 64-bit space, negatives included. */
const keyArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 40 })),
  fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 })),
);

describe('HashCounter', () => {
  it('next() returns how often the key was seen before; get() how often it was counted', () => {
    const c = new HashCounter();
    expect(c.get(1, 2)).toBe(0);
    expect(c.next(1, 2)).toBe(0);
    expect(c.next(1, 2)).toBe(1);
    expect(c.next(2, 1)).toBe(0);
    expect(c.next(1, 2)).toBe(2);
    expect(c.get(1, 2)).toBe(3);
    expect(c.get(2, 1)).toBe(1);
    expect(c.size).toBe(2);
  });

  it('keys are 64-bit: hi and lo both matter, and a negative int is its unsigned twin', () => {
    const c = new HashCounter();
    c.next(0, 5);
    expect(c.get(5, 0)).toBe(0);
    expect(c.get(0, 5)).toBe(1);
    c.next(-1, -1);
    expect(c.get(0xffffffff, 0xffffffff)).toBe(1);
  });

  it('keys that land in the same bucket are kept apart (linear probing), also across growth', () => {
    const c = new HashCounter(16);
    // hi = 0: the bucket is lo modulo the capacity (17 here), so lo = k * 17 * 64 all start at bucket 0.
    for (let round = 0; round < 3; round++) {
      for (let k = 1; k <= 200; k++) expect(c.next(0, k * 17 * 64)).toBe(round);
    }
    expect(c.size).toBe(200);
    for (let k = 1; k <= 200; k++) expect(c.get(0, k * 17 * 64)).toBe(3);
    expect(c.get(0, 201 * 17 * 64)).toBe(0);
  });

  it('agrees with a Map model, growing far past its initial capacity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(keyArb, { maxLength: 3000 }), (capacity, keys) => {
        const c = new HashCounter(capacity);
        const model = new Map<string, number>();
        for (const [hi, lo] of keys) {
          const k = keyOf(hi, lo);
          const before = model.get(k) ?? 0;
          expect(c.next(hi, lo)).toBe(before);
          model.set(k, before + 1);
        }
        expect(c.size).toBe(model.size);
        for (const [hi, lo] of keys) expect(c.get(hi, lo)).toBe(model.get(keyOf(hi, lo)));
      }),
      { numRuns: 60 },
    );
  });

  it('holds 100,000 distinct keys', () => {
    const c = new HashCounter();
    for (let i = 0; i < 100_000; i++) c.next(i * 2654435761, i);
    expect(c.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 997) expect(c.get(i * 2654435761, i)).toBe(1);
    expect(c.get(1, 100_001)).toBe(0);
  });

  it('the key (0, 0), which marks an empty bucket, is a key like any other, also across growth', () => {
    const c = new HashCounter(4);
    expect(c.get(0, 0)).toBe(0);
    expect(c.next(0, 0)).toBe(0);
    expect(c.next(0, 0)).toBe(1);
    expect(c.get(0, 1)).toBe(0);
    for (let i = 1; i <= 1000; i++) c.next(i, i);
    expect(c.get(0, 0)).toBe(2);
    expect(c.size).toBe(1001);
  });
});

describe('HashSet64', () => {
  it('agrees with a Set model, the key (0, 0) included, growing far past its initial size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.array(keyArb, { maxLength: 3000 }), (expected, keys) => {
        const s = new HashSet64(expected);
        const model = new Set<string>();
        for (const [hi, lo] of keys) {
          const k = keyOf(hi, lo);
          expect(s.addIfNew(hi, lo)).toBe(!model.has(k));
          model.add(k);
        }
        expect(s.size).toBe(model.size);
        for (const [hi, lo] of keys) expect(s.has(hi, lo)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('a size that is no number (or none) starts small and grows', () => {
    for (const expected of [Number.NaN, 0, -5]) {
      const s = new HashSet64(expected);
      for (let i = 1; i <= 100; i++) expect(s.addIfNew(i, i)).toBe(true);
      expect(s.size).toBe(100);
    }
  });
});
