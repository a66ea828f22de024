/**
 * Writing the report file, and what a report says about the payops that made it.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
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
 * Refuse a report path that is one of the run's other files (its input, the
 * results or failed-rows file): the report would overwrite it.
 */
export function checkReportPath(reportPath: string, others: Record<string, string | undefined>): void {
  if (reportPath === '' || reportPath === '-') throw new UsageError('the report is written to a file: name it, e.g. --report refunds.report.html');
  const target = resolve(reportPath);
  for (const [role, path] of Object.entries(others)) {
    if (path !== undefined && path !== '-' && resolve(path) === target) {
      throw new UsageError(`--report ${reportPath} is also the ${role}: write the report to another file`);
    }
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
