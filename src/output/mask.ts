/**
 * Card-number masking for everything the output folder writes (SPEC §3 "Card
 * data and secrets"): a card number appears only as first 6 + `*` + last 4
 * (`411111******1111`).
 *
 * Deliberately Luhn-free: any run of 12 or more digits, optionally with a
 * single space, dash or no-break/thin space between digits, is masked —
 * whether or not it passes the check digit, and even when it is glued to
 * letters. Outputs are the last line of defence, so this errs towards hiding
 * a long number that was not a card (an order number of 12+ digits in a
 * user's note column) over ever writing one that was. Identifiers payops
 * itself relies on (a valid row's ids and amounts, the merchant transaction
 * id used) are not passed through here; see input-cells.ts.
 *
 * (src/rows/card.ts has a Luhn-aware `maskCardNumbersIn` for messages; the
 * two are to be folded together.)
 */

/** Fewest digits of a card number (ISO/IEC 7812). */
const MIN_DIGITS = 12;

/** A run of at least 12 digits, each pair separated by at most one gap character. */
const DIGIT_RUN = /\d(?:[ \-\u00A0\u202F\u2009]?\d){11,}/g;
/** The same, as a quick test (a fixed count is faster for V8 to reject). */
const HAS_DIGIT_RUN = /\d(?:[ \-\u00A0\u202F\u2009]?\d){11}/;

/**
 * Mask one number as first 6 + `*`… + last 4 of its digits (non-digits are
 * dropped): `4111 1111 1111 1111` → `411111******1111`. Fewer than 12 digits
 * cannot be a whole card number; they show only the last 4 (at most), so a
 * short value never comes out whole either.
 */
export function maskCardNumber(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length >= MIN_DIGITS) return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
  const keep = Math.min(4, Math.max(0, digits.length - 4));
  return '*'.repeat(digits.length - keep) + digits.slice(digits.length - keep);
}

/**
 * The value of a `card_number` cell as written out: masked when it holds 12
 * or more digits (a full card number may be in it), otherwise unchanged — an
 * empty cell stays empty and Excel's `4.11111E+15` stays readable, so the
 * user sees why the row was refused.
 */
export function maskCardCell(cell: string): string {
  let digits = 0;
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++digits >= MIN_DIGITS) return maskCardNumber(cell);
  }
  return cell;
}

/**
 * Free text with every run of 12+ digits (single spaces or dashes allowed
 * between digits) replaced by its masked form. Text without such a run is
 * returned as is.
 */
export function maskCardNumbersIn(text: string): string {
  if (text.length < MIN_DIGITS || !HAS_DIGIT_RUN.test(text)) return text;
  return text.replace(DIGIT_RUN, maskCardNumber);
}

/** Keys whose values never go into a log or summary, whatever a caller passes. */
const SECRET_KEY = /token|secret|password|authori[sz]ation|credential/i;

/**
 * A JSON-able value made safe to print: every string card-masked (as
 * {@link maskCardNumbersIn}) and every property whose name smells of a secret
 * (token, password, authorization…) dropped. payops never hands the access
 * token to the output folder; this keeps a mistake from printing it.
 */
export function safeForLog<T>(value: T): T {
  if (typeof value === 'string') return maskCardNumbersIn(value) as T;
  if (Array.isArray(value)) return value.map((v) => safeForLog(v)) as T;
  if (value !== null && typeof value === 'object') {
    if (value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!SECRET_KEY.test(k)) out[k] = safeForLog(v);
    }
    return out as T;
  }
  return value;
}
