/**
 * Column names of the output files (docs/outputs.md#results) and the renaming rule that keeps
 * a results file free of duplicate names.
 */
import { CARRY_FIELDS, type CarryField } from '../rows/types.js';
import { normalizeHeader } from '../input/headers.js';

/** The columns payops appends to every input row in the results file, in this order. */
export const OUTPUT_COLUMNS = [
  'line',
  'status',
  'result_code',
  'result_description',
  'new_payment_id',
  'merchant_transaction_id',
  'payment_type',
  'attempts',
  'processed_at',
  'error',
  'note',
] as const;
export type OutputColumn = (typeof OUTPUT_COLUMNS)[number];

/**
 * One row's output cells, keyed by column: the compiler checks that every
 * column has its cell and no other; their order in the file is
 * {@link OUTPUT_COLUMNS}' alone.
 */
export type OutputCells = { readonly [C in OutputColumn]: string };

/** The output columns a workbook writes as numbers (the CSV writes every cell as text). */
export const OUTPUT_NUMBER_COLUMNS: readonly OutputColumn[] = ['line', 'attempts'];

/**
 * The columns a failed-rows file carries after the input columns, in this
 * order (the same names as the input side's CARRY_FIELDS, so a rerun finds
 * them).
 */
export const FAILED_EXTRA_COLUMNS: readonly CarryField[] = CARRY_FIELDS;

const OUTPUT_NORMALISED: ReadonlySet<string> = new Set(OUTPUT_COLUMNS.map(normalizeHeader));

/** Whether an input column's name would clash with one of the output columns. */
export function clashesWithOutputColumn(name: string): boolean {
  return OUTPUT_NORMALISED.has(normalizeHeader(name));
}

/**
 * The names the input columns get in the results file, in input order.
 *
 * An input column whose name, normalised, equals an output column's is
 * written as `input_<original name>`: a user's own `Status` or `note` column
 * becomes `input_Status` / `input_note`. This includes payops' own fields
 * that share a name with an output column — an input `merchant_transaction_id`
 * column becomes `input_merchant_transaction_id` (its value untouched; the
 * output `merchant_transaction_id` holds the id actually used), and a
 * `payment_type` column (an accepted name of `operation`) becomes
 * `input_payment_type` — so a results file never has two columns of one name
 * and can be read back as input without a duplicate-column error for those.
 *
 * Should `input_<name>` itself be taken (the input also has an `input_note`
 * column), `input_` is prefixed again until the name is free.
 */
export function renameInputColumns(header: readonly string[]): string[] {
  const taken = new Set<string>(OUTPUT_NORMALISED);
  for (const name of header) if (!clashesWithOutputColumn(name)) taken.add(normalizeHeader(name));
  return header.map((name) => {
    if (!clashesWithOutputColumn(name)) return name;
    let renamed = `input_${name}`;
    while (taken.has(normalizeHeader(renamed))) renamed = `input_${renamed}`;
    taken.add(normalizeHeader(renamed));
    return renamed;
  });
}

/** The whole header of a results file: the (renamed) input columns, then {@link OUTPUT_COLUMNS}. */
export function resultsHeader(inputHeader: readonly string[]): string[] {
  return [...renameInputColumns(inputHeader), ...OUTPUT_COLUMNS];
}
