import { basename, dirname, extname, join } from 'node:path';
import { refuseInputAsOutput, refuseOutputClash } from '../output/same-file.js';

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

/** One output of a run: the flag (or role) that names it, and its path (`-` for stdout). */
export interface NamedPath {
  name: string;
  path: string;
}

/**
 * Every output of a run checked against the input and against each other,
 * before anything is sent (exit 2): an output that is the input would destroy
 * it, and two outputs on one file lose one of them after the rows were
 * executed. One name per file, `-` (stdout) at most once; the input `-`
 * (stdin) clashes with nothing. Later outputs (`--report`) join the list.
 */
export function checkOutputPaths(input: string, outputs: readonly NamedPath[]): void {
  for (const o of outputs) refuseInputAsOutput(o.path, input === '-' ? undefined : input, o.name);
  for (let i = 0; i < outputs.length; i++) {
    for (let j = i + 1; j < outputs.length; j++) {
      refuseOutputClash({ path: outputs[i]!.path, role: outputs[i]!.name }, { path: outputs[j]!.path, role: outputs[j]!.name });
    }
  }
}
