/**
 * One CSV record as text (RFC 4180): a cell is quoted when it holds the
 * delimiter, a double quote, CR or LF, and its quotes are doubled. Every cell
 * is formula-neutralised first (formula.ts), header cells included.
 *
 * Hand-rolled rather than csv-stringify: it is the hot path for a million
 * rows, and this is several times faster (see the results-writer benchmark).
 */
import { isFormulaLike } from './formula.js';

export type LineEnding = '\r\n' | '\n';

/** A function that turns one row of cells into one line of CSV, line ending included. */
export type RowFormatter = (cells: readonly string[]) => string;

function escapeForClass(ch: string): string {
  return ch.replace(/[\\\]^-]/g, '\\$&');
}

/** A formatter for `delimiter` (one character) and `lineEnding`. */
export function createRowFormatter(delimiter: string, lineEnding: LineEnding): RowFormatter {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new Error(`cannot write CSV with delimiter ${JSON.stringify(delimiter)}`);
  }
  const special = new RegExp(`["\\r\\n${escapeForClass(delimiter)}]`);
  const cellText = (raw: string): string => {
    if (raw.length === 0) return raw;
    const cell = isFormulaLike(raw) ? "'" + raw : raw;
    return special.test(cell) ? '"' + cell.replace(/"/g, '""') + '"' : cell;
  };
  return (cells) => {
    const n = cells.length;
    if (n === 0) return lineEnding;
    let line = cellText(cells[0] ?? '');
    for (let i = 1; i < n; i++) line += delimiter + cellText(cells[i] ?? '');
    return line + lineEnding;
  };
}
