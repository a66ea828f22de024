import { describe, expect, it } from 'vitest';
import {
  ACTIVE_CURRENCY_CODES,
  ISO4217_AS_OF,
  isActiveCurrency,
  minorUnits,
  parseCurrency,
} from '../../src/rows/currencies.js';

describe('ISO 4217 table', () => {
  it('is dated', () => {
    expect(ISO4217_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(ISO4217_AS_OF >= '2026-03-31').toBe(true);
  });

  it.each([
    ['EUR', 2],
    ['USD', 2],
    ['GBP', 2],
    ['CHF', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['ISK', 0],
    ['CLP', 0],
    ['XOF', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['JOD', 3],
    ['TND', 3],
    ['ZWG', 2],
    ['XCG', 2],
    ['SLE', 2],
    ['VES', 2],
    ['VED', 2],
    ['eur', 2],
    ['Jpy', 0],
  ])('%s is active with %i minor units', (code, units) => {
    expect(isActiveCurrency(code)).toBe(true);
    expect(minorUnits(code)).toBe(units);
  });

  it.each([
    // withdrawn
    'ANG', 'HRK', 'BGN', 'ZWL', 'SLL', 'CUC', 'VEF', 'USS',
    // funds codes
    'BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW', 'XAD',
    // test and no-currency
    'XTS', 'XXX',
    // precious metals
    'XAU', 'XAG', 'XPD', 'XPT',
    // bond-market units and other units of account
    'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XSU', 'XUA',
    // not codes at all
    '', 'EU', 'EURO', 'ABC', '€', '123', 'constructor', 'toString',
  ])('%j is not an active currency', (code) => {
    expect(isActiveCurrency(code)).toBe(false);
    expect(minorUnits(code)).toBeUndefined();
  });

  it('holds only three-letter codes with 0, 2 or 3 minor units', () => {
    expect(ACTIVE_CURRENCY_CODES.length).toBeGreaterThan(150);
    for (const code of ACTIVE_CURRENCY_CODES) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3]).toContain(minorUnits(code));
    }
  });
});

describe('parseCurrency', () => {
  it.each([
    ['EUR', 'EUR'],
    ['eur', 'EUR'],
    ['usd', 'USD'],
    ['Xcg', 'XCG'],
  ])('%j → %s', (raw, code) => {
    expect(parseCurrency(raw)).toEqual({ ok: true, value: code });
  });

  it.each([
    ['', 'currency is empty: must be an active ISO 4217 currency code'],
    ['HRK', 'currency "HRK" is withdrawn (Croatia adopted the euro on 2023-01-01): use EUR'],
    ['BGN', 'currency "BGN" is withdrawn (Bulgaria adopted the euro on 2026-01-01): use EUR'],
    ['ang', 'currency "ang" is withdrawn on 2026-03-31'],
    ['ZWL', 'use ZWG'],
    ['SLL', 'use SLE'],
    ['XTS', 'currency "XTS" is the ISO 4217 code reserved for testing'],
    ['XAU', 'currency "XAU" is a precious metal (gold), not a currency'],
    ['CHE', 'a funds code'],
    ['XBA', 'a bond-market unit'],
    ['XDR', 'special drawing right'],
    ['ABC', 'currency "ABC" is not an active ISO 4217 currency'],
    ['€', 'currency "€" is a symbol: write the code EUR'],
    ['EURO', 'currency "EURO": must be an active ISO 4217 currency code'],
  ])('%j is refused, saying %j', (raw, message) => {
    const r = parseCurrency(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(message);
      // every message says what to write instead
      expect(r.message).toMatch(/use [A-Z]{3}$|such as EUR|write the code [A-Z]{3}/);
    }
  });
});
