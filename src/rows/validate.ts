/**
 * Validating one row (docs/input.md#cross-field, docs/input.md#cells): every known field is cleaned, every
 * problem of the row is collected (not just the first), and a valid row
 * becomes an `Operation` ready to plan and send. Never throws; no message
 * ever holds a full card number.
 *
 * Uniqueness of `merchant_transaction_id` within a file is the caller's
 * concern (it needs every row).
 */
import { maskCardNumbersThoroughly } from './card-mask.js';
import { rowSchema, type RowRules } from './row-schema.js';
import { FIELDS, type Field, type FieldValues, type Operation, type ValidationResult } from './types.js';

/** The run's rules a row is validated under: `--decimal-comma`, `--allow-card-data`, whether a default entity is set, the time. */
export type ValidateOptions = RowRules;

/**
 * What a workbook reader knows about a row's cells beyond their text, handed
 * to {@link validateRow} on the values under {@link CELL_NOTES}: each message
 * then names its cell (`D7: amount …`), and a cell that cannot be used as it
 * is (a date in amount, an id typed as a number, a formula without a saved
 * result) makes the row invalid with the reader's message.
 */
export interface CellNotes {
  /** The cell of a field on this row (`D7`); undefined when the field has no column. */
  cellOf(field: Field): string | undefined;
  /** The row, for a message tied to no cell (`row 7`). */
  readonly row: string;
  /** Why a field's cell cannot be used, without its reference; undefined when it can. */
  problem(field: Field): string | undefined;
  /** Problems of the row's other cells, each already naming its cell. */
  readonly otherProblems: readonly string[];
  /** The amount cell is a number cell: its text is a plain decimal (`12.5`) whatever --decimal-comma says. */
  readonly numericAmount: boolean;
}

/** Where {@link CellNotes} ride on a row's values. */
export const CELL_NOTES: unique symbol = Symbol('payops.cellNotes');

/** The field a message is about: its first word, `card data` = card_number. */
function fieldOfMessage(message: string): Field | undefined {
  if (message.startsWith('card data')) return 'card_number';
  const m = /^[a-z_]+/.exec(message);
  return m && (FIELDS as readonly string[]).includes(m[0]) ? (m[0] as Field) : undefined;
}

/** `message` with the cell it is about in front (`D7: …`), or the row (`row 7: …`). */
export function referToCell(message: string, notes: CellNotes): string {
  if (/^(?:[A-Z]{1,3}\d+|row \d+): /.test(message)) return message;
  const f = fieldOfMessage(message);
  const cell = f ? notes.cellOf(f) : undefined;
  return `${cell ?? notes.row}: ${message}`;
}

/** The notes on a record's cells (a workbook row), if any. */
export function cellNotesOfCells(cells: readonly string[]): CellNotes | undefined {
  return (cells as { [CELL_NOTES]?: CellNotes })[CELL_NOTES];
}

/** An invalid outcome's error with its cell named, for a workbook row (messages made after validateRow). */
export function referOutcomeToCell(outcome: { cells: readonly string[]; status: string; error?: string }): void {
  if (outcome.status !== 'invalid' || outcome.error === undefined) return;
  const notes = cellNotesOfCells(outcome.cells);
  if (notes) outcome.error = referToCell(outcome.error, notes);
}

/** The notes on `values`, if a workbook reader left some. */
export function cellNotesOf(values: FieldValues): CellNotes | undefined {
  return (values as { [CELL_NOTES]?: CellNotes })[CELL_NOTES];
}

/**
 * Validate one row's known fields. On success the `Operation` holds
 * normalised values (ids lower-case, amount with two decimals, currency
 * upper-case); on failure `errors` holds one message per problem, each
 * naming the column, the value (card numbers masked) and what is allowed.
 */
export function validateRow(values: FieldValues, opts: ValidateOptions): ValidationResult {
  try {
    const notes = values ? cellNotesOf(values) : undefined;
    const rules = opts ?? { decimalComma: false, allowCardData: false };
    const outcome = collect(values ?? {}, notes?.numericAmount ? { ...rules, decimalComma: false } : rules);
    if (notes) {
      const errors = withCells('errors' in outcome ? outcome.errors : [], notes);
      if (errors.length > 0) return { ok: false, errors: errors.map(maskCardNumbersThoroughly) };
    }
    if ('op' in outcome) return { ok: true, op: outcome.op };
    return { ok: false, errors: outcome.errors.map(maskCardNumbersThoroughly) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, errors: [maskCardNumbersThoroughly(`row could not be validated: ${why}`)] };
  }
}

/**
 * A workbook row's messages: the reader's problem in place of what the
 * validator said about that field, then the other cells' problems; each
 * naming its cell.
 */
function withCells(errors: readonly string[], notes: CellNotes): string[] {
  const out: string[] = [];
  const told = new Set<Field>();
  for (const f of FIELDS) {
    const p = notes.problem(f);
    if (p === undefined) continue;
    told.add(f);
    out.push(referToCell(p, notes));
  }
  for (const e of errors) {
    const f = fieldOfMessage(e);
    if (f && told.has(f)) continue;
    out.push(referToCell(e, notes));
  }
  for (const p of notes.otherProblems) out.push(p);
  return out;
}

/** The row schema's verdict (src/rows/row-schema.ts): the operation, or its messages in order. */
function collect(values: FieldValues, opts: ValidateOptions): { op: Operation } | { errors: string[] } {
  const r = rowSchema(opts).safeParse(values);
  return r.success ? { op: r.data } : { errors: r.error.issues.map((i) => i.message) };
}
