/**
 * CSV text in an output dialect, written by csv-stringify's synchronous API
 * (docs/outputs.md#files): RFC 4180 quoting — a cell is quoted when it holds
 * the delimiter, a double quote, CR or LF, and its quotes are doubled — and
 * every cell formula-neutralised first, header cells included
 * (docs/security.md#formulas).
 *
 * Two csv-stringify 6.x defaults do not fit and are replaced:
 *
 * - `escape_formulas` also escapes the full-width `＝ ＋ － ＠`, which the input
 *   side does not unescape (rows/cells.ts), so a rerun would read those
 *   values with a `'`; payops' own rule goes in as `cast.string` instead.
 * - Given a `record_delimiter`, it quotes a cell holding that whole sequence
 *   only: a lone LF in a CRLF file (or CR in an LF file) would go unquoted.
 *   `quote_record_delimiter: true` quotes either.
 */
import { stringify, type Options } from 'csv-stringify/sync';

export type LineEnding = '\r\n' | '\n';

/**
 * Formula safety: an output cell that starts with `=`, `+`, `-`, `@`, tab or
 * CR is prefixed with `'`, so a spreadsheet shows it as text and does not
 * evaluate it. The input side drops that `'` again from payops' fields
 * (docs/input.md#cells), so a failed-rows file reads back as it was. A cell
 * that already starts with `'` is left alone, so user columns do not grow a
 * `'` on every rerun.
 */
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

/** The csv-stringify options of a dialect; build them once per file and reuse them for every row. */
export function csvOptions(delimiter: string, lineEnding: LineEnding): Options {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new Error(`cannot write CSV with delimiter ${JSON.stringify(delimiter)}`);
  }
  return { delimiter, record_delimiter: lineEnding, quote_record_delimiter: true, cast: { string: neutraliseFormula } };
}

/** One record as CSV text, its line ending included. */
export function csvLine(cells: readonly string[], options: Options): string {
  return stringify([cells], options);
}

/**
 * Several records as CSV text, each with its line ending: the same text as
 * {@link csvLine} of each, joined. csv-stringify's sync API normalises its
 * options on every call (measured: a third of its cost for one record of 16
 * cells), so a writer hands it records by the chunk.
 */
export function csvLines(records: readonly (readonly string[])[], options: Options): string {
  return stringify(records as string[][], options);
}

/**
 * The byte order mark as csv-stringify writes it (`bom: true`): U+FEFF as
 * text, to be encoded with the rest of the file (EF BB BF in UTF-8, FF FE /
 * FE FF in UTF-16); '' without.
 */
export function bomText(bom: boolean): string {
  return stringify([], { bom });
}
