/**
 * The failed-rows CSV (docs/outputs.md#failed-rows): the rows whose status is `rejected`,
 * `invalid`, `failed` or `unknown`, written so the file is valid payops
 * input and can be run again as it is:
 *
 * - the input columns under their original names (not renamed as in the
 *   results file), values untouched except card data (input-cells.ts);
 * - `merchant_transaction_id` filled with the id used (in place when the
 *   input has the column, else added after the input columns), so a rerun
 *   looks up and sends under the same id;
 * - a card row's number is masked, and its `last_error` says the card data
 *   must be supplied again (a masked number is invalid as input);
 * - then `last_status`, `last_result_code`, `last_error`, `source_file`,
 *   `source_line`. A rerun of a failed-rows file already has them: they are
 *   replaced in place, not repeated, and `source_file` / `source_line` are
 *   kept from the input, so they name the first file through any number of
 *   reruns.
 *
 * The file is created with the first failed row; a run with none leaves no
 * file, and removes one of that name left by an earlier run (it would
 * otherwise be taken for this run's).
 */
import { lstatSync, unlinkSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { CARRY_FIELDS, type CarryField, type ColumnLayout, type RowOutcome } from '../rows/types.js';
import { FAILED_FILE } from '../statuses.js';
import { createCsvWriter, type OutputDialect } from './csv-writer.js';
import type { OutcomeSink, SinkFactory } from './xlsx-writer.js';
import type { OutcomeWriter } from './results-writer.js';
import { columnKinds, safeInputCells, safeMerchantTransactionId } from './input-cells.js';
import { maskCardNumbersForOutput } from '../rows/card-mask.js';

/** Whether a row belongs in the failed-rows file. */
export function isFailedOutcome(o: Pick<RowOutcome, 'status' | 'notStarted'>): boolean {
  // A row the run never started is not failed: the same command again does it (SPEC: counted apart).
  return FAILED_FILE.has(o.status) && o.notStarted !== true;
}

/** What a failed card row's `last_error` says (its number is masked in the file). */
export const CARD_DATA_REMOVED = 'card data removed — supply it again or use a registration';

export interface FailedWriterOptions {
  /** The input's base name, or `stdin`: `source_file` of rows that do not carry one. */
  sourceFile: string;
  /** The input file: an output path naming it is refused (UsageError). */
  inputPath?: string;
  /** The stream `-` writes to (default process.stdout). */
  stdout?: Writable;
  /** How the file is written (default CSV; see xlsx-writer.ts). */
  sink?: SinkFactory;
}

/**
 * The failed-rows writer: `write` and `fill` take only rows whose status
 * belongs in the file; `commit` removes a stale file when no row came.
 */
export interface FailedWriter extends OutcomeWriter {
  /** Whether the file was created (at least one failed row). */
  readonly written: boolean;
}

/** Where each column of the failed-rows file comes from. */
export interface FailedLayout {
  header: string[];
  /** Column of merchant_transaction_id (the input's, or the one added). */
  mtidIndex: number;
  /** Column of each carry field (the input's, or the one added). */
  carryIndex: Record<CarryField, number>;
  /** The input has a source_file column (a rerun of a failed-rows file). */
  hasSource: boolean;
}

/** The failed-rows header for an input layout: input names, then what the input lacks. */
export function failedLayout(layout: ColumnLayout): FailedLayout {
  const header = layout.header.map(maskCardNumbersForOutput); // column names are free text too
  const add = (name: string): number => header.push(name) - 1;
  const mtidIndex = layout.fieldIndex.merchant_transaction_id ?? add('merchant_transaction_id');
  const carryIndex = {} as Record<CarryField, number>;
  for (const f of CARRY_FIELDS) carryIndex[f] = layout.fieldIndex[f] ?? add(f);
  return { header, mtidIndex, carryIndex, hasSource: layout.fieldIndex.source_file !== undefined };
}

/** A carried cell as the input module reads it: trimmed, without payops' formula `'`. */
function carriedValue(cell: string | undefined): string {
  const v = (cell ?? '').trim();
  return /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v;
}

/** `last_error`: the error (or the gateway's description), the note, and for a card row the card notice. */
function lastError(o: RowOutcome, cardRow: boolean): string {
  const parts: string[] = [];
  const reason = o.error ?? o.resultDescription;
  if (reason) parts.push(reason);
  if (o.note) parts.push(o.note);
  if (cardRow) parts.push(CARD_DATA_REMOVED);
  return maskCardNumbersForOutput(parts.join('; '));
}

/**
 * Remove a failed-rows file an earlier run left at `path`: only a regular
 * file — never a device such as `/dev/null`, a FIFO or a symbolic link.
 */
function removeStale(path: string): void {
  try {
    if (lstatSync(path).isFile()) unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Prepare the failed-rows file at `path` (`-` = stdout). Nothing is created
 * until a failed row is written, but a path that is the input file or
 * cannot be created is refused at once (UsageError).
 */
export function createFailedWriter(
  path: string,
  layout: ColumnLayout,
  dialect: OutputDialect,
  options: FailedWriterOptions,
): FailedWriter {
  const shape = failedLayout(layout);
  const kinds = columnKinds(layout);
  const cardIndex = layout.fieldIndex.card_number;
  const sourceFileIndex = layout.fieldIndex.source_file;
  const sourceLineIndex = layout.fieldIndex.source_line;
  const csv: OutcomeSink = (options.sink ?? createCsvWriter)(path, dialect, {
    header: shape.header,
    role: 'failed-rows file',
    // In a workbook: the amount and source_line as numbers, so a rerun reads them as the first run did.
    numberColumns: [...(layout.fieldIndex.amount !== undefined ? [layout.fieldIndex.amount] : []), shape.carryIndex.source_line],
    lazy: true,
    ...(options.inputPath !== undefined ? { inputPath: options.inputPath } : {}),
    ...(options.stdout ? { stdout: options.stdout } : {}),
  });
  const width = shape.header.length;

  return {
    path,
    get rows() {
      return csv.rows;
    },
    get written() {
      return csv.rows > 0;
    },
    write(o) {
      if (!isFailedOutcome(o)) return;
      return csv.write(failedCells(o));
    },
    get canDefer() {
      return csv.canFillLater;
    },
    defer: () => csv.hole(),
    fill(place, o) {
      if (isFailedOutcome(o)) csv.fill(place, failedCells(o));
      else csv.forget?.(place); // a workbook sink writes on past it
    },
    async commit() {
      if (csv.started && csv.rows === 0) {
        // Started only to keep places for rows that did not fail after all.
        await csv.abort();
        if (path !== '-') removeStale(path);
        return;
      }
      const started = csv.started;
      await csv.commit();
      if (!started && path !== '-') removeStale(path);
    },
    abort: () => csv.abort(),
  };

  function failedCells(o: RowOutcome): string[] {
    const cells = safeInputCells(o.cells, kinds, o.op !== undefined);
    while (cells.length < width) cells.push('');
    if (o.merchantTransactionId) cells[shape.mtidIndex] = safeMerchantTransactionId(o.merchantTransactionId, o.op !== undefined);
    const cardRow =
      o.op?.card !== undefined || (cardIndex !== undefined && (o.cells[cardIndex] ?? '').trim() !== '');
    const c = shape.carryIndex;
    cells[c.last_status] = o.status;
    cells[c.last_result_code] = o.resultCode ?? '';
    cells[c.last_error] = lastError(o, cardRow);
    // Provenance: kept from a failed-rows input (the first file, through any number of reruns).
    const keptFile = sourceFileIndex === undefined ? '' : carriedValue(o.cells[sourceFileIndex]);
    if (keptFile !== '') {
      cells[c.source_file] = maskCardNumbersForOutput(keptFile);
      cells[c.source_line] = sourceLineIndex === undefined ? '' : maskCardNumbersForOutput(carriedValue(o.cells[sourceLineIndex]));
    } else {
      cells[c.source_file] = maskCardNumbersForOutput(options.sourceFile);
      cells[c.source_line] = String(o.line);
    }
    return cells;
  }
}
