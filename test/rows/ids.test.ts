import { describe, expect, it } from 'vitest';
import { isId, parseId } from '../../src/rows/ids.js';

const ID = '8a8294174b7ecb28014b9699220015ca';

describe('parseId', () => {
  it.each([
    [ID, ID],
    [ID.toUpperCase(), ID],
    ['8A8294174b7ECB28014b9699220015CA', ID],
    [` ${ID} `, ID],
  ])('%j → %s', (raw, value) => {
    expect(parseId(raw, 'payment_id')).toEqual({ ok: true, value });
  });

  it.each([
    ['abc', 'payment_id', 'payment_id "abc": must be 32 hexadecimal characters (0-9, a-f); it has 3 characters'],
    [ID.slice(1), 'entity_id', `entity_id "${ID.slice(1)}": must be 32 hexadecimal characters (0-9, a-f); it has 31 characters`],
    [ID + '0', 'payment_id', 'it has 33 characters'],
    [ID.slice(0, 31) + 'g', 'registration_id', `registration_id "${ID.slice(0, 31)}g": must be 32 hexadecimal characters (0-9, a-f); "g" is not hexadecimal`],
    [ID.slice(0, 16) + ' ' + ID.slice(16), 'payment_id', 'a space is not hexadecimal'],
    ['8a829417-4b7e-cb28-014b-9699220015ca', 'payment_id', 'has dashes: must be 32 hexadecimal characters (0-9, a-f), without dashes'],
    ['8.02941E+31', 'payment_id', 'Excel turned the id into a number and lost digits'],
    ['', 'payment_id', 'payment_id is empty: must be 32 hexadecimal characters'],
  ])('%j in %s is refused: %s', (raw, column, message) => {
    const r = parseId(raw, column);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });
});

describe('isId', () => {
  it('takes 32 hex characters of either case, nothing else', () => {
    expect(isId(ID)).toBe(true);
    expect(isId(ID.toUpperCase())).toBe(true);
    expect(isId(`${ID}\n`)).toBe(false);
    expect(isId(ID.slice(2))).toBe(false);
    expect(isId('z'.repeat(32))).toBe(false);
  });
});
