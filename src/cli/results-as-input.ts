/**
 * A results file given to `payops run` as its input is refused (exit 2).
 *
 * A results file repeats every row, done ones included, with payops' own
 * columns: its `payment_type` column reads as the operation and its
 * `merchant_transaction_id` holds the id each row was sent under. Run as input
 * it would ask for every row again; the failed-rows file is the file made for
 * a rerun (it carries `last_status` and only the rows that need one).
 */
import { normalizeHeader } from '../input/headers.js';
import { UsageError } from '../errors.js';

/** Columns every results file has and no failed-rows file has. */
const RESULTS_SIGNATURE = ['status', 'result_code', 'processed_at', 'attempts'].map(normalizeHeader);

export function refuseResultsFileAsInput(header: readonly string[], inputPath: string): void {
  const names = new Set(header.map(normalizeHeader));
  if (!RESULTS_SIGNATURE.every((n) => names.has(n))) return;
  throw new UsageError(
    `${inputPath} is a results file of an earlier run (it has the columns status, result_code, processed_at and attempts): ` +
      `it lists every row, done ones included. To send what is left, run the failed-rows file of that run ` +
      `(<input stem>.failed.csv); to update the results of rows left unknown, use payops reconcile`,
  );
}
