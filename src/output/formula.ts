/**
 * Formula safety (docs/security.md#formulas): an output cell that starts with `=`, `+`, `-`,
 * `@`, tab or CR is prefixed with `'`, so a spreadsheet shows it as text and
 * does not evaluate it. The input side drops that `'` again from payops'
 * fields (docs/input.md#cells), so a failed-rows file reads back as it was. A cell that
 * already starts with `'` is left alone, so user columns do not grow a `'`
 * on every rerun.
 *
 * The CSV writer applies this to every cell it writes, header included.
 */

/** Whether a spreadsheet could take `cell` for a formula. */
export function isFormulaLike(cell: string): boolean {
  if (cell.length === 0) return false;
  const c = cell.charCodeAt(0);
  // = + - @ \t \r
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/** `cell`, with a `'` in front when it could be read as a formula. */
export function neutraliseFormula(cell: string): string {
  return isFormulaLike(cell) ? "'" + cell : cell;
}
