/**
 * The results CSV (docs/outputs.md#results): one row per input row, in the order written
 * (the caller hands outcomes in input order): every input column in input
 * order — values untouched except card data (input-cells.ts), names clashing
 * with an output column written as `input_<name>` (columns.ts) — then
 * {@link OUTPUT_COLUMNS}. Every free-text cell (error, note, description) is
 * passed through card masking; every cell is formula-neutralised by the CSV
 * writer (csv-text.ts).
 */
import type { Writable } from 'node:stream';
import type { ColumnLayout, RowOutcome } from '../rows/types.js';
import { OUTPUT_COLUMNS, OUTPUT_NUMBER_COLUMNS, resultsHeader, type OutputCells } from './columns.js';
import { createCsvWriter, type OutputDialect } from './csv-writer.js';
import type { SinkFactory } from './xlsx-writer.js';
import { columnKinds, safeInputCells, safeMerchantTransactionId } from './input-cells.js';
import { maskCardNumbersForOutput } from '../rows/card-mask.js';

/** A writer of one output file, fed row outcomes in input order. */
export interface OutcomeWriter {
  readonly path: string;
  /** Rows written so far. */
  readonly rows: number;
  /** Write one row's outcome; await the promise when one is returned (backpressure). */
  write(outcome: RowOutcome): Promise<void> | void;
  /** Whether `defer` can be used (a file, not stdout or a device). */
  readonly canDefer: boolean;
  /** Keep the place of a row set aside for a lookup; its outcome comes with `fill`. */
  defer(): number;
  /** Write a deferred row's outcome in its place. */
  fill(place: number, outcome: RowOutcome): void;
  /** Finish the file and rename it into place. */
  commit(): Promise<void>;
  /** Remove the unfinished file; an earlier file of that name is left as it was. */
  abort(): Promise<void>;
}

export type ResultsWriter = OutcomeWriter;

export interface ResultsWriterOptions {
  /** The stream `-` writes to (default process.stdout). */
  stdout?: Writable;
  /** How the file is written (default CSV; see xlsx-writer.ts). */
  sink?: SinkFactory;
}

/** The output columns' cells of one outcome, by column. */
export function outputCellsByColumn(o: RowOutcome): OutputCells {
  return {
    line: String(o.line),
    status: o.status,
    result_code: o.resultCode ?? '',
    result_description: o.resultDescription === undefined ? '' : maskCardNumbersForOutput(o.resultDescription),
    new_payment_id: o.newPaymentId ?? '',
    merchant_transaction_id: safeMerchantTransactionId(o.merchantTransactionId, o.op !== undefined),
    payment_type: o.paymentType ?? '',
    attempts: String(o.attempts),
    processed_at: o.processedAt ?? '',
    error: o.error === undefined ? '' : maskCardNumbersForOutput(o.error),
    note: o.note === undefined ? '' : maskCardNumbersForOutput(o.note),
  };
}

/** The output columns' cells of one outcome, in {@link OUTPUT_COLUMNS} order. */
export function outputCells(o: RowOutcome): string[] {
  const byColumn = outputCellsByColumn(o);
  return OUTPUT_COLUMNS.map((c) => byColumn[c]);
}

/**
 * Open the results file at `path` (`-` = stdout) and write its header.
 * Throws a UsageError when `path` is the input file or cannot be created.
 */
export function createResultsWriter(
  path: string,
  layout: ColumnLayout,
  dialect: OutputDialect,
  inputPath?: string,
  options: ResultsWriterOptions = {},
): ResultsWriter {
  const kinds = columnKinds(layout);
  const width = layout.header.length;
  const csv = (options.sink ?? createCsvWriter)(path, dialect, {
    // A column name is free text too (a file without a header row has a data row there).
    header: resultsHeader(layout.header.map(maskCardNumbersForOutput)),
    role: 'results file',
    // In a workbook: the amount, a carried source_line, line and attempts as numbers.
    numberColumns: [
      ...[layout.fieldIndex.amount, layout.fieldIndex.source_line].filter((i): i is number => i !== undefined),
      ...OUTPUT_NUMBER_COLUMNS.map((c) => width + OUTPUT_COLUMNS.indexOf(c)),
    ],
    ...(inputPath !== undefined ? { inputPath } : {}),
    ...(options.stdout ? { stdout: options.stdout } : {}),
  });
  const rowCells = (outcome: RowOutcome): string[] => {
    const cells = safeInputCells(outcome.cells, kinds, outcome.op !== undefined);
    const byColumn = outputCellsByColumn(outcome);
    for (const c of OUTPUT_COLUMNS) cells.push(byColumn[c]);
    return cells;
  };
  return {
    path,
    get rows() {
      return csv.rows;
    },
    write(outcome) {
      return csv.write(rowCells(outcome));
    },
    get canDefer() {
      return csv.canFillLater;
    },
    defer: () => csv.hole(),
    fill(place, outcome) {
      csv.fill(place, rowCells(outcome));
    },
    commit: () => csv.commit(),
    abort: () => csv.abort(),
  };
}
