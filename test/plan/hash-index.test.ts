import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashIndex } from '../../src/plan/hash-index.js';

const keyOf = (hi: number, lo: number) => `${hi >>> 0}:${lo >>> 0}`;

const keyArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 40 })),
  fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 })),
);
/** Values as the journal stores them: byte offsets (up to beyond 4 GB), or -2 for "no outcome". */
const valueArb = fc.oneof(fc.constant(undefined), fc.constant(-2), fc.nat(), fc.integer({ min: 2 ** 32, max: 2 ** 50 }));

describe('HashIndex', () => {
  it('stores two values per key; undefined leaves a value as it was; unset values read -1', () => {
    const ix = new HashIndex();
    expect(ix.get(1, 2)).toBeUndefined();
    ix.set(1, 2, 100, undefined);
    expect(ix.get(1, 2)).toEqual([100, -1]);
    ix.set(1, 2, undefined, 250);
    expect(ix.get(1, 2)).toEqual([100, 250]);
    ix.set(1, 2, 300, -2);
    expect(ix.get(1, 2)).toEqual([300, -2]);
    ix.set(2, 1, undefined, 7);
    expect(ix.get(2, 1)).toEqual([-1, 7]);
    expect(ix.get(1, 3)).toBeUndefined();
    expect(ix.size).toBe(2);
  });

  it('offsets past 4 GB are kept exactly', () => {
    const ix = new HashIndex();
    ix.set(9, 9, 2 ** 40 + 3, 2 ** 33 + 1);
    expect(ix.get(9, 9)).toEqual([2 ** 40 + 3, 2 ** 33 + 1]);
  });

  it('colliding keys are kept apart, also across growth', () => {
    const ix = new HashIndex(16);
    for (let k = 0; k < 300; k++) ix.set(0, k * 4096, k, undefined);
    for (let k = 0; k < 300; k++) ix.set(0, k * 4096, undefined, k + 1000);
    expect(ix.size).toBe(300);
    for (let k = 0; k < 300; k++) expect(ix.get(0, k * 4096)).toEqual([k, k + 1000]);
    expect(ix.get(0, 300 * 4096)).toBeUndefined();
  });

  it('agrees with a Map model, growing far past its initial capacity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.tuple(keyArb, valueArb, valueArb).filter(([, a, b]) => a !== undefined || b !== undefined), { maxLength: 3000 }),
        (capacity, ops) => {
          const ix = new HashIndex(capacity);
          const model = new Map<string, [number, number]>();
          for (const [[hi, lo], a, b] of ops) {
            ix.set(hi, lo, a, b);
            const k = keyOf(hi, lo);
            const cur = model.get(k) ?? [-1, -1];
            model.set(k, [a ?? cur[0], b ?? cur[1]]);
            expect(ix.get(hi, lo)).toEqual(model.get(k));
          }
          expect(ix.size).toBe(model.size);
          for (const [[hi, lo]] of ops) expect(ix.get(hi, lo)).toEqual(model.get(keyOf(hi, lo)));
        },
      ),
      { numRuns: 60 },
    );
  });
});
