/**
 * Card data of a credit by card (docs/input.md#card-credits,
 * docs/security.md#card-data): the card number (Luhn; Excel damage and masked numbers told
 * apart), expiry, brand and holder. No message here ever holds a full card
 * number: numbers are shown masked, first 6 + last 4.
 */
import { fail, ok, type Parsed } from './parsed.js';
import { describeChar, showValue } from './show-value.js';
import { luhnValid, maskCardNumber } from './card-mask.js';

export {
  findCardNumbers,
  luhnCheckDigit,
  luhnValid,
  maskCardNumber,
  maskCardNumbersIn,
  maskCardNumbersThoroughly,
  type CardNumberMatch,
} from './card-mask.js';

const EXCEL_FIX =
  'format the card_number column as Text before pasting the numbers, or export them from the source system as text';

/**
 * When a cell holds a number Excel turned into scientific notation
 * (`4.11111E+15`, `4,11111E+15`), the message explaining it; else undefined.
 */
export function excelMangledMessage(raw: string, column = 'card_number'): string | undefined {
  const value = typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+(?:[.,]\d+)?[eE]\+?\d+$/.test(value)) return undefined;
  return (
    `${column} ${showValue(value)} is not a card number: Excel turned it into a number in scientific notation ` +
    `and lost its last digits, which cannot be recovered from this file; ${EXCEL_FIX}`
  );
}

/** Characters that stand in for hidden digits in a masked card number. */
const MASK_CHARS = /[*xX#•·…]/;
/** Separators allowed between digit groups of a card number. */
const CARD_GAPS = /[ \-\u00A0\u202F\u2009]/g;

/** The card number shown in a message: masked, never whole. */
function shownNumber(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (/^[\d \-\u00A0\u202F\u2009]*$/.test(value) && digits.length > 0) return JSON.stringify(maskCardNumber(digits));
  return showValue(value);
}

/**
 * Read a `card_number` cell: 12–19 digits (single spaces or dashes between
 * groups are dropped) passing Luhn → the digits. Otherwise a message that
 * shows the number masked: Excel's scientific notation, a masked number,
 * wrong length, a failed check digit (with a hint when Excel's 15-digit
 * precision turned the last digit into 0).
 */
export function parseCardNumber(raw: string): Parsed<string> {
  const value = typeof raw === 'string' ? raw.trim() : '';
  const allowed = 'must be the full card number, 12 to 19 digits';
  if (value === '') return fail(`card_number is empty: ${allowed}`);
  const excel = excelMangledMessage(value);
  if (excel) return fail(excel);
  if (MASK_CHARS.test(value) && /\d/.test(value)) {
    return fail(
      `card_number ${showValue(value)} is masked: payops needs the full card number to send a credit; ` +
        'supply it again, or use a registration (registration_id) instead',
    );
  }
  const digits = value.replace(CARD_GAPS, '');
  if (!/^\d+$/.test(digits)) {
    const other = /[^\d \-\u00A0\u202F\u2009]/u.exec(value);
    return fail(
      `card_number ${shownNumber(value)} contains ${describeChar(other ? other[0] : '?')}: ${allowed} (spaces or dashes between groups are fine)`,
    );
  }
  const shown = JSON.stringify(maskCardNumber(digits));
  if (digits.length < 12 || digits.length > 19) {
    return fail(`card_number ${shown} has ${digits.length} digits: ${allowed}`);
  }
  if (!luhnValid(digits)) {
    const excelHint =
      digits.length >= 16 && digits.endsWith('0')
        ? `; if it came from Excel, Excel keeps only 15 digits and replaced the last one with 0 — ${EXCEL_FIX}`
        : '';
    return fail(`card_number ${shown} fails the Luhn check: a digit is wrong or missing; check the number${excelHint}`);
  }
  return ok(digits);
}

/** Read `card_expiry_month`: 1–12 (`1` or `01`) → two digits. */
export function parseExpiryMonth(raw: string): Parsed<string> {
  const value = typeof raw === 'string' ? raw.trim() : '';
  const allowed = 'must be the month number, 1 to 12';
  if (value === '') return fail(`card_expiry_month is empty: ${allowed}`);
  const n = /^\d{1,2}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 12)) return fail(`card_expiry_month ${showValue(value)}: ${allowed}`);
  return ok(String(n).padStart(2, '0'));
}

/** Read `card_expiry_year`: 2 digits (`27` → `2027`) or 4 digits. */
export function parseExpiryYear(raw: string): Parsed<string> {
  const value = typeof raw === 'string' ? raw.trim() : '';
  const allowed = 'must be the year, with 2 or 4 digits (27 or 2027)';
  if (value === '') return fail(`card_expiry_year is empty: ${allowed}`);
  if (/^\d{2}$/.test(value)) return ok(`20${value}`);
  if (/^\d{4}$/.test(value)) return ok(value);
  return fail(`card_expiry_year ${showValue(value)}: ${allowed}`);
}

/**
 * Whether a card with this expiry has expired at `now`: a card is valid to
 * the end of its expiry month (compared in UTC). `month` is undefined when
 * the month cell was invalid; the year alone is then checked. Returns the
 * message, or undefined when the card has not expired.
 */
export function expiryMessage(month: string | undefined, year: string, now: Date): string | undefined {
  const nowYear = now.getUTCFullYear();
  const nowMonth = now.getUTCMonth() + 1;
  const y = Number(year);
  const today = `${String(nowMonth).padStart(2, '0')}/${nowYear}`;
  if (month === undefined) {
    if (y < nowYear) return `card_expiry_year "${year}": the card expired in ${year}; the expiry must not be in the past (now ${today})`;
    return undefined;
  }
  const m = Number(month);
  if (y < nowYear || (y === nowYear && m < nowMonth)) {
    return (
      `card_expiry_month/card_expiry_year "${month}/${year}": the card expired at the end of ${month}/${year}; ` +
      `the expiry must not be in the past (now ${today})`
    );
  }
  return undefined;
}

/** Read `payment_brand`: required, upper-cased, letters, digits and `_` (VISA, MASTER, AMEX…). */
export function parseBrand(raw: string): Parsed<string> {
  const value = typeof raw === 'string' ? raw.trim() : '';
  const allowed = 'must be the gateway\'s brand code, such as VISA, MASTER or AMEX (letters, digits and _, at most 32)';
  if (value === '') return fail(`payment_brand is empty: ${allowed}`);
  const upper = value.toUpperCase();
  if (!/^[A-Z0-9_]{1,32}$/.test(upper)) return fail(`payment_brand ${showValue(value)}: ${allowed}`);
  return ok(upper);
}

/** Most characters the gateway takes for `card.holder`. */
export const HOLDER_MAX = 128;

/** Read `card_holder`: required, at most 128 characters, no control characters. */
export function parseHolder(raw: string): Parsed<string> {
  const value = typeof raw === 'string' ? raw.trim() : '';
  const allowed = `must be the card holder's name, up to ${HOLDER_MAX} characters`;
  if (value === '') return fail(`card_holder is empty: ${allowed}`);
  const control = /[\u0000-\u001F\u007F-\u009F]/u.exec(value);
  if (control) return fail(`card_holder ${showValue(value)} contains ${describeChar(control[0])}: ${allowed}`);
  const length = Array.from(value).length;
  if (length > HOLDER_MAX) return fail(`card_holder ${showValue(value)} has ${length} characters: ${allowed}`);
  return ok(value);
}
