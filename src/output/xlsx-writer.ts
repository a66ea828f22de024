/**
 * An Excel workbook sink for the results and failed-rows writers (issue 15):
 * the same interface as the CSV writer ({@link CsvWriter}), so the writers
 * keep their logic and only the file format changes.
 *
 * - One worksheet, written by exceljs's streaming WorkbookWriter to a
 *   temporary file beside the target (`.<name>.<pid>.tmp`), synced and
 *   renamed into place by `commit()`; `abort()` removes it.
 * - Every cell is a text cell or, in the columns the caller names
 *   (`numberColumns`: amount, line, attempts…), a number cell when the text
 *   reads back as exactly the same number; never a formula, so nothing a
 *   user or the gateway wrote can execute. Characters XML cannot hold are
 *   dropped (exceljs), a cell longer than Excel's 32,767 characters is cut.
 * - The header row is bold and frozen; columns get a width from their name.
 * - A row set aside for a lookup keeps its place (`hole` / `fill`): a
 *   workbook is written in row order, so the rows after an open place wait
 *   in memory until it is filled (or, never filled, left out at commit).
 */
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, statSync, unlinkSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type ExcelJS from 'exceljs';
import { createRequire } from 'node:module';

/**
 * exceljs (CommonJS) loaded the first time a workbook is written: it costs about
 * 0.3 s of start-up, which every `payops run` and `validate` of a CSV would pay.
 */
let excel: typeof ExcelJS | undefined;
const loadExcel = (): typeof ExcelJS => (excel ??= createRequire(import.meta.url)('exceljs') as typeof ExcelJS);
import { UsageError } from '../errors.js';
import { createCsvWriter, tempPathFor, type CsvWriter, type CsvWriterOptions, type OutputDialect } from './csv-writer.js';
import { numberText } from '../input/xlsx-cells.js';
import { realPathOf, refuseInputAsOutput } from './same-file.js';

/** Excel's longest cell text. */
export const MAX_CELL_CHARS = 32_767;

export interface XlsxSinkOptions extends CsvWriterOptions {
  /** Columns (0-based) whose plain decimal cells are written as numbers. */
  numberColumns?: readonly number[];
  /** The worksheet's name (default `Results`). */
  sheetName?: string;
}

/**
 * How an outcome writer opens its file: the CSV writer, or a workbook sink.
 * `numberColumns` is for a workbook only.
 */
export type SinkFactory = (path: string, dialect: OutputDialect, options: XlsxSinkOptions) => OutcomeSink;

/**
 * A sink: the CSV writer's interface, and `forget` for a place that will not
 * be filled (a deferred row that turned out not to belong in the file), so a
 * workbook need not hold the rows behind it until the end.
 */
export type OutcomeSink = CsvWriter & { forget?(hole: number): void };

/** The sink for `path`: a workbook for a .xlsx name, CSV otherwise (stdout included). */
export const sinkForPath: SinkFactory = (path, dialect, options) =>
  isXlsxPath(path) ? createXlsxWriter(path, options) : createCsvWriter(path, dialect, options);

/** Whether an output path asks for a workbook. */
export function isXlsxPath(path: string): boolean {
  return /\.xlsx$/i.test(path);
}

const PLAIN_NUMBER = /^-?(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?$/;

/** The number to write for `text`, when it reads back as exactly `text`. */
export function asNumber(text: string): number | undefined {
  if (!PLAIN_NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && numberText(n) === text ? n : undefined;
}

function describeOpenError(err: NodeJS.ErrnoException, role: string, path: string): string {
  const dir = dirname(resolve(path));
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `cannot write the ${role} ${path}: the folder ${dir} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `cannot write the ${role} ${path}: no permission to create files in ${dir}`;
    case 'EROFS':
      return `cannot write the ${role} ${path}: ${dir} is on a read-only file system`;
    default:
      return `cannot write the ${role} ${path}: ${err.message}`;
  }
}

/** A column's width (in characters) from its name. */
function widthOf(name: string): number {
  const wide: Record<string, number> = {
    result_description: 48,
    error: 60,
    last_error: 60,
    note: 40,
    payment_id: 36,
    new_payment_id: 36,
    entity_id: 36,
    registration_id: 36,
    merchant_transaction_id: 36,
    processed_at: 24,
  };
  return wide[name] ?? Math.min(40, Math.max(12, name.length + 4));
}

/** Create a workbook sink at `path` (a .xlsx file; not stdout). */
export function createXlsxWriter(path: string, options: XlsxSinkOptions = {}): OutcomeSink {
  return new XlsxSink(path, options);
}

class XlsxSink implements OutcomeSink {
  readonly path: string;
  rows = 0;
  started = false;
  readonly canFillLater = true;
  private readonly role: string;
  private readonly target: string;
  private readonly tmpPath: string;
  private readonly numberCols: ReadonlySet<number>;
  private out: WriteStream | undefined;
  private book: ExcelJS.stream.xlsx.WorkbookWriter | undefined;
  private sheet: ExcelJS.Worksheet | undefined;
  private error: Error | undefined;
  private state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  /** Rows waiting behind the first place not yet filled, in order. */
  private readonly waiting: Array<{ hole?: number; cells?: readonly string[] }> = [];
  private holes = 0;

  constructor(
    path: string,
    private readonly options: XlsxSinkOptions,
  ) {
    this.path = path;
    this.role = options.role ?? 'output file';
    if (path === '-') throw new UsageError(`cannot write the ${this.role} as a workbook to stdout: give a file name ending in .xlsx, or a .csv name`);
    refuseInputAsOutput(path, options.inputPath, this.role);
    let exists = false;
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new UsageError(`cannot write the ${this.role} ${path}: it is a folder; give a file name`);
      exists = true;
    } catch (err) {
      if (err instanceof UsageError) throw err;
    }
    this.target = exists ? realPathOf(path) : path;
    this.tmpPath = tempPathFor(this.target);
    this.numberCols = new Set(options.numberColumns ?? []);
    // Find out now, before anything is sent, whether the file can be created.
    let fd: number;
    try {
      fd = openSync(this.tmpPath, 'w', 0o666);
    } catch (err) {
      throw new UsageError(describeOpenError(err as NodeJS.ErrnoException, this.role, this.path));
    }
    closeSync(fd);
    if (options.lazy) unlinkSync(this.tmpPath);
    else this.start();
  }

  private start(): void {
    this.started = true;
    this.out = createWriteStream(this.tmpPath, { flush: true, highWaterMark: 256 * 1024 });
    this.out.on('error', (err: Error) => this.fail(err));
    this.book = new (loadExcel().stream.xlsx.WorkbookWriter)({ stream: this.out, useStyles: true, useSharedStrings: false });
    (this.book as unknown as { zip?: { on(e: 'error', fn: (err: Error) => void): void } }).zip?.on('error', (err) => this.fail(err));
    const header = this.options.header ?? [];
    this.sheet = this.book.addWorksheet(this.options.sheetName ?? 'Results', {
      views: [{ state: 'frozen', ySplit: header.length > 0 ? 1 : 0, xSplit: 0 }],
    });
    if (header.length > 0) {
      this.sheet.columns = header.map((h) => ({ width: widthOf(h) }));
      const row = this.sheet.addRow(header.map(cellText));
      row.font = { bold: true };
      row.commit();
    }
  }

  private fail(err: Error): void {
    if (this.error) return;
    this.error = new Error(`cannot write the ${this.role} ${this.path}: ${err.message}`, { cause: err });
  }

  write(cells: readonly string[]): Promise<void> | void {
    if (this.error) throw this.error;
    if (this.state !== 'open') throw new Error(`the ${this.role} ${this.path} is already ${this.state}`);
    if (!this.started) this.start();
    this.rows++;
    if (this.waiting.length > 0) {
      this.waiting.push({ cells });
      return;
    }
    this.put(cells);
    const out = this.out!;
    if (out.writableNeedDrain) {
      return new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          out.off('error', onError);
          resolve();
        };
        const onError = (e: Error) => {
          out.off('drain', onDrain);
          reject(this.error ?? e);
        };
        out.once('drain', onDrain);
        out.once('error', onError);
      });
    }
  }

  /** Add one row to the sheet. */
  private put(cells: readonly string[]): void {
    const values: Array<string | number> = new Array(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const text = cells[i] ?? '';
      const n = this.numberCols.has(i) ? asNumber(text) : undefined;
      values[i] = n ?? cellText(text);
    }
    this.sheet!.addRow(values).commit();
  }

  hole(): number {
    if (this.error) throw this.error;
    if (this.state !== 'open') throw new Error(`the ${this.role} ${this.path} is already ${this.state}`);
    if (!this.started) this.start();
    const id = this.holes++;
    this.waiting.push({ hole: id });
    return id;
  }

  fill(hole: number, cells: readonly string[]): void {
    const at = this.waiting.findIndex((w) => w.hole === hole && w.cells === undefined);
    if (at < 0) throw new RangeError(`no open place ${hole}`);
    this.waiting[at]!.cells = cells;
    this.rows++;
    if (this.state === 'open') this.release(false);
  }

  forget(hole: number): void {
    const at = this.waiting.findIndex((w) => w.hole === hole && w.cells === undefined);
    if (at < 0) return;
    this.waiting.splice(at, 1);
    if (this.state === 'open') this.release(false);
  }

  /** Write the waiting rows up to the first place still open (all of them at commit, open places left out). */
  private release(all: boolean): void {
    while (this.waiting.length > 0) {
      const w = this.waiting[0]!;
      if (w.cells === undefined && !all) return;
      this.waiting.shift();
      if (w.cells !== undefined) this.put(w.cells);
    }
  }

  async commit(): Promise<void> {
    if (this.state === 'committed') return;
    if (this.state !== 'open') throw new Error(`the ${this.role} ${this.path} is ${this.state}`);
    if (this.error) throw this.error;
    if (!this.started) {
      this.state = 'committed';
      return;
    }
    this.state = 'committing';
    try {
      this.release(true);
      this.sheet!.commit();
      const out = this.out!;
      const closed = new Promise<void>((resolve, reject) => {
        if (out.closed) return resolve();
        out.once('close', () => resolve());
        out.once('error', reject);
      });
      await this.book!.commit();
      await closed; // after finish, the fsync (`flush`) and the close
      if (this.error) throw this.error;
      renameSync(this.tmpPath, this.target);
      syncDirectory(dirname(resolve(this.target)));
    } catch (err) {
      this.state = 'open';
      await this.abort();
      throw this.error ?? err;
    }
    this.state = 'committed';
  }

  async abort(): Promise<void> {
    if (this.state === 'committed' || this.state === 'aborted') return;
    this.state = 'aborted';
    if (!this.started) return;
    try {
      unlinkSync(this.tmpPath);
    } catch {
      // already gone
    }
    const out = this.out;
    if (out && !out.destroyed) {
      await new Promise<void>((resolve) => {
        out.once('close', () => resolve());
        out.destroy();
      });
    }
    try {
      unlinkSync(this.tmpPath);
    } catch {
      // already gone
    }
  }
}

/** A text cell's value: never read as a formula (exceljs writes strings as text), within Excel's length. */
function cellText(text: string): string {
  return text.length > MAX_CELL_CHARS ? text.slice(0, MAX_CELL_CHARS - 1) + '…' : text;
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
