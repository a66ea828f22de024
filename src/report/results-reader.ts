/**
 * Read a results file into the report's model. The file is opened by the
 * input layer (`openInput`, in its `results` header mode), so every format
 * the input layer reads is a results file the report reads: CSV today, and
 * a workbook (.xlsx) as soon as the input layer opens workbooks — nothing
 * here is specific to CSV. Any other table can be handed to
 * {@link buildFromTable} as a {@link ResultsTable}.
 */
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { openInput } from '../input/open-input.js';
import type { FieldValues, InputRecord } from '../rows/types.js';
import { ReportBuilder, type ReportLimits, type ReportModel, type ReportMeta } from './model.js';
import { resultsColumns, rowFromResultsRecord } from './rows.js';

/** What the report needs of a results file: its header, field mapping and records (an InputSource is one). */
export interface ResultsTable {
  name: string;
  header: string[];
  headers: { readonly fields: Readonly<Partial<Record<string, number>>>; valuesOf(cells: readonly string[]): FieldValues };
  records: AsyncIterable<InputRecord>;
  sha256(): string;
}

export interface ResultsReadOptions {
  encoding?: string;
  delimiter?: string;
  /** The amounts use a decimal comma (default: whichever reads). */
  decimalComma?: boolean;
  limits?: ReportLimits;
}

export async function openResultsTable(path: string, options: ResultsReadOptions = {}): Promise<ResultsTable> {
  return openInput(path, {
    headerMode: 'results',
    ...(options.encoding !== undefined ? { encoding: options.encoding } : {}),
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
  });
}

/** Build the model from a results table; `meta` is completed with the file's name, SHA-256 and time span. */
export async function buildFromTable(
  table: ResultsTable,
  meta: Omit<ReportMeta, 'userColumns' | 'origin'>,
  options: ResultsReadOptions = {},
): Promise<ReportModel> {
  const found = resultsColumns(table.header, Object.values(table.headers.fields).filter((i): i is number => i !== undefined));
  if ('missing' in found) {
    throw new UsageError(
      `${table.name} is not a payops results file: it has no ${found.missing.join(', ')} column. ` +
        'payops report reads the results file a run wrote (not the input, nor the failed-rows file).',
    );
  }
  const builder = new ReportBuilder(options.limits);
  let n = 0;
  for await (const rec of table.records) {
    n++;
    builder.add(
      rowFromResultsRecord(rec.cells, table.headers.valuesOf(rec.cells), found.columns, {
        ...(options.decimalComma !== undefined ? { decimalComma: options.decimalComma } : {}),
        fallbackLine: n,
      }),
    );
  }
  const model = builder.build({
    ...meta,
    origin: 'results-file',
    resultsFile: { name: basename(table.name), sha256: table.sha256() },
    userColumns: found.columns.userColumns.map((c) => c.name),
  });
  if (model.meta.startedAt === undefined && model.firstProcessedAt) model.meta.startedAt = model.firstProcessedAt;
  return model;
}

export async function buildFromResultsFile(
  path: string,
  meta: Omit<ReportMeta, 'userColumns' | 'origin'>,
  options: ResultsReadOptions = {},
): Promise<ReportModel> {
  const table = await openResultsTable(path, options);
  return buildFromTable(table, meta, options);
}
