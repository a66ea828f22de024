/**
 * The `merchant_transaction_id` given in a file (docs/input.md#ids): kept
 * verbatim, so it must be printable ASCII of a length the gateway takes and
 * must not be, or hold, a card number.
 */
import { findCardNumbers, maskCardNumbersForOutput } from './card-mask.js';
import { describeChar, showValue } from './show-value.js';

export const MERCHANT_TRANSACTION_ID_MIN = 8;
export const MERCHANT_TRANSACTION_ID_MAX = 255;

/**
 * Check a `merchant_transaction_id` given in the file: 8–255 printable ASCII
 * characters, and not a card number — nor a masked one: a failed-rows file
 * carries a refused card-number id masked, and a rerun must not send that.
 * Returns the message, if any.
 */
export function merchantTransactionIdMessage(value: string): string | undefined {
  const allowed = `must be ${MERCHANT_TRANSACTION_ID_MIN} to ${MERCHANT_TRANSACTION_ID_MAX} printable ASCII characters (letters, digits, punctuation, space), or empty to let payops derive one`;
  const bad = /[^\x20-\x7E]/u.exec(value);
  if (bad) return `merchant_transaction_id ${showValue(value)} contains ${describeChar(bad[0])}: ${allowed}`;
  if (value.length < MERCHANT_TRANSACTION_ID_MIN || value.length > MERCHANT_TRANSACTION_ID_MAX) {
    return `merchant_transaction_id ${showValue(value)} has ${value.length} characters: ${allowed}`;
  }
  if (holdsCardNumber(value)) {
    return (
      `merchant_transaction_id ${showValue(maskCardNumbersForOutput(value))} looks like a card number (12 to 19 digits passing the Luhn check): ` +
      `a card number must never be used as an id (the id goes to the gateway and into every output as it is); ` +
      `use your own reference, e.g. ORDER-2026-0001, or leave it empty to let payops derive one`
    );
  }
  if (/\d{6}\*{2,9}\d{4}/.test(value.replace(/[ -]/g, ''))) {
    return (
      `merchant_transaction_id ${showValue(value)} holds a masked card number (as payops writes a card number it refused as an id): ` +
      `use your own reference, e.g. ORDER-2026-0001, or leave it empty to let payops derive one`
    );
  }
  return undefined;
}

/**
 * Whether a merchant transaction id is or holds a card number: 12–19 digits
 * passing Luhn, alone or grouped with single spaces or dashes
 * (`4111 1111 1111 1111`), beside a word or glued to letters
 * (`ORDER-4111111111111111`, `ORDER4111111111111111`) — what
 * `findCardNumbers` finds once letters and punctuation are out of the way. A
 * valid row's id is written unmasked to the outputs and the journal, so such
 * an id is refused. A longer run of digits (`20261124000123456789`) is not a
 * card number and passes.
 */
function holdsCardNumber(value: string): boolean {
  return findCardNumbers(value.replace(/[^\d \-]/g, '\n')).length > 0;
}
