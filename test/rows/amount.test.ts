import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAmount, parseAmountInFull, thousandsSeparators } from '../../src/rows/amount.js';

const NBSP = '\u00A0';
const NNBSP = '\u202F';
const THIN = '\u2009';

const dot = { decimalComma: false };
const comma = { decimalComma: true };

describe('parseAmount: valid amounts come out with exactly two decimals', () => {
  it.each([
    // [raw, currency, options, value]
    ['12.50', 'EUR', dot, '12.50'],
    ['12.5', 'EUR', dot, '12.50'],
    ['12', 'EUR', dot, '12.00'],
    ['12.500', 'EUR', dot, '12.50'],
    ['12.5000000', 'EUR', dot, '12.50'],
    ['0.01', 'EUR', dot, '0.01'],
    ['0012.50', 'EUR', dot, '12.50'],
    [' 12.50 ', 'EUR', dot, '12.50'],
    [`${NBSP}12.50\t`, 'EUR', dot, '12.50'],
    ['123456789012', 'EUR', dot, '123456789012.00'],
    ['123,456,789,012.99', 'EUR', dot, '123456789012.99'],
    // thousands separators, decimal point
    ['1,234.50', 'EUR', dot, '1234.50'],
    ['1,234,567.89', 'USD', dot, '1234567.89'],
    ['1,234', 'EUR', dot, '1234.00'],
    ['12,500', 'EUR', dot, '12500.00'],
    ["1'234.50", 'CHF', dot, '1234.50'],
    ["1'234'567.05", 'CHF', dot, '1234567.05'],
    [`1${NBSP}234.50`, 'EUR', dot, '1234.50'],
    [`1${NNBSP}234.50`, 'EUR', dot, '1234.50'],
    [`1${THIN}234.50`, 'EUR', dot, '1234.50'],
    // decimal comma
    ['12,50', 'EUR', comma, '12.50'],
    ['12,5', 'EUR', comma, '12.50'],
    ['1.234,50', 'EUR', comma, '1234.50'],
    ['1.234.567,89', 'EUR', comma, '1234567.89'],
    ['1.234', 'EUR', comma, '1234.00'],
    [`1${NNBSP}234,50`, 'EUR', comma, '1234.50'],
    [`1${NBSP}234,50`, 'EUR', comma, '1234.50'],
    [`1${THIN}234,50`, 'EUR', comma, '1234.50'],
    ["1'234,50", 'CHF', comma, '1234.50'],
    ['1234', 'EUR', comma, '1234.00'],
    // JPY: no minor unit
    ['1500', 'JPY', dot, '1500.00'],
    ['1,500', 'JPY', dot, '1500.00'],
    ['1500.00', 'JPY', dot, '1500.00'],
    ['1500,0', 'JPY', comma, '1500.00'],
    // BHD: 3 minor units, still at most 2 decimals
    ['12.34', 'BHD', dot, '12.34'],
    ['12.340', 'BHD', dot, '12.34'],
    ['12.3', 'bhd', dot, '12.30'],
    // unknown currency: 2 decimals
    ['12.34', undefined, dot, '12.34'],
    ['12.34', 'XXX', dot, '12.34'],
  ] as const)('%j (%s, %o) → %s', (raw, currency, opts, value) => {
    expect(parseAmount(raw, currency, opts)).toEqual({ ok: true, value });
  });
});

describe('parseAmount: invalid amounts say what is wrong and what is allowed', () => {
  it('a comma before 1 or 2 final digits is ambiguous without --decimal-comma', () => {
    expect(parseAmount('12,50', 'EUR', dot)).toEqual({
      ok: false,
      message: 'amount "12,50" is ambiguous: use 12.50, or run with --decimal-comma if commas are decimal separators',
    });
  });

  it.each([
    // [raw, currency, options, part of the message]
    ['12,5', 'EUR', dot, 'amount "12,5" is ambiguous: use 12.5, or run with --decimal-comma'],
    ['1.234,50', 'EUR', dot, 'amount "1.234,50" is ambiguous: use 1234.50, or run with --decimal-comma'],
    [`1${NNBSP}234,50`, 'EUR', dot, 'is ambiguous: use 1234.50, or run with --decimal-comma'],
    [`1${NBSP}234,50`, 'EUR', dot, 'is ambiguous: use 1234.50, or run with --decimal-comma'],
    ["1'234,5", 'CHF', dot, 'is ambiguous: use 1234.5'],
    ['1500,00', 'JPY', dot, 'is ambiguous'],
    // "." before 1-2 digits with --decimal-comma
    ['12.50', 'EUR', comma, 'amount "12.50" uses "." as the decimal separator, but with --decimal-comma the decimal separator is ","'],
    ['12.50', 'EUR', comma, 'use 12,50, or run without --decimal-comma'],
    // signs
    ['-12.50', 'EUR', dot, 'amount "-12.50" has a sign ("-"): amounts are written without a sign'],
    ['+12.50', 'EUR', dot, 'has a sign ("+")'],
    ['12.50-', 'EUR', dot, 'has a sign ("-")'],
    ['\u221212.50', 'EUR', dot, 'has a sign ("\u2212")'],
    ['- 12.50', 'EUR', dot, 'has a sign'],
    // currency symbols and codes
    ['€12.50', 'EUR', dot, 'amount "€12.50" contains the currency symbol "€": write digits with an optional decimal part, e.g. 1234.50, and put the currency code in the currency column'],
    ['12,50 €', 'EUR', comma, 'contains the currency symbol "€"'],
    ['$1,234.50', 'USD', dot, 'contains the currency symbol "$"'],
    ['£5', 'GBP', dot, 'contains the currency symbol "£"'],
    ['¥1500', 'JPY', dot, 'contains the currency symbol "¥"'],
    ['CHF 12.50', 'CHF', dot, 'amount "CHF 12.50" contains "CHF"'],
    ['12.50EUR', 'EUR', dot, 'contains "EUR"'],
    // parentheses
    ['(12.50)', 'EUR', dot, 'amount "(12.50)" has parentheses'],
    ['(12.50', 'EUR', dot, 'has parentheses'],
    // too many integer digits
    ['1234567890123', 'EUR', dot, 'amount "1234567890123" has 13 digits before the decimal separator: at most 12 are allowed'],
    ['1,234,567,890,123.00', 'EUR', dot, 'has 13 digits before the decimal separator'],
    ['1.234.567.890.123', 'EUR', comma, 'has 13 digits before the decimal separator'],
    // zero
    ['0', 'EUR', dot, 'amount "0" is zero: the amount must be more than 0'],
    ['0.00', 'EUR', dot, 'is zero'],
    ['000', 'EUR', dot, 'is zero'],
    ['0,00', 'EUR', comma, 'is zero'],
    ['0.001', 'EUR', dot, 'has 1 decimal places'.replace('1 decimal places', '3 decimal places')],
    // no integer digit / no decimal digit
    ['.50', 'EUR', dot, 'amount ".50" has no digit before the decimal separator: write 0.50'],
    [',50', 'EUR', comma, 'write 0,50'],
    ['12.', 'EUR', dot, 'amount "12." ends with the decimal separator'],
    // decimals beyond the currency's minor units (nothing is rounded)
    ['12.505', 'EUR', dot, 'amount "12.505" has 3 decimal places: at most 2 are allowed for EUR; nothing is rounded'],
    ['12.501', 'EUR', dot, 'nothing is rounded'],
    ['12,505', 'EUR', comma, 'has 3 decimal places'],
    ['1500.5', 'JPY', dot, 'amount "1500.5" has decimals, but JPY has no minor unit: write a whole number'],
    ['1.500', 'JPY', dot, 'if "." separates thousands here, run with --decimal-comma'],
    ['12.345', 'BHD', dot, 'has 3 decimal places: at most 2 are allowed (BHD has 3 minor units, but the gateway takes 2 decimals)'],
    ['1.234', 'EUR', dot, 'if "." separates thousands here, run with --decimal-comma'],
    // thousands groups
    ['1,23,456.00', 'INR', dot, 'must form thousands groups of exactly 3 digits'],
    ['1234,567.00', 'EUR', dot, 'must form thousands groups of exactly 3 digits'],
    ['12,3456', 'EUR', dot, 'must form thousands groups of exactly 3 digits'],
    ["1,234'567.00", 'EUR', dot, 'mixes thousands separators'],
    [`1${NBSP}234${NNBSP}567,00`, 'EUR', comma, 'mixes thousands separators'],
    ['1 234.50', 'EUR', dot, 'amount "1 234.50" contains a space'],
    ['1\u2019234.50', 'CHF', dot, 'contains a typographic apostrophe (U+2019)'],
    ['12.34.56', 'EUR', dot, 'has more than one decimal separator "."'],
    ['1.234.567', 'EUR', dot, 'if "." separates thousands here, run with --decimal-comma'],
    ['1,234,567', 'EUR', comma, 'if "," separates thousands here, run without --decimal-comma'],
    ['12.500,000', 'EUR', dot, 'amount "12.500,000" has "," after the decimal separator "."'],
    ['12.50,00', 'EUR', dot, 'amount "12.50,00" is ambiguous: use "." as the decimal separator (12.50), or run with --decimal-comma'],
    ['1,2345,67', 'EUR', dot, 'is ambiguous: use "." as the decimal separator'],
    // other shapes
    ['', 'EUR', dot, 'amount is empty: write digits with an optional decimal part, e.g. 1234.50'],
    ['   ', 'EUR', dot, 'amount is empty'],
    ['1.5E+3', 'EUR', dot, 'amount "1.5E+3" is in scientific notation'],
    ['twelve', 'EUR', dot, 'contains letters ("twelve")'],
    ['12/50', 'EUR', dot, 'contains "/"'],
  ] as const)('%j (%s, %o): %s', (raw, currency, opts, part) => {
    const r = parseAmount(raw, currency, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(part);
  });

  it('always starts with the column and the value as written', () => {
    for (const raw of ['-1', '12,50', '1 234', '(1)', '0', '€1', '1.2.3', '.5']) {
      const r = parseAmount(raw, 'EUR', dot);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message.startsWith(`amount ${JSON.stringify(raw)} `)).toBe(true);
    }
  });

  it('never shows a card number pasted into the amount', () => {
    const r = parseAmount('4111111111111111', 'EUR', dot);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).not.toContain('4111111111111111');
      expect(r.message).toContain('411111******1111');
    }
  });
});

describe('parseAmount: properties', () => {
  const amountish = fc.string({
    unit: fc.constantFrom(...'0123456789.,\'- +()€$eE\u00A0\u202F\u2009\u2212aX\t'.split('')),
    maxLength: 30,
  });

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), amountish),
        fc.constantFrom(undefined, 'EUR', 'JPY', 'BHD', 'xxx', ''),
        fc.boolean(),
        (raw, currency, decimalComma) => {
          const r = parseAmount(raw, currency, { decimalComma });
          if (r.ok) expect(r.value).toMatch(/^[1-9]\d{0,11}\.\d{2}$|^0\.(0[1-9]|[1-9]\d)$/);
          else expect(r.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the fast path for plain amounts gives exactly what the full grammar gives', () => {
    const plainish = fc.string({ unit: fc.constantFrom(...'0123456789.,'.split('')), maxLength: 16 });
    fc.assert(
      fc.property(
        fc.oneof(plainish, fc.stringMatching(/^0*\d{1,13}([.,]\d{0,3})?$/)),
        fc.constantFrom(undefined, 'EUR', 'JPY', 'BHD', 'CLF', 'xxx', ''),
        fc.boolean(),
        (raw, currency, decimalComma) => {
          expect(parseAmount(raw, currency, { decimalComma })).toEqual(parseAmountInFull(raw, currency, { decimalComma }));
        },
      ),
      { numRuns: 5000 },
    );
  });

  function group(digits: string, sep: string): string {
    if (sep === '') return digits;
    const head = digits.length % 3 || 3;
    const groups = [digits.slice(0, head)];
    for (let i = head; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
    return groups.join(sep);
  }

  it('any valid amount, written with any valid thousands separator, reads back as the same value', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 999_999_999_999n }),
        fc.constantFrom('', '5', '05', '50', '99', '1', '10'),
        fc.nat({ max: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.nat({ max: 3 }),
        (int, frac, extraZeros, decimalComma, useSep, sepIndex) => {
          fc.pre(int > 0n || /[1-9]/.test(frac));
          const seps = thousandsSeparators(decimalComma);
          const sep = useSep ? seps[sepIndex % seps.length]! : '';
          const dec = decimalComma ? ',' : '.';
          const decimals = frac + '0'.repeat(frac === '' ? 0 : extraZeros);
          const raw = group(String(int), sep) + (decimals === '' ? '' : dec + decimals);
          const expected = `${int}.${frac.padEnd(2, '0')}`;
          expect(parseAmount(raw, 'EUR', { decimalComma })).toEqual({ ok: true, value: expected });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('whole amounts read back the same in JPY, with any separator', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 999_999_999_999n }), fc.boolean(), fc.nat({ max: 4 }), (int, decimalComma, i) => {
        const seps = thousandsSeparators(decimalComma);
        const raw = group(String(int), seps[i % seps.length]!);
        expect(parseAmount(raw, 'JPY', { decimalComma })).toEqual({ ok: true, value: `${int}.00` });
      }),
    );
  });
});
