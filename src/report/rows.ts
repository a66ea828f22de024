/**
 * Report rows from the two places they come from: a run's outcomes (as the
 * run writes them to the results file) and the records of a results file
 * read afterwards. Both go through the results writer's own cell functions,
 * so a report made during a run and one made from its results file show the
 * same values (card data masked, formula-neutralised cells as in the file).
 */
import { fieldOfHeader } from '../input/headers.js';
import { OUTPUT_COLUMNS, renameInputColumns } from '../output/columns.js';
import { normalizeHeader } from '../input/headers.js';
import { columnKinds, safeInputCells } from '../output/input-cells.js';
import { outputCells } from '../output/results-writer.js';
import { maskCardNumbersForOutput } from '../rows/card-mask.js';
import { parseAmount } from '../rows/amount.js';
import { parseOperation } from '../rows/operations.js';
import type { ColumnLayout, FieldValues, RowOutcome } from '../rows/types.js';
import type { ReportRow } from './model.js';

/** At most this many of the user's own columns are shown with a row. */
export const USER_COLUMNS_SHOWN = 3;

const ALREADY_DONE = /^already done on /;

/** Indexes of the user's own columns in a layout (not a payops field). */
function userColumnIndexes(layout: ColumnLayout): number[] {
  const fieldIdx = new Set(Object.values(layout.fieldIndex));
  const out: number[] = [];
  for (let i = 0; i < layout.header.length && out.length < USER_COLUMNS_SHOWN; i++) if (!fieldIdx.has(i)) out.push(i);
  return out;
}

/** Turns a run's outcomes into report rows. */
export class OutcomeRows {
  readonly userColumns: string[];
  private readonly userIdx: number[];
  private readonly kinds: ReturnType<typeof columnKinds>;
  private readonly layout: ColumnLayout;

  constructor(layout: ColumnLayout) {
    this.layout = layout;
    this.kinds = columnKinds(layout);
    this.userIdx = userColumnIndexes(layout);
    const names = renameInputColumns(layout.header.map(maskCardNumbersForOutput));
    this.userColumns = this.userIdx.map((i) => names[i]!);
  }

  row(o: RowOutcome): ReportRow {
    const valid = o.op !== undefined;
    const cells = safeInputCells(o.cells, this.kinds, valid);
    const [, status, resultCode, resultDescription, newPaymentId, merchantTransactionId, , , processedAt, error, note] = outputCells(o);
    const pid = this.layout.fieldIndex.payment_id;
    return {
      line: o.line,
      status: status!,
      resultCode: resultCode!,
      resultDescription: resultDescription!,
      newPaymentId: newPaymentId!,
      merchantTransactionId: merchantTransactionId!,
      operation: o.paymentType ?? o.op?.type ?? '',
      paymentId: pid !== undefined ? (cells[pid] ?? '').trim() : '',
      amount: o.op?.amount ?? '',
      currency: o.op?.currency ?? '',
      processedAt: processedAt!,
      error: error!,
      note: note!,
      alreadyDone: Boolean(o.alreadyDone),
      userCells: this.userIdx.map((i) => cells[i] ?? ''),
    };
  }
}

/** The columns of a results file: the output columns payops appended, and the user's own. */
export interface ResultsColumns {
  /** Column index of each output column (first of its name). */
  output: Record<(typeof OUTPUT_COLUMNS)[number], number>;
  userColumns: { index: number; name: string }[];
}

/**
 * Find the output columns in a results file's header; undefined names the
 * missing ones. `fieldColumns` are the indexes the header mapping gave
 * payops' input fields (they are not user columns).
 */
export function resultsColumns(
  header: readonly string[],
  fieldColumns: Iterable<number>,
): { columns: ResultsColumns } | { missing: string[] } {
  const byName = new Map<string, number>();
  header.forEach((name, i) => {
    const n = normalizeHeader(name);
    if (!byName.has(n)) byName.set(n, i);
  });
  const output = {} as Record<(typeof OUTPUT_COLUMNS)[number], number>;
  const missing: string[] = [];
  for (const c of OUTPUT_COLUMNS) {
    const i = byName.get(normalizeHeader(c));
    if (i === undefined) missing.push(c);
    else output[c] = i;
  }
  if (missing.length > 0) return { missing };
  const taken = new Set<number>([...Object.values(output), ...fieldColumns]);
  const userColumns: { index: number; name: string }[] = [];
  for (let i = 0; i < header.length && userColumns.length < USER_COLUMNS_SHOWN; i++) {
    // `input_merchant_transaction_id`, `input_payment_type`: a field of the input, renamed by the results writer.
    const renamedField = /^(input_)+/.test(header[i]!) && fieldOfHeader(header[i]!.replace(/^(input_)+/, '')) !== undefined;
    if (!taken.has(i) && !renamedField) userColumns.push({ index: i, name: header[i]! });
  }
  return { columns: { output, userColumns } };
}

/**
 * The amount of a results-file row, normalised ("12.50"), or '' when it has
 * none that reads. The file keeps the amount as the user wrote it; which
 * decimal separator the run used is not recorded, so `decimalComma`
 * undefined tries the point first, then the comma (a row that was sent
 * reads one way only: `12,50` is refused without --decimal-comma).
 */
export function normaliseAmount(raw: string | undefined, currency: string, decimalComma?: boolean): string {
  const s = (raw ?? '').trim();
  if (s === '') return '';
  const tries = decimalComma === undefined ? [false, true] : [decimalComma];
  for (const comma of tries) {
    const r = parseAmount(s, currency || undefined, { decimalComma: comma });
    if (r.ok) return r.value;
  }
  return '';
}

/** One results-file record as a report row. */
export function rowFromResultsRecord(
  cells: readonly string[],
  values: FieldValues,
  columns: ResultsColumns,
  options: { decimalComma?: boolean; fallbackLine: number },
): ReportRow {
  const at = (c: (typeof OUTPUT_COLUMNS)[number]) => (cells[columns.output[c]] ?? '').trim();
  const line = Number(at('line'));
  // payment_type is what the run used; empty for a row that did not pass validation.
  const operation = parseOperation(at('payment_type')) ?? '';
  const currency = (values.currency ?? '').trim().toUpperCase();
  const note = at('note');
  const valid = at('status') !== 'invalid';
  return {
    line: Number.isInteger(line) && line > 0 ? line : options.fallbackLine,
    status: at('status'),
    resultCode: at('result_code'),
    resultDescription: maskCardNumbersForOutput(at('result_description')),
    newPaymentId: at('new_payment_id'),
    merchantTransactionId: maskCardNumbersForOutput(at('merchant_transaction_id')),
    operation,
    paymentId: maskCardNumbersForOutput((values.payment_id ?? '').trim()),
    amount: valid ? normaliseAmount(values.amount, currency, options.decimalComma) : '',
    currency: valid ? currency : '',
    processedAt: at('processed_at'),
    error: maskCardNumbersForOutput(at('error')),
    note: maskCardNumbersForOutput(note),
    alreadyDone: ALREADY_DONE.test(note),
    userCells: columns.userColumns.map((c) => maskCardNumbersForOutput(cells[c.index] ?? '')),
  };
}
