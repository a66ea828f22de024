/**
 * Gateway ids (docs/input.md#ids): `payment_id`, `entity_id`, `registration_id`
 * are 32 hexadecimal characters, either case in the file, sent lower-case.
 */
import { fail, ok, type Parsed } from './parsed.js';
import { describeChar, showValue } from './show-value.js';

const ID = /^[0-9a-fA-F]{32}$/;

/** True when `s` is exactly 32 hexadecimal characters (either case). */
export function isId(s: string): boolean {
  return typeof s === 'string' && ID.test(s);
}

/**
 * Read an id cell (already cleaned) of the given column: lower-case on
 * success; otherwise a message naming the column, the value, and what is
 * allowed, e.g. `payment_id "abc": must be 32 hexadecimal characters (0-9, a-f); it has 3 characters`.
 */
export function parseId(raw: string, column: string): Parsed<string> {
  const value = typeof raw === 'string' ? raw.trim() : '';
  const allowed = 'must be 32 hexadecimal characters (0-9, a-f)';
  if (value === '') return fail(`${column} is empty: ${allowed}`);
  if (ID.test(value)) return ok(value.toLowerCase());
  const shown = showValue(value);
  if (/^\d+(?:[.,]\d+)?[eE]\+?\d+$/.test(value)) {
    return fail(
      `${column} ${shown} is a number in scientific notation: Excel turned the id into a number and lost digits; ` +
        `${allowed} — format the column as Text before pasting, or export it from the source system as text`,
    );
  }
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)) {
    return fail(`${column} ${shown} has dashes: ${allowed}, without dashes`);
  }
  const nonHex = /[^0-9a-fA-F]/u.exec(value);
  const length = Array.from(value).length;
  if (nonHex) {
    return fail(`${column} ${shown}: ${allowed}; ${describeChar(nonHex[0])} is not hexadecimal`);
  }
  return fail(`${column} ${shown}: ${allowed}; it has ${length} characters`);
}
