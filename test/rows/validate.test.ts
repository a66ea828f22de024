import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELDS, type FieldValues } from '../../src/rows/types.js';
import { validateRow, type ValidateOptions } from '../../src/rows/validate.js';
import { cardNumber, typedCardNumber } from './luhn-arbitrary.js';

const PAY = '8a8294174b7ecb28014b9699220015ca';
const ENT = '8a8294174b7ecb28014b9699220015cb';
const REG = '8a82944a4cc25ebf014cc2c782423202';
const VISA = '4111111111111111';
const NOW = new Date('2026-11-24T12:00:00Z');
const base: ValidateOptions = { decimalComma: false, allowCardData: false, now: NOW };
const withCards: ValidateOptions = { ...base, allowCardData: true };
const card = {
  card_number: '4111 1111 1111 1111',
  card_holder: 'Jane Doe',
  card_expiry_month: '3',
  card_expiry_year: '28',
  payment_brand: 'visa',
};

function errorsOf(values: FieldValues, opts: ValidateOptions = base): string[] {
  const r = validateRow(values, opts);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors;
}

describe('validateRow: valid rows become operations', () => {
  it.each([
    [
      'a capture, ids upper-case, amount and currency normalised',
      { operation: 'capture', payment_id: PAY.toUpperCase(), amount: '12.5', currency: 'eur' },
      base,
      { type: 'CP', paymentId: PAY, amount: '12.50', currency: 'EUR' },
    ],
    [
      'a refund with its own entity and merchant transaction id',
      { operation: 'RF', payment_id: PAY, amount: '1,234.00', currency: 'USD', entity_id: ENT, merchant_transaction_id: 'refund-2026-0001' },
      base,
      { type: 'RF', paymentId: PAY, amount: '1234.00', currency: 'USD', entityId: ENT, merchantTransactionId: 'refund-2026-0001' },
    ],
    ['a full reversal: no amount, no currency', { operation: 'reverse', payment_id: PAY }, base, { type: 'RV', paymentId: PAY }],
    [
      'a partial reversal: both',
      { operation: 'Reversal', payment_id: PAY, amount: '5', currency: 'GBP' },
      base,
      { type: 'RV', paymentId: PAY, amount: '5.00', currency: 'GBP' },
    ],
    ['a rebill', { operation: 'rebill', payment_id: PAY, amount: '9.99', currency: 'EUR' }, base, { type: 'RB', paymentId: PAY, amount: '9.99', currency: 'EUR' }],
    ['a receipt in JPY', { operation: 'RC', payment_id: PAY, amount: '1500', currency: 'JPY' }, base, { type: 'RC', paymentId: PAY, amount: '1500.00', currency: 'JPY' }],
    [
      'a credit to a registration',
      { operation: 'credit', registration_id: REG.toUpperCase(), amount: '20', currency: 'EUR' },
      base,
      { type: 'CD', registrationId: REG, amount: '20.00', currency: 'EUR' },
    ],
    [
      'a credit by card with --allow-card-data',
      { operation: 'CD', amount: '20', currency: 'EUR', ...card },
      withCards,
      {
        type: 'CD',
        amount: '20.00',
        currency: 'EUR',
        card: { number: VISA, holder: 'Jane Doe', expiryMonth: '03', expiryYear: '2028', brand: 'VISA' },
      },
    ],
    [
      'a German row with --decimal-comma',
      { operation: 'Refund', payment_id: PAY, amount: '1.234,50', currency: 'EUR' },
      { ...base, decimalComma: true },
      { type: 'RF', paymentId: PAY, amount: '1234.50', currency: 'EUR' },
    ],
    [
      'padded cells and payops\' own output escapes',
      { operation: ` capture\u00A0`, payment_id: `\t${PAY} `, amount: '\u202F12.50', currency: ' EUR ', merchant_transaction_id: "'=formula-like-id" },
      base,
      { type: 'CP', paymentId: PAY, amount: '12.50', currency: 'EUR', merchantTransactionId: '=formula-like-id' },
    ],
    [
      'no entity_id with a default entity',
      { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR' },
      { ...base, hasDefaultEntity: true },
      { type: 'CP', paymentId: PAY, amount: '1.00', currency: 'EUR' },
    ],
    [
      'a merchant transaction id of 8 and of 255 printable characters, kept verbatim',
      { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', merchant_transaction_id: 'a b~!"#$' },
      base,
      { type: 'CP', paymentId: PAY, amount: '1.00', currency: 'EUR', merchantTransactionId: 'a b~!"#$' },
    ],
    [
      'a merchant transaction id of 255 characters',
      { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', merchant_transaction_id: 'x'.repeat(255) },
      base,
      { type: 'CP', paymentId: PAY, amount: '1.00', currency: 'EUR', merchantTransactionId: 'x'.repeat(255) },
    ],
    [
      'a brand alone on a registration credit (ignored)',
      { operation: 'CD', registration_id: REG, amount: '1', currency: 'EUR', payment_brand: 'VISA' },
      base,
      { type: 'CD', registrationId: REG, amount: '1.00', currency: 'EUR' },
    ],
  ] as const)('%s', (_name, values, opts, op) => {
    expect(validateRow(values as FieldValues, opts)).toEqual({ ok: true, op });
  });

  it('a card that expires this month is still valid', () => {
    const r = validateRow({ operation: 'CD', amount: '1', currency: 'EUR', ...card, card_expiry_month: '11', card_expiry_year: '2026' }, withCards);
    expect(r.ok).toBe(true);
  });
});

describe('validateRow: invalid rows say what is wrong with each column', () => {
  it.each([
    ['no operation', { payment_id: PAY, amount: '1', currency: 'EUR' }, base, [
      'operation is empty: must be one of capture (CP), refund (RF), reversal or reverse (RV), rebill (RB), receipt (RC), credit (CD)',
    ]],
    ['an unknown operation', { operation: 'debit', payment_id: PAY, amount: '1', currency: 'EUR' }, base, [
      'operation "debit" is not known: must be one of capture (CP)',
    ]],
    ['a capture without amount and currency', { operation: 'capture', payment_id: PAY }, base, [
      'amount is empty: a capture (CP) needs an amount, e.g. 12.50',
      'currency is empty: a capture (CP) needs an ISO 4217 currency code, e.g. EUR',
    ]],
    ['a credit without currency', { operation: 'CD', registration_id: REG, amount: '1' }, base, ['currency is empty: a credit (CD) needs']],
    ['a reversal with an amount but no currency', { operation: 'RV', payment_id: PAY, amount: '5' }, base, [
      'currency is empty but amount is "5": a partial reversal needs both amount and currency; leave both empty for a full reversal',
    ]],
    ['a reversal with a currency but no amount', { operation: 'RV', payment_id: PAY, currency: 'EUR' }, base, [
      'amount is empty but currency is "EUR": a partial reversal needs both amount and currency',
    ]],
    ['a refund without payment_id', { operation: 'refund', amount: '1', currency: 'EUR' }, base, [
      'payment_id is empty: a refund (RF) needs the 32-hex id of the payment it refers to',
    ]],
    ['a bad payment_id', { operation: 'refund', payment_id: 'abc', amount: '1', currency: 'EUR' }, base, [
      'payment_id "abc": must be 32 hexadecimal characters',
    ]],
    ['a capture with a registration_id', { operation: 'CP', payment_id: PAY, registration_id: REG, amount: '1', currency: 'EUR' }, base, [
      `registration_id "${REG}" is only used by a credit (CD)`,
    ]],
    ['a refund with card data', { operation: 'RF', payment_id: PAY, amount: '1', currency: 'EUR', ...card }, withCards, [
      'card data is only used by a credit (CD)',
    ]],
    ['a credit with a payment_id', { operation: 'CD', payment_id: PAY, registration_id: REG, amount: '1', currency: 'EUR' }, base, [
      `payment_id "${PAY}": a credit (CD) is stand-alone and refers to no payment`,
    ]],
    ['a credit with neither registration nor card', { operation: 'CD', amount: '1', currency: 'EUR' }, base, [
      'a credit (CD) needs registration_id (the 32-hex id of a stored card) or card data',
    ]],
    ['a credit with both registration and card', { operation: 'CD', registration_id: REG, amount: '1', currency: 'EUR', ...card }, withCards, [
      'registration_id and card data are both given',
    ]],
    ['a credit by card without --allow-card-data', { operation: 'CD', amount: '1', currency: 'EUR', ...card }, base, [
      'card data needs --allow-card-data: run with --allow-card-data to send credits by card number, or use a registration (registration_id) instead',
    ]],
    ['an expired card', { operation: 'CD', amount: '1', currency: 'EUR', ...card, card_expiry_month: '10', card_expiry_year: '2026' }, withCards, [
      'card_expiry_month/card_expiry_year "10/2026": the card expired at the end of 10/2026',
    ]],
    ['a card number mangled by Excel', { operation: 'CD', amount: '1', currency: 'EUR', ...card, card_number: '4.11111E+15' }, withCards, [
      'card_number "4.11111E+15" is not a card number: Excel turned it into a number in scientific notation',
    ]],
    ['a masked card number', { operation: 'CD', amount: '1', currency: 'EUR', ...card, card_number: '411111******1111' }, withCards, [
      'card_number "411111******1111" is masked',
    ]],
    ['a card without holder, brand and year', { operation: 'CD', amount: '1', currency: 'EUR', card_number: VISA, card_expiry_month: '1' }, withCards, [
      'card_holder is empty', 'card_expiry_year is empty', 'payment_brand is empty',
    ]],
    ['a bad entity_id', { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', entity_id: 'entity-1' }, base, [
      'entity_id "entity-1": must be 32 hexadecimal characters',
    ]],
    ['no entity and no default entity', { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR' }, { ...base, hasDefaultEntity: false }, [
      'entity_id is empty and no default entity is set: fill entity_id, or run with --entity-id',
    ]],
    ['a short merchant_transaction_id', { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', merchant_transaction_id: '1234567' }, base, [
      'merchant_transaction_id "1234567" has 7 characters: must be 8 to 255 printable ASCII characters',
    ]],
    ['a long merchant_transaction_id', { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', merchant_transaction_id: 'x'.repeat(256) }, base, [
      'has 256 characters: must be 8 to 255',
    ]],
    ['a merchant_transaction_id with a non-ASCII letter', { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', merchant_transaction_id: 'Bestellung-ü-42' }, base, [
      'merchant_transaction_id "Bestellung-ü-42" contains "ü": must be 8 to 255 printable ASCII characters',
    ]],
    ['a merchant_transaction_id with a line break', { operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', merchant_transaction_id: 'order\n12345' }, base, [
      'contains a line break',
    ]],
    ['a test currency', { operation: 'CP', payment_id: PAY, amount: '1', currency: 'XTS' }, base, ['currency "XTS" is the ISO 4217 code reserved for testing']],
    ['a withdrawn currency', { operation: 'CP', payment_id: PAY, amount: '1', currency: 'hrk' }, base, ['currency "hrk" is withdrawn', 'use EUR']],
    ['an ambiguous amount', { operation: 'CP', payment_id: PAY, amount: '12,50', currency: 'EUR' }, base, [
      'amount "12,50" is ambiguous: use 12.50, or run with --decimal-comma if commas are decimal separators',
    ]],
    ['too many decimals for the currency', { operation: 'CP', payment_id: PAY, amount: '100.5', currency: 'jpy' }, base, [
      'amount "100.5" has decimals, but JPY has no minor unit',
    ]],
  ] as const)('%s', (_name, values, opts, parts) => {
    const errors = errorsOf(values as FieldValues, opts);
    for (const part of parts) expect(errors.some((e) => e.includes(part)), `${JSON.stringify(errors)} has ${part}`).toBe(true);
  });

  it('collects every problem of the row, one message each', () => {
    const errors = errorsOf({
      operation: 'refnud',
      payment_id: 'abc',
      amount: '-5',
      currency: 'EURO',
      entity_id: 'x',
      merchant_transaction_id: 'short',
    });
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatch(/^operation "refnud"/);
    expect(errors.map((e) => e.split(' ')[0]).sort()).toEqual(
      ['amount', 'currency', 'entity_id', 'merchant_transaction_id', 'operation', 'payment_id'].sort(),
    );
  });

  it('names every card problem at once, card number masked', () => {
    const errors = errorsOf(
      { operation: 'CD', amount: '1', currency: 'EUR', card_number: '4111111111111112', card_holder: '', card_expiry_month: '13', card_expiry_year: '2025', payment_brand: 'visa card' },
      withCards,
    );
    expect(errors).toEqual([
      'card_number "411111******1112" fails the Luhn check: a digit is wrong or missing; check the number',
      "card_holder is empty: must be the card holder's name, up to 128 characters",
      'card_expiry_month "13": must be the month number, 1 to 12',
      'payment_brand "visa card": must be the gateway\'s brand code, such as VISA, MASTER or AMEX (letters, digits and _, at most 32)',
      'card_expiry_year "2025": the card expired in 2025; the expiry must not be in the past (now 11/2026)',
    ]);
  });

  it('quotes a long value shortened, so one bad cell cannot flood the output', () => {
    const [e] = errorsOf({ operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', merchant_transaction_id: 'é'.repeat(5000) });
    expect(e).toMatch(/^merchant_transaction_id "é{59}…" contains "é"/);
    expect(e!.length).toBeLessThan(250);
  });

  it('does not accept a masked number from an earlier results file', () => {
    expect(errorsOf({ operation: 'CD', amount: '1', currency: 'EUR', ...card, card_number: '411111******1111' }, withCards).join('\n')).toContain(
      'supply it again, or use a registration',
    );
  });
});

describe('validateRow: a merchant_transaction_id that is a card number', () => {
  const row = (id: string): FieldValues => ({ operation: 'CP', payment_id: PAY, amount: '1', currency: 'EUR', merchant_transaction_id: id });

  it.each([
    ['4111111111111111', '"411111******1111"'],
    ['4111 1111 1111 1111', '"411111******1111"'],
    ['4111-1111-1111-1111', '"411111******1111"'],
    ['378282246310005', '"378282*****0005"'],
    ['6011000990139424', '"601100******9424"'],
    ['4111-1111-1111-1111x', '"4111-11**-****-1111x"'],
    ['ORDER-4111111111111111', '"ORDER-411111******1111"'],
    ['order 5555 5555 5555 4444', '"order 555555******4444"'],
    ['ORDER4111111111111111', '"ORDER411111******1111"'],
  ])('%j is invalid, saying it looks like a card number, the number masked', (id, shown) => {
    const errors = errorsOf(row(id));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`merchant_transaction_id ${shown} looks like a card number`);
    expect(errors[0]).toContain('leave it empty to let payops derive one');
    expect(errors[0]!.replace(/[ -]/g, '')).not.toContain(id.replace(/\D/g, ''));
  });

  it.each([
    '4111111111111112', // 16 digits failing Luhn
    '411111111111111111111', // 21 digits: longer than any card number
    'refund-2026-0001',
    '2026-11-24 000123',
    PAY, // a 32-hex id
    'INV-202611240001', // 12 digits failing Luhn
  ])('%j is a valid id', (id) => {
    const r = validateRow(row(id), base);
    expect(r.ok && r.op.merchantTransactionId).toBe(id);
  });

  it.each(['601100******9424', 'ORDER-411111******1111', '4111 11** **** 1111x'])(
    '%j, a card number id as the outputs write it, stays invalid on a rerun of the failed-rows file',
    (id) => {
      const errors = errorsOf(row(id));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('holds a masked card number');
    },
  );

  it('property: a typed card number, alone or beside a word, never passes as an id', () => {
    fc.assert(
      fc.property(typedCardNumber(), fc.constantFrom('', 'x', 'ORDER-', 'ref ', '#', 'A'), fc.constantFrom('', 'x', '-2026', ' ok', '/'), (cardNo, before, after) => {
        const id = before + cardNo.typed + after;
        fc.pre(id.length >= 8 && /^[\x20-\x7E]+$/.test(id));
        const r = validateRow(row(id), base);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.errors.join(' ')).toContain('looks like a card number');
      }),
      { numRuns: 500 },
    );
  });
});

describe('validateRow: properties', () => {
  const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'CP', 'RV', 'CD', PAY, '12,50', 'EUR'));
  const anyRow = fc.record(Object.fromEntries(FIELDS.map((f) => [f, anyString])) as Record<(typeof FIELDS)[number], fc.Arbitrary<string>>, {
    requiredKeys: [],
  });
  const anyOpts = fc.record({ decimalComma: fc.boolean(), allowCardData: fc.boolean(), hasDefaultEntity: fc.option(fc.boolean(), { nil: undefined }) });

  it('never throws, whatever the cells hold', () => {
    fc.assert(
      fc.property(anyRow, anyOpts, (values, opts) => {
        const r = validateRow(values, { ...opts, now: NOW });
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(typeof e).toBe('string');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never puts a card number in an error message, whichever column it is in', () => {
    fc.assert(
      fc.property(
        typedCardNumber(),
        fc.subarray([...FIELDS], { minLength: 1 }),
        fc.constantFrom('', 'x', '9', ' ', '€', '-', "'", '(', '*'),
        fc.constantFrom('', 'x', '0', ' ', ',5', '.5', 'E+3', '\u0001'),
        anyRow,
        anyOpts,
        (cardNo, fields, before, after, values, opts) => {
          const row: FieldValues = { ...values };
          for (const f of fields) row[f] = before + cardNo.typed + after;
          const r = validateRow(row, { ...opts, now: NOW });
          if (!r.ok) {
            for (const e of r.errors) {
              expect(e).not.toContain(cardNo.digits);
              expect(e).not.toContain(cardNo.typed);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts every valid credit by card, whatever the number', () => {
    fc.assert(
      fc.property(cardNumber(), (digits) => {
        const r = validateRow({ operation: 'CD', amount: '1', currency: 'EUR', ...card, card_number: digits }, withCards);
        expect(r.ok && r.op.card?.number).toBe(digits);
      }),
      { numRuns: 200 },
    );
  });
});
