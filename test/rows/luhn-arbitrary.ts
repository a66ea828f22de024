import fc from 'fast-check';
import { luhnCheckDigit } from '../../src/rows/card.js';

/** A Luhn-valid card number of 12 to 19 digits. */
export const cardNumber = (): fc.Arbitrary<string> =>
  fc
    .integer({ min: 12, max: 19 })
    .chain((length) => fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: length - 1, maxLength: length - 1 }))
    .map((partial) => partial + luhnCheckDigit(partial));

/** The card number as a person might type it: plain, or grouped by 4 with spaces or dashes. */
export const typedCardNumber = (): fc.Arbitrary<{ digits: string; typed: string }> =>
  fc.tuple(cardNumber(), fc.constantFrom('', ' ', '-')).map(([digits, sep]) => ({
    digits,
    typed: sep === '' ? digits : (digits.match(/.{1,4}/g) ?? []).join(sep),
  }));
