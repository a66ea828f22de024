/**
 * `payops report <results> [-o FILE.html]`: the HTML report of a run, made
 * afterwards from its results file (src/report/ does the work). A results
 * file does not record which gateway it ran against, nor the input's
 * SHA-256 or the run's duration: `--summary-json` reads them from the
 * summary the run wrote with `--summary-json`.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { buildFromResultsFile } from '../report/results-reader.js';
import type { ReportMeta } from '../report/model.js';
import { checkOutputPaths } from './paths.js';
import { checkReportPath, payopsVersion, writeReport } from '../report/write.js';
import { UsageError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import * as z from 'zod';
import { flag, parseOptions, refuse, STDIN_ARG, text } from './options.js';

export const REPORT_OPTIONS = {
  out: { alias: 'o', type: 'string', describe: 'the HTML file to write [default: <results stem>.report.html beside the results file]' },
  'summary-json': { type: 'string', describe: "the run's --summary-json file: shows its environment, input SHA-256 and duration" },
  'decimal-comma': { type: 'boolean', describe: 'the amounts use a decimal comma [default: whichever reads]' },
  encoding: { type: 'string', describe: 'results file encoding [default: detected]' },
  delimiter: { type: 'string', describe: 'results file delimiter [default: detected]' },
  quiet: { type: 'boolean', default: false, describe: 'print only errors' },
} as const;

export const reportCommand: CommandModule = {
  command: 'report <results>',
  describe: 'write the HTML report of a run from its results file',
  builder: (y: Argv) =>
    y
      .positional('results', { type: 'string', describe: 'a results file written by payops run' })
      .options(REPORT_OPTIONS)
      .example('$0 report refunds.results.csv', 'write refunds.report.html beside it')
      .example('$0 report refunds.results.csv --summary-json summary.json -o report.html', 'with the environment and input SHA-256 of the run'),
  handler: async (argv) => {
    process.exitCode = await report(argv as Record<string, unknown>);
  },
};

/** `refunds.results.csv` → `refunds.report.html` beside it. */
export function defaultReportPath(resultsPath: string): string {
  const name = basename(resultsPath);
  const ext = extname(name);
  let stem = ext ? name.slice(0, -ext.length) : name;
  if (stem.toLowerCase().endsWith('.results')) stem = stem.slice(0, -'.results'.length);
  return join(dirname(resultsPath), `${stem}.report.html`);
}

/** What a --summary-json file tells the report. */
export function readSummaryMeta(path: string): Partial<ReportMeta> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--summary-json ${path}: ${code ? `cannot read it (${code})` : 'is not JSON written by payops run --summary-json'}`);
  }
  const schema = typeof json === 'object' && json !== null ? (json as { schema?: unknown }).schema : undefined;
  if (schema !== 1 && schema !== 2) {
    throw new UsageError(`--summary-json ${path} is not a summary written by payops run --summary-json (no "schema": 1 or 2)`);
  }
  // Schema 1 named its keys in camelCase, schema 2 in snake_case.
  const raw = json as Record<string, unknown>;
  const s: Record<string, unknown> = {
    ...raw,
    inputSha256: raw.inputSha256 ?? raw.input_sha256,
    elapsedMs: raw.elapsedMs ?? raw.elapsed_ms,
    stoppedBy: raw.stoppedBy ?? raw.stopped_by,
  };
  const meta: Partial<ReportMeta> = {};
  const env = s.environment as { kind?: unknown; gateway?: unknown } | undefined;
  if (env && (env.kind === 'sim' || env.kind === 'test' || env.kind === 'live')) {
    meta.environment = { kind: env.kind, gateway: typeof env.gateway === 'string' ? env.gateway : '' };
  }
  const input: { name?: string; sha256?: string } = {};
  if (typeof s.input === 'string') input.name = s.input;
  if (typeof s.inputSha256 === 'string' && /^[0-9a-f]{64}$/.test(s.inputSha256)) input.sha256 = s.inputSha256;
  if (input.name !== undefined || input.sha256 !== undefined) meta.input = input;
  if (typeof s.elapsedMs === 'number' && Number.isFinite(s.elapsedMs) && s.elapsedMs >= 0) meta.elapsedMs = s.elapsedMs;
  const failed = (s.outputs as { failed?: unknown } | undefined)?.failed;
  if (typeof failed === 'string') meta.failedFile = basename(failed);
  if (typeof s.stoppedBy === 'string') meta.stopped = s.stoppedBy;
  return meta;
}

/** `payops report`'s flags (REPORT_OPTIONS), checked and defaulted. */
const REPORT_SCHEMA = z
  .object({
    results: z.transform((v, ctx) =>
      v === STDIN_ARG || v === '-' ? refuse(ctx, 'payops report reads a results file by name (not stdin)') : String(v),
    ),
    out: text,
    'summary-json': text,
    // Unset: whichever reads (a boolean flag yargs leaves undefined when not given).
    'decimal-comma': z.transform((v) => (typeof v === 'boolean' ? v : undefined)),
    encoding: text,
    delimiter: text,
    quiet: flag,
  })
  .transform((o) => ({
    results: o.results,
    out: o.out ?? defaultReportPath(o.results),
    summaryJson: o['summary-json'] || undefined,
    reader: {
      ...(o.encoding !== undefined ? { encoding: o.encoding } : {}),
      ...(o.delimiter !== undefined ? { delimiter: o.delimiter } : {}),
      ...(o['decimal-comma'] !== undefined ? { decimalComma: o['decimal-comma'] } : {}),
    },
    quiet: o.quiet,
  }));

export type ReportOptions = z.output<typeof REPORT_SCHEMA>;

/** argv as yargs hands it over → the one options object report reads. */
export function normaliseReportOptions(argv: Record<string, unknown>): ReportOptions {
  return parseOptions(REPORT_SCHEMA, argv);
}

export async function report(argv: Record<string, unknown>): Promise<number> {
  const o = normaliseReportOptions(argv);
  const resultsPath = o.results;
  const outPath = o.out;
  checkReportPath(outPath);
  // The summary is read, not written: only the report is an output here.
  checkOutputPaths(resultsPath, [
    { name: '-o', path: outPath },
    ...(o.summaryJson !== undefined ? [{ name: '--summary-json (read)', path: o.summaryJson }] : []),
  ]);
  const fromSummary = o.summaryJson !== undefined ? readSummaryMeta(o.summaryJson) : {};
  const model = await buildFromResultsFile(
    resultsPath,
    { ...fromSummary, version: payopsVersion(), generatedAt: new Date().toISOString() },
    o.reader,
  );
  writeReport(outPath, model);
  if (!o.quiet) process.stderr.write(`report: ${model.rows} rows → ${outPath}\n`);
  return EXIT.ok;
}
