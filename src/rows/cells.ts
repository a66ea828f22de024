/**
 * Cleaning one cell of a known field before it is validated (docs/input.md#cells).
 *
 * Spreadsheets pad cells with ordinary, no-break and thin spaces, and payops
 * itself escapes output cells that start with `=`, `+`, `-`, `@`, tab or CR by
 * prefixing `'` (docs/security.md#formulas). A cleaned cell reads back exactly
 * as the value that was escaped.
 */

/** Characters trimmed at both ends of a known field's cell. */
const EDGE_SPACE = '[ \\t\\r\\n\\u00A0\\u202F\\u2009\\uFEFF]+';
const LEADING = new RegExp(`^${EDGE_SPACE}`);
const TRAILING = new RegExp(`${EDGE_SPACE}$`);

/** What follows the `'` that payops writes in front of a formula-like output cell. */
const ESCAPED = /^'[=+\-@\t\r]/;

/** Whether a UTF-16 code unit is one of the EDGE_SPACE characters. */
function isEdgeSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0xa0 || c === 0x202f || c === 0x2009 || c === 0xfeff;
}

/** Trim spaces, no-break spaces (U+00A0, U+202F), thin spaces (U+2009), a stray BOM and tab/CR/LF at both ends. */
export function trimCell(raw: string): string {
  // Most cells have nothing to trim: no regular expression for them.
  if (raw === '' || (!isEdgeSpace(raw.charCodeAt(0)) && !isEdgeSpace(raw.charCodeAt(raw.length - 1)))) return raw;
  return raw.replace(LEADING, '').replace(TRAILING, '');
}

/**
 * Clean a known field's cell: trim it; if it then starts with `'` followed by
 * `=`, `+`, `-`, `@`, tab or CR, drop that one `'` (the escape payops adds on
 * output) and trim again, so `'=1` → `=1`, `'-5` → `-5`, ` '-5 ` → `-5` and
 * `'\t5` → `5` (the escaped value `\t5` would itself have been trimmed).
 *
 * Trimming comes first so that padding around an escaped cell does not hide
 * the escape; only one `'` is ever dropped (`''=1` stays as it is).
 */
export function cleanCell(raw: string | undefined | null): string {
  if (typeof raw !== 'string') return '';
  const trimmed = trimCell(raw);
  if (trimmed.charCodeAt(0) === 0x27 && ESCAPED.test(trimmed)) return trimCell(trimmed.slice(1));
  return trimmed;
}
