import { basename, dirname, extname, join } from 'node:path';

/**
 * `<input stem>.<kind>.csv` beside the input: refunds.csv → refunds.results.csv
 * and refunds.failed.csv; a rerun of refunds.failed.csv writes
 * refunds.failed.results.csv and refunds.failed.failed.csv, so no output ever
 * lands on its own input. An Excel workbook gets workbooks: book.xlsx →
 * book.results.xlsx and book.failed.xlsx (reconcile writes CSV, so
 * book.results.xlsx → book.results.reconciled.csv).
 */
export function defaultOutputPath(inputPath: string, kind: 'results' | 'failed' | 'reconciled' | 'validated'): string {
  const name = basename(inputPath);
  const ext = extname(name).toLowerCase();
  if (ext === '.xlsx' || ext === '.xlsm') {
    // reconcile writes CSV whatever it reads, so only results and failed rows follow a workbook.
    const out = kind === 'results' || kind === 'failed' ? 'xlsx' : 'csv';
    return join(dirname(inputPath), `${name.slice(0, -ext.length)}.${kind}.${out}`);
  }
  const stem = ext === '.csv' || ext === '.txt' || ext === '.tsv' ? name.slice(0, -ext.length) : name;
  return join(dirname(inputPath), `${stem}.${kind}.csv`);
}
