/**
 * Workbook cells as the user sees them (issue 15): the text a cell gives
 * payops, and why a cell of one of payops' fields cannot be used as it is.
 *
 * - text (shared, inline, or a formula's text result) is the text;
 * - a number is written without float noise, to Excel's 15 significant
 *   digits, as a plain decimal (`0.30000000000000004` → `0.3`, `1e21` →
 *   `1000000000000000000000`): the row validator formats amounts from it;
 * - a date (a number under a date format) is `2026-11-24` or
 *   `2026-11-24 13:05:00`; a boolean `TRUE` / `FALSE`; an error `#N/A`;
 * - a formula gives its saved (cached) result; without one it gives '' and
 *   a problem.
 *
 * Problems: an id or card number typed as a number (Excel has already cut it
 * to 15 significant digits), a date or boolean in amount, an error value or
 * a formula without a saved result in any of payops' fields.
 */
import type { Field } from '../rows/types.js';

export type CellKind = 'text' | 'number' | 'date' | 'boolean' | 'error' | 'no-result';

export interface ReadCell {
  kind: CellKind;
  /** What payops reads. */
  text: string;
  /** The formula, when the cell has one (without `=`). */
  formula?: string;
}

/** Fields whose values are identifiers: a number cell has lost digits (or will). */
const ID_FIELDS: ReadonlySet<Field> = new Set<Field>(['payment_id', 'registration_id', 'entity_id', 'merchant_transaction_id', 'card_number']);

/** `D`, `AA`, … for a 1-based column number. */
export function columnLetters(column: number): string {
  let n = column;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** 1-based column number of a reference such as `D7` (0 when it has no letters). */
export function columnOfRef(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) n = n * 26 + (c - 64);
    else if (c >= 97 && c <= 122) n = n * 26 + (c - 96);
    else break;
    if (n > 1e6) break;
  }
  return n;
}

/** A number as Excel keeps it (15 significant digits), as a plain decimal without exponent. */
export function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return '0';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const p = n.toPrecision(15);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(p);
  if (!m) return p;
  const sign = m[1]!;
  let digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4] ?? '0');
  // The decimal point sits after digit number (integer digits + exp).
  let point = m[2]!.length + exp;
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    digits = digits + '0'.repeat(point - digits.length);
  }
  let int: string = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const frac = digits.slice(point).replace(/0+$/, '');
  if (int === '') int = '0';
  const text = frac === '' ? int : `${int}.${frac}`;
  return text === '0' ? '0' : sign + text;
}

/** An Excel date serial as `YYYY-MM-DD`, with ` HH:MM:SS` when it has a time. */
export function dateText(serial: number, date1904: boolean): string {
  // 1900 system: serial 25569 is 1970-01-01 (Excel's phantom 1900-02-29 is serial 60).
  const days = date1904 ? serial + 1462 : serial < 60 ? serial + 1 : serial;
  const ms = Math.round((days - 25569) * 86_400_000);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return numberText(serial);
  const iso = d.toISOString(); // 2026-11-24T13:05:00.000Z
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  return time === '00:00:00' ? date : `${date} ${time}`;
}

/** Whether a number format shows a date or time (Excel's rule: y m d h s outside quotes and brackets). */
export function isDateFormat(format: string | undefined, numFmtId: number | undefined): boolean {
  if (numFmtId !== undefined && ((numFmtId >= 14 && numFmtId <= 22) || (numFmtId >= 27 && numFmtId <= 36) || (numFmtId >= 45 && numFmtId <= 47) || (numFmtId >= 50 && numFmtId <= 58))) {
    return true;
  }
  if (!format) return false;
  const f = format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '').replace(/\\./g, '');
  if (/^general$/i.test(f.trim())) return false;
  return /[ymdhs]/i.test(f.replace(/E[+-]/gi, ''));
}

/** Why a cell of `field` cannot be used as it is; undefined when it can. */
export function cellProblem(field: Field | undefined, cell: ReadCell): string | undefined {
  if (cell.kind === 'no-result') {
    const what = field ?? 'this cell';
    return (
      `${what} is a formula (=${shorten(cell.formula ?? '')}) with no saved result: the workbook was saved by a program that does not calculate formulas. ` +
      `Open it in Excel or LibreOffice and save it again, or type the value in place of the formula`
    );
  }
  if (field === undefined) return undefined;
  if (cell.kind === 'error') return `${field} holds the error ${cell.text}${cell.formula !== undefined ? ` (from the formula =${shorten(cell.formula)})` : ''}: fix the formula or type the value`;
  if (ID_FIELDS.has(field) && (cell.kind === 'number' || cell.kind === 'date')) {
    const shown = field === 'card_number' ? '' : ` (${cell.text})`;
    return (
      `${field} is a number cell${shown}: Excel keeps only 15 significant digits of a number, so an id or card number typed as a number ` +
      `may have lost digits. Format the column as Text and enter the value again`
    );
  }
  if (field === 'amount' && cell.kind === 'date') {
    return `amount is a date cell (${cell.text}): an amount must be a number such as 12.50. Format the cell as Number and enter the amount again`;
  }
  if (field === 'amount' && cell.kind === 'boolean') {
    return `amount is a TRUE/FALSE cell (${cell.text}): an amount must be a number such as 12.50. Enter the amount again`;
  }
  return undefined;
}

function shorten(formula: string): string {
  return formula.length > 60 ? formula.slice(0, 57) + '...' : formula;
}
