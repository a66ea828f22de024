import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expiryMessage,
  findCardNumbers,
  luhnValid,
  maskCardNumber,
  maskCardNumbersIn,
  maskCardNumbersThoroughly,
  parseBrand,
  parseCardNumber,
  parseExpiryMonth,
  parseExpiryYear,
  parseHolder,
} from '../../src/rows/card.js';
import { cardNumber, typedCardNumber } from './luhn-arbitrary.js';

const VISA = '4111111111111111';

function message(r: { ok: true } | { ok: false; message: string }): string {
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.message;
}

describe('luhnValid', () => {
  it.each([
    [VISA, true],
    ['5555555555554444', true],
    ['378282246310005', true],
    ['6011111111111117', true],
    ['79927398713', true],
    ['4111111111111112', false],
    ['4111111111111110', false],
    ['', false],
    ['4111 1111 1111 1111', false],
    ['abc', false],
  ])('%j → %s', (digits, valid) => {
    expect(luhnValid(digits)).toBe(valid);
  });
});

describe('maskCardNumber', () => {
  it.each([
    [VISA, '411111******1111'],
    ['4111 1111 1111 1111', '411111******1111'],
    ['4111-1111-1111-1111', '411111******1111'],
    ['378282246310005', '378282*****0005'],
    ['4111111111111111110', '411111*********1110'],
    ['411111111111', '411111**1111'],
    ['12345678', '****5678'],
    ['123', '***'],
  ])('%j → %s', (n, masked) => {
    expect(maskCardNumber(n)).toBe(masked);
  });
});

describe('findCardNumbers / maskCardNumbersIn', () => {
  it.each([
    ['paid with 4111111111111111 on Monday', 'paid with 411111******1111 on Monday'],
    ['4111 1111 1111 1111', '411111******1111'],
    ['card: 4111-1111-1111-1111.', 'card: 411111******1111.'],
    ['5555555555554444;378282246310005', '555555******4444;378282*****0005'],
    ['4111111111111111.00', '411111******1111.00'],
    ['4111111111111111 2027', '411111******1111 2027'],
    ['expires 12 2027 card 4111 1111 1111 1111', 'expires 12 2027 card 411111******1111'],
    // not cards: Luhn fails, too short, too long, or inside a word (a hex id)
    ['4111111111111112', '4111111111111112'],
    ['79927398713', '79927398713'],
    ['41111111111111111111', '41111111111111111111'],
    ['ab4111111111111111cd', 'ab4111111111111111cd'],
    ['8a8294174b7ecb28014b9699220015ca', '8a8294174b7ecb28014b9699220015ca'],
    ['1234 5678', '1234 5678'],
  ])('%j → %j', (text, masked) => {
    expect(maskCardNumbersIn(text)).toBe(masked);
  });

  it('reports where each card number is', () => {
    expect(findCardNumbers('x 4111 1111 1111 1111 y')).toEqual([{ start: 2, end: 21, digits: VISA }]);
    expect(findCardNumbers('nothing here')).toEqual([]);
  });

  it('leaves a hex id whose digits would pass Luhn untouched', () => {
    // 16 digits passing Luhn, glued to hex letters on both sides
    const id = `ab${VISA}cdef0123456789ab`;
    expect(maskCardNumbersIn(id)).toBe(id);
  });

  it('masks any typed card number standing in free text', () => {
    fc.assert(
      fc.property(typedCardNumber(), fc.string(), fc.string(), (card, before, after) => {
        const text = `${before} ${card.typed} ${after}`;
        const masked = maskCardNumbersIn(text);
        expect(masked.replace(/[ -]/g, '')).not.toContain(card.digits.replace(/[ -]/g, ''));
        expect(masked).not.toContain(card.typed);
      }),
      { numRuns: 500 },
    );
  });
});

describe('maskCardNumbersThoroughly (for messages)', () => {
  it.each([
    ['x4111111111111111', 'x411111******1111'],
    ['ref4111111111111111end', 'ref411111******1111end'],
  ])('%j → %j', (text, expected) => {
    expect(maskCardNumbersThoroughly(text)).toBe(expected);
  });

  it('hides a card number inside a longer run of digits', () => {
    const out = maskCardNumbersThoroughly(`9${VISA}`);
    expect(out).not.toContain(VISA);
    expect(out.startsWith('9411111*')).toBe(true);
  });

  it('hides a card number glued to anything', () => {
    fc.assert(
      fc.property(cardNumber(), fc.string(), fc.string(), (digits, before, after) => {
        expect(maskCardNumbersThoroughly(before + digits + after)).not.toContain(digits);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the first 6 and last 4 digits of a card standing alone', () => {
    expect(maskCardNumbersThoroughly(`card ${VISA}`)).toBe('card 411111******1111');
    expect(maskCardNumbersThoroughly('4111 1111 1111 1111')).toBe('4111 11** **** 1111');
  });
});

describe('parseCardNumber', () => {
  it.each([
    [VISA, VISA],
    ['4111 1111 1111 1111', VISA],
    ['4111-1111-1111-1111', VISA],
    ['378282246310005', '378282246310005'],
  ])('%j → its digits', (raw, digits) => {
    expect(parseCardNumber(raw)).toEqual({ ok: true, value: digits });
  });

  it.each(['4.11111E+15', '4,11111E+15', '4.11111e+15', '4.11111E15'])(
    '%j from Excel says why it cannot be used and how to fix the export',
    (raw) => {
      const m = message(parseCardNumber(raw));
      expect(m).toContain(`card_number ${JSON.stringify(raw)}`);
      expect(m).toContain('Excel turned it into a number in scientific notation and lost its last digits');
      expect(m).toContain('format the card_number column as Text before pasting');
      expect(m).toContain('export them from the source system as text');
    },
  );

  it.each(['411111******1111', 'XXXX XXXX XXXX 1111', '4111 11## #### 1111'])('masked %j is not accepted', (raw) => {
    const m = message(parseCardNumber(raw));
    expect(m).toContain('is masked: payops needs the full card number');
    expect(m).toContain('registration_id');
  });

  it.each([
    ['4111111111111112', 'card_number "411111******1112" fails the Luhn check'],
    ['4111111111111110', 'Excel keeps only 15 digits'],
    ['41111111111', 'card_number "*******1111" has 11 digits: must be the full card number, 12 to 19 digits'],
    ['41111111111111111111', 'has 20 digits: must be the full card number, 12 to 19 digits'],
    ['4111abcd11111111', 'contains "a"'],
    ['', 'card_number is empty'],
  ])('%j: %s', (raw, part) => {
    const m = message(parseCardNumber(raw));
    expect(m).toContain(part);
    if (raw.replace(/\D/g, '').length >= 12) expect(m).not.toContain(raw.replace(/\D/g, ''));
  });

  it('never shows the card number it refuses', () => {
    fc.assert(
      fc.property(typedCardNumber(), fc.integer({ min: 0, max: 18 }), fc.constantFrom('x', '.', '/', '*', ''), (card, at, junk) => {
        // break the number one way or another: a stray character, or a changed check digit
        const broken = junk
          ? card.typed.slice(0, at) + junk + card.typed.slice(at)
          : card.digits.slice(0, -1) + String((Number(card.digits.slice(-1)) + 1) % 10);
        const r = parseCardNumber(broken);
        if (!r.ok) {
          expect(r.message).not.toContain(card.digits);
          expect(r.message).not.toContain(card.typed);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('expiry', () => {
  it.each([
    ['1', '01'],
    ['01', '01'],
    ['9', '09'],
    ['12', '12'],
  ])('month %j → %s', (raw, month) => {
    expect(parseExpiryMonth(raw)).toEqual({ ok: true, value: month });
  });

  it.each(['0', '00', '13', 'Jan', '1.0', '-1', '', '001'])('month %j is refused, saying 1 to 12', (raw) => {
    expect(message(parseExpiryMonth(raw))).toMatch(/^card_expiry_month .*must be the month number, 1 to 12/);
  });

  it.each([
    ['27', '2027'],
    ['2027', '2027'],
    ['2030', '2030'],
  ])('year %j → %s', (raw, year) => {
    expect(parseExpiryYear(raw)).toEqual({ ok: true, value: year });
  });

  it.each(['7', '202', '20277', '27.0', 'next', ''])('year %j is refused, saying 2 or 4 digits', (raw) => {
    expect(message(parseExpiryYear(raw))).toContain('must be the year, with 2 or 4 digits (27 or 2027)');
  });

  const now = new Date('2026-11-24T10:00:00Z');
  it.each([
    ['11', '2026', undefined],
    ['12', '2026', undefined],
    ['01', '2027', undefined],
    ['10', '2026', 'the card expired at the end of 10/2026; the expiry must not be in the past (now 11/2026)'],
    ['12', '2025', 'the card expired at the end of 12/2025'],
    [undefined, '2025', 'card_expiry_year "2025": the card expired in 2025'],
    [undefined, '2026', undefined],
  ])('%s/%s at 2026-11-24: %s', (month, year, expected) => {
    const m = expiryMessage(month, year, now);
    if (expected === undefined) expect(m).toBeUndefined();
    else expect(m).toContain(expected);
  });
});

describe('brand and holder', () => {
  it.each([
    ['VISA', 'VISA'],
    ['visa', 'VISA'],
    ['Master', 'MASTER'],
    ['DINERS_CLUB', 'DINERS_CLUB'],
  ])('brand %j → %s', (raw, brand) => {
    expect(parseBrand(raw)).toEqual({ ok: true, value: brand });
  });

  it.each(['', 'visa card', 'VISA!', 'A'.repeat(33), 'visa-electron'])('brand %j is refused', (raw) => {
    expect(message(parseBrand(raw))).toMatch(/^payment_brand .*such as VISA, MASTER or AMEX/);
  });

  it('takes any holder name up to 128 characters', () => {
    expect(parseHolder('Jane Doe')).toEqual({ ok: true, value: 'Jane Doe' });
    expect(parseHolder('José Müller-Łódź')).toEqual({ ok: true, value: 'José Müller-Łódź' });
    expect(message(parseHolder(''))).toContain("card_holder is empty: must be the card holder's name");
    expect(message(parseHolder('x'.repeat(129)))).toContain('has 129 characters');
    expect(message(parseHolder('Jane\u0007Doe'))).toContain('contains the control character U+0007');
  });

  it('never shows a card number typed in the holder column', () => {
    expect(message(parseHolder(`${VISA}\u0001`))).not.toContain(VISA);
  });
});
