import { describe, expect, it } from 'vitest';
import { safeForLog } from '../../src/output/json-log.js';
import { maskCardCell, maskCardNumber, maskCardNumbersForOutput as maskCardNumbersIn } from '../../src/rows/card-mask.js';

describe('maskCardNumber', () => {
  it('keeps the first 6 and last 4 digits', () => {
    expect(maskCardNumber('4111111111111111')).toBe('411111******1111');
    expect(maskCardNumber('4111 1111 1111 1111')).toBe('411111******1111');
    expect(maskCardNumber('378282246310005')).toBe('378282*****0005');
    expect(maskCardNumber('6011000990139424123')).toBe('601100*********4123');
  });
  it('never shows a short number whole', () => {
    expect(maskCardNumber('12345678')).toBe('****5678');
    expect(maskCardNumber('123')).toBe('***');
  });
});

describe('maskCardCell', () => {
  it('masks a card_number cell with 12 or more digits, whatever the grouping', () => {
    expect(maskCardCell('4111111111111111')).toBe('411111******1111');
    expect(maskCardCell('4111-1111-1111-1111')).toBe('411111******1111');
    expect(maskCardCell(' 5555 5555 5555 4444 ')).toBe('555555******4444');
  });
  it("keeps what cannot be a card number, so the user sees why the row failed", () => {
    expect(maskCardCell('')).toBe('');
    expect(maskCardCell('4.11111E+15')).toBe('4.11111E+15');
    expect(maskCardCell('411111******1111')).toBe('411111******1111');
  });
});

describe('maskCardNumbersIn (free text)', () => {
  it('masks card numbers inside text, plain or grouped with spaces or dashes', () => {
    expect(maskCardNumbersIn('customer paid with 4111111111111111 yesterday')).toBe('customer paid with 411111******1111 yesterday');
    expect(maskCardNumbersIn('card 4111 1111 1111 1111.')).toBe('card 411111******1111.');
    expect(maskCardNumbersIn('card 5555-5555-5555-4444, again 4012888888881881')).toBe(
      'card 555555******4444, again 401288******1881',
    );
  });
  it('masks a card number glued to letters', () => {
    expect(maskCardNumbersIn('ref:x4111111111111111y')).toBe('ref:x411111******1111y');
  });
  it('leaves digit runs with no Luhn-valid 12–19 digit stretch alone: an order or phone number is not a card', () => {
    expect(maskCardNumbersIn('order 202611240001')).toBe('order 202611240001');
    expect(maskCardNumbersIn('call +49 30 1234 5677')).toBe('call +49 30 1234 5677');
  });

  it('masks a Luhn-valid stretch inside a longer number in place (it may be a card with a digit typed before or after)', () => {
    expect(maskCardNumbersIn('4111111111111112')).toBe('411111111***1112'); // its last 13 digits pass Luhn
  });

  it('masks a card number hidden in a longer run of digits', () => {
    const out = maskCardNumbersIn('0004111111111111111000');
    expect(out).not.toContain('4111111111111111');
    expect(out).toBe('000411************1000');
  });
  it('leaves short numbers, dates, amounts and ids alone', () => {
    for (const text of [
      'already done on 2026-11-23 by refunds.csv line 7',
      'amount 1234567.50 EUR',
      'payment 8a82944a4cc25ebf014cc2c782423202',
      'call +49 30 123456',
      'order 12345678901',
      '2026-11-24T05:00:00.000Z',
    ]) {
      expect(maskCardNumbersIn(text)).toBe(text);
    }
  });
});

describe('safeForLog', () => {
  it('masks every string and drops keys that name a secret', () => {
    const value = {
      input: 'refunds.csv',
      error: 'card 4111111111111111 refused',
      nested: [{ note: '5555 5555 5555 4444' }],
      token: 'OGE4Mjk0MTc0YjdlY2IyODAxNGI5Njk5MjIwMDE1Y2N8c3k2S0pzVDg=',
      accessToken: 'x',
      Authorization: 'Bearer y',
      count: 3,
    };
    expect(safeForLog(value)).toEqual({
      input: 'refunds.csv',
      error: 'card 411111******1111 refused',
      nested: [{ note: '555555******4444' }],
      count: 3,
    });
  });
});

describe('issue 13: card numbers whatever separates their groups', () => {
  it.each([
    '4111.1111.1111.1111', '4111/1111/1111/1111', '4111_1111_1111_1111', '4111|1111|1111|1111', '4111:1111:1111:1111',
    "4111'1111'1111'1111", '4111  1111  1111  1111', '4111 - 1111 - 1111 - 1111', '4111\t1111\t1111\t1111', '4111–1111–1111–1111',
  ])('%j is masked', (pan) => {
    const out = maskCardNumbersIn(`note: ${pan} (pasted)`);
    expect(out).toBe('note: 411111******1111 (pasted)');
  });

  it('amounts, dates, times and numbers failing Luhn are left alone', () => {
    for (const t of ['12.50', '2026-12-01T20:05:38.414Z', 'order 123456789012', '1,234,567.50; 2,000.00']) {
      expect(maskCardNumbersIn(t)).toBe(t);
    }
  });
});
