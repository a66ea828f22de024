import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base36Of72Bits,
  baseOf,
  DERIVED_ID_LENGTH,
  generationOf,
  IdDeriver,
  isDerivedId,
  SeenIds,
  withGeneration,
} from '../../src/plan/txid.js';
import type { Operation } from '../../src/rows/types.js';

const ENTITY = '8a8294174b7ecb28014b9699220015ca';
const OTHER_ENTITY = '8a8294174b7ecb28014b9699220015cb';
const P = '8ac7a4a08f1b2c3d4e5f60718293a4b5';
const P2 = '8ac7a4a08f1b2c3d4e5f60718293a4b6';
const REG = '8ac7a4a28f1b2c3d4e5f60718293a4b7';
const KEY = Buffer.alloc(32, 7);
const CARD = '4532015112830366';

const deriver = (over: Partial<{ batchId: string; defaultEntityId: string; cardKey: Buffer }> = {}) =>
  new IdDeriver({ batchId: '', defaultEntityId: ENTITY, cardKey: KEY, ...over });

/** Ids of a whole file, as a fresh run derives them (generation 00). */
const idsOf = (ops: Operation[], d = deriver()) => ops.map((op) => withGeneration(d.nextBase(op), 0));

const refund = (amount = '10.00', over: Partial<Operation> = {}): Operation => ({ type: 'RF', paymentId: P, amount, currency: 'EUR', ...over });
const cardCredit = (number = CARD, over: Partial<Operation['card'] & object> = {}): Operation => ({
  type: 'CD',
  amount: '25.00',
  currency: 'EUR',
  card: { number, holder: 'Jane Jones', expiryMonth: '05', expiryYear: '2034', brand: 'VISA', ...over },
});

const opArb: fc.Arbitrary<Operation> = fc.record({
  type: fc.constantFrom('CP', 'RF', 'RV', 'RB', 'RC'),
  paymentId: fc.constantFrom(P, P2),
  amount: fc.constantFrom('1.00', '10.00', '10.01', '999999.99'),
  currency: fc.constantFrom('EUR', 'USD'),
}) as fc.Arbitrary<Operation>;

describe('derived ids: shape', () => {
  it('16 characters of [0-9a-z], 14 of base then 2 of generation 00', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.string(), (ops, batchId) => {
        for (const id of idsOf(ops, deriver({ batchId }))) {
          expect(id).toHaveLength(DERIVED_ID_LENGTH);
          expect(id).toMatch(/^[0-9a-z]{14}00$/);
          expect(isDerivedId(id)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('generations: 00, 01, … 0z, 10, … zz; out of range is refused', () => {
    const base = 'abcdefghijklmn';
    expect(withGeneration(base, 0)).toBe('abcdefghijklmn00');
    expect(withGeneration(base, 1)).toBe('abcdefghijklmn01');
    expect(withGeneration(base, 35)).toBe('abcdefghijklmn0z');
    expect(withGeneration(base, 36)).toBe('abcdefghijklmn10');
    expect(withGeneration(base, 36 * 36 - 1)).toBe('abcdefghijklmnzz');
    expect(() => withGeneration(base, 36 * 36)).toThrow(RangeError);
    expect(() => withGeneration(base, -1)).toThrow(RangeError);
    for (let g = 0; g < 36 * 36; g += 7) {
      const id = withGeneration(base, g);
      expect(baseOf(id)).toBe(base);
      expect(generationOf(id)).toBe(g);
    }
  });

  it('isDerivedId accepts only the derived shape', () => {
    expect(isDerivedId('abcdefghijklmn00')).toBe(true);
    expect(isDerivedId('ABCDEFGHIJKLMN00')).toBe(false);
    expect(isDerivedId('abcdefghijklmn0')).toBe(false);
    expect(isDerivedId('abcdefghijklmn000')).toBe(false);
    expect(isDerivedId('abcdefg-ijklmn00')).toBe(false);
  });
});

describe('derived ids: the same rows give the same ids', () => {
  it('same content → same id, from any fresh deriver (any file name, any re-save, stdin)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        expect(idsOf(ops)).toEqual(idsOf(ops.map((o) => ({ ...o }))));
      }),
      { numRuns: 100 },
    );
  });

  it("the row's own merchant_transaction_id does not change the derived base", () => {
    expect(idsOf([refund()])).toEqual(idsOf([refund('10.00', { merchantTransactionId: 'ORDER-1234' })]));
  });

  it('an empty entity_id and the default entity written out are the same row', () => {
    expect(idsOf([refund()])).toEqual(idsOf([refund('10.00', { entityId: ENTITY })]));
  });

  it('a card credit: same card → same id, whatever the holder, expiry or brand', () => {
    const [a] = idsOf([cardCredit()]);
    const [b] = idsOf([cardCredit(CARD, { holder: 'J. JONES', expiryMonth: '06', expiryYear: '2035', brand: 'MASTER' })]);
    expect(a).toBe(b);
    const [c] = idsOf([cardCredit('4916338506082832')]);
    expect(c).not.toBe(a);
  });

  it('a credit to a registration differs from one to another registration', () => {
    const cd = (registrationId: string): Operation => ({ type: 'CD', registrationId, amount: '5.00', currency: 'EUR' });
    const [a] = idsOf([cd(REG)]);
    const [b] = idsOf([cd(P)]);
    expect(a).not.toBe(b);
  });
});

describe('derived ids: different rows differ', () => {
  it.each([
    ['operation', { type: 'CP' }],
    ['payment', { paymentId: P2 }],
    ['amount', { amount: '10.01' }],
    ['currency', { currency: 'USD' }],
    ['entity', { entityId: OTHER_ENTITY }],
  ] as Array<[string, Partial<Operation>]>)('another %s → another id', (_name, over) => {
    expect(idsOf([refund()])[0]).not.toBe(idsOf([refund('10.00', over)])[0]);
  });

  it('a full reversal and a partial one of the same payment differ', () => {
    const [full] = idsOf([{ type: 'RV', paymentId: P }]);
    const [partial] = idsOf([{ type: 'RV', paymentId: P, amount: '10.00', currency: 'EUR' }]);
    expect(full).not.toBe(partial);
  });

  it('identical rows of one file differ by occurrence; other rows in between change nothing', () => {
    const a = refund();
    const b = refund('20.00');
    const [a1, a2, a3] = idsOf([a, a, a]);
    expect(new Set([a1, a2, a3]).size).toBe(3);
    // A, B, A: the second A is still the second occurrence of A.
    const [x1, y1, x2] = idsOf([a, b, a]);
    expect([x1, x2]).toEqual([a1, a2]);
    expect(y1).toBe(idsOf([b])[0]);
  });

  it('--batch-id changes every id (a monthly rebill of the same amount)', () => {
    const ops = [refund(), { type: 'RB', paymentId: P2, amount: '9.99', currency: 'EUR' } as Operation, cardCredit()];
    const none = idsOf(ops);
    const may = idsOf(ops, deriver({ batchId: '2026-05' }));
    const june = idsOf(ops, deriver({ batchId: '2026-06' }));
    for (let i = 0; i < ops.length; i++) {
      expect(may[i]).not.toBe(none[i]);
      expect(june[i]).not.toBe(may[i]);
    }
  });

  it('distinct rows of a file get distinct ids', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const ids = idsOf(ops);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 100 },
    );
  });
});

describe('derived ids: card numbers are never derivable', () => {
  it('the canonical string holds a keyed hash, not the card number or any part of it', () => {
    const d = deriver();
    const canonical = d.canonical(cardCredit());
    expect(canonical).not.toContain(CARD);
    expect(canonical).not.toContain(CARD.slice(0, 6));
    expect(canonical).not.toContain(CARD.slice(-6));
    expect(canonical).toMatch(/card:[0-9a-f]{64}/);
    // Exactly: batch id, type, entity, keyed hash, amount, currency; nothing of the card.
    const fields = canonical.split('\u001f');
    expect(fields).toHaveLength(6);
    expect([fields[0], fields[1], fields[2], fields[4], fields[5]]).toEqual(['', 'CD', ENTITY, '25.00', 'EUR']);
    expect(fields[3]).toMatch(/^card:[0-9a-f]{64}$/);
  });

  it('the id depends on the secret key: without it the card number cannot be guessed from the id', () => {
    const [a] = idsOf([cardCredit()], deriver());
    const [b] = idsOf([cardCredit()], deriver({ cardKey: Buffer.alloc(32, 8) }));
    expect(a).not.toBe(b);
    // And an unkeyed hash of the number is not what is used.
    const unkeyed = deriver({ cardKey: Buffer.alloc(0) });
    expect(idsOf([cardCredit()], unkeyed)[0]).not.toBe(a);
  });
});

describe('SeenIds', () => {
  it('reports the second and later sightings of an id, exactly', () => {
    const seen = new SeenIds();
    expect(seen.addIfNew('ORDER-1')).toBe(true);
    expect(seen.addIfNew('ORDER-2')).toBe(true);
    expect(seen.addIfNew('ORDER-1')).toBe(false);
    expect(seen.addIfNew('order-1')).toBe(true);
    expect(seen.addIfNew('ORDER-1')).toBe(false);
  });

  it('agrees with a Set over many ids (growth included)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ minLength: 8, maxLength: 12 }), fc.constantFrom('ORDER-0001', 'ORDER-0002', 'ORDER-0003')), { maxLength: 6000 }), (ids) => {
        const seen = new SeenIds();
        const model = new Set<string>();
        for (const id of ids) {
          expect(seen.addIfNew(id)).toBe(!model.has(id));
          model.add(id);
        }
      }),
      { numRuns: 10 },
    );
  });
});

describe('derived ids: stable across versions', () => {
  // Ids written by earlier versions must come out the same, or a rerun after
  // an upgrade would not recognise its own rows and would send them again.
  const ops: Operation[] = [
    refund('10.00'),
    refund('10.00'),
    { type: 'CP', paymentId: P, amount: '999999.99', currency: 'USD' },
    cardCredit(),
    { type: 'RB', registrationId: REG, amount: '1.00', currency: 'EUR' },
  ];

  it('the same five rows give the ids they gave before (no batch id)', () => {
    expect(idsOf(ops)).toEqual(['5st4nww07hu84300', 'oz6av20bry10s500', 'm8j7oa9ac5ccy400', 'ojioqpnzi6q8i200', 'cn21rpidfn4zi900']);
  });

  it('and with a batch id', () => {
    expect(idsOf(ops, deriver({ batchId: 'nightly-2026-11-24' }))).toEqual([
      'kbtaka4c0bqrez00', '5osjamzkcvz9yg00', '1mdxq4m9fd2ozl00', '6udws1s70518uk00', 'f6bh7mpz0j079400',
    ]);
  });
});

describe('base36Of72Bits', () => {
  it('is the 72-bit prefix in base 36, padded to 14, for any digest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        expect(base36Of72Bits(hex)).toBe(BigInt('0x' + hex.slice(0, 18)).toString(36).padStart(14, '0'));
      }),
      { numRuns: 2000 },
    );
  });

  it('the extremes: all zero bits and all one bits', () => {
    expect(base36Of72Bits('0'.repeat(64))).toBe('00000000000000');
    expect(base36Of72Bits('f'.repeat(64))).toBe(BigInt('0x' + 'f'.repeat(18)).toString(36).padStart(14, '0'));
  });
});
