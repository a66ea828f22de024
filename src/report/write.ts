/**
 * Writing the report file, and what a report says about the payops that made it.
 */
import { accessSync, constants, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { renderReport } from './html.js';
import type { ReportModel } from './model.js';

let cachedVersion: string | undefined;

/** The version in payops' package.json. */
export function payopsVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

/**
 * Before anything is sent: refuse a report path that is one of the run's
 * other files (its input, the results or failed-rows file: the report would
 * overwrite it), a directory, or in a folder that cannot be written.
 */
export function checkReportPath(reportPath: string): void {
  if (reportPath === '' || reportPath === '-') throw new UsageError('the report is written to a file: name it, e.g. --report refunds.report.html');
  const target = resolve(reportPath);
  try {
    if (statSync(target).isDirectory()) throw new UsageError(`the report ${reportPath} is a directory: name a file, e.g. ${join(reportPath, 'report.html')}`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
  }
  try {
    accessSync(dirname(target), constants.W_OK);
  } catch (err) {
    throw new UsageError(`cannot write the report ${reportPath}: its folder ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable'}`);
  }
}

/** Render the model and write it to `path` (through a temporary file, renamed into place). */
export function writeReport(path: string, model: ReportModel): void {
  const text = renderReport(model);
  const tmp = join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write the report ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Write the report at the end of a run. The rows have been executed and the
 * results file is written, so a report that cannot be written does not
 * change the run's outcome: it is said on stderr (with how to make it from
 * the results file), never thrown.
 */
export function writeRunReport(path: string, model: ReportModel, resultsPath: string | undefined, stderr: NodeJS.WritableStream = process.stderr): boolean {
  try {
    writeReport(path, model);
    return true;
  } catch (err) {
    const again = resultsPath && resultsPath !== '-' ? `; make it from the results file with: payops report ${resultsPath} -o ${path}` : '';
    stderr.write(`payops: ${(err as Error).message}${again}\n`);
    return false;
  }
}
