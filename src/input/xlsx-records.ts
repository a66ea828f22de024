/**
 * Reading an Excel workbook (.xlsx) as input (issue 15): the first worksheet,
 * or the one `--sheet` names, as the same {@link InputRecord} batches the CSV
 * reader gives, so nothing downstream knows the difference.
 *
 * How:
 * - the ZIP container is checked first (xlsx-zip.ts: unzipped size capped,
 *   CRCs, no hidden parts), so a zip bomb is refused before a row is read;
 * - the workbook part and its relationships are read here, to choose the
 *   sheet; exceljs 4.4.0's streaming WorkbookReader is then handed those
 *   parts, the styles, the shared strings and that one sheet, in that order
 *   (see partsForReader: in the file's own order it loses the shared strings
 *   now and then), unzips them and parses the styles. Two of its parsers are
 *   replaced: shared strings and the sheet itself are read here with saxes
 *   and a streaming UTF-8 decoder,
 *   because exceljs decodes every chunk on its own (a character split
 *   between two chunks becomes U+FFFD), keeps only the last run of a
 *   rich-text inline string, reads phonetic guides into shared strings, and
 *   neither notices a cut-short sheet nor tells hidden rows;
 * - cells become text as the user sees them (xlsx-cells.ts); a cell that
 *   cannot be used as it is rides on the record's cells as {@link CellNotes}
 *   (see src/rows/validate.ts), which also name each error's cell (`D7`).
 *
 * Rows: the first row that is not blank is the header; later blank rows
 * (also those left by merged cells) are skipped; a record's `line` is its
 * sheet row number. Columns: those with an empty header are dropped, as for
 * CSV. A cell beyond {@link MAX_COLUMNS} or a row beyond Excel's 1,048,576
 * is refused (exit 2). Hidden rows and columns are read like the others, as
 * Excel's own CSV export does, with a notice.
 *
 * A workbook is read from a regular file only (its ZIP directory is at the
 * end): stdin is refused. With `prescan` (the default) the sheet is read
 * through once before {@link openWorkbookInput} returns, so every problem
 * that stops the run is found before a record is handed out, as for CSV.
 */
import { Readable, Transform } from 'node:stream';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { CELL_NOTES, type CellNotes } from '../rows/validate.js';
import type { Field, InputRecord } from '../rows/types.js';
import { type Dialect } from './dialect.js';
import { SAVE_AS_HINT } from './file-type.js';
import { emptyHeaderMap, mapHeaders, type ColumnMapping, type HeaderMap, type HeaderMode } from './headers.js';
import type { InputSource } from './open-input.js';
import { cellProblem, columnLetters, columnOfRef, dateText, isDateFormat, numberText, type ReadCell } from './xlsx-cells.js';
import { checkZip, entryRecords, readEntry, type ZipEntry, type ZipLimits } from './xlsx-zip.js';

const require = createRequire(import.meta.url);
const excelRequire = createRequire(require.resolve('exceljs'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WorkbookReader = excelRequire('./lib/stream/xlsx/workbook-reader.js') as new (input: unknown, options: unknown) => ExcelWorkbookReader;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SaxesParser } = excelRequire('saxes') as { SaxesParser: new () => Saxes };
// exceljs parks a worksheet that comes before the shared strings or the relationships in a temporary file (payops hands it
// the parts in an order that avoids it, see partsForReader): should it happen anyway, remove those files at exit.
(excelRequire('tmp') as { setGracefulCleanup(): void }).setGracefulCleanup();

/** Most columns a sheet may use (Excel allows 16,384; payops files have a dozen). */
export const MAX_COLUMNS = 1024;
/** Excel's last row. */
export const MAX_ROWS = 1_048_576;
/** Most characters all shared strings together may hold. */
export const MAX_SHARED_STRING_CHARS = 256 * 1024 * 1024;

interface Saxes {
  on(event: 'opentag', fn: (node: { name: string; attributes: Record<string, string> }) => void): void;
  on(event: 'text', fn: (text: string) => void): void;
  on(event: 'closetag', fn: (node: { name: string }) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  write(chunk: string): void;
  close(): void;
}

/** What payops uses of exceljs's WorksheetReader: the sheet part's bytes. */
interface ExcelWorksheetReader {
  iterator: AsyncIterable<Buffer | string>;
}

/** What payops uses of exceljs's WorkbookReader (4.4.0). */
interface ExcelWorkbookReader {
  parse(): AsyncGenerator<{ eventType: string; value: unknown }>;
  sharedStrings?: string[];
  styles?: { model?: { styles?: Array<{ numFmtId?: number }> }; index?: { numFmt?: Record<number, string> } };
}

export interface WorkbookInputOptions {
  /** `--sheet`: the worksheet's name (default: the first). */
  sheet?: string;
  prescan?: boolean;
  headerMode?: HeaderMode;
  /** `--column FIELD=HEADER` / `--columns FILE`, as for a CSV. */
  columns?: ColumnMapping;
  /** Caps (tests). */
  limits?: ZipLimits & { maxColumns?: number };
}

/** The dialect of CSV outputs of a workbook input (`--out x.csv`): what Excel opens as it is. */
export function workbookDialect(sheet: string): Dialect & { sheet: string } {
  return { delimiter: ',', lineEnding: '\r\n', bom: true, encoding: 'utf-8', sepLine: false, sheet };
}

/** A sheet row as read: its number and its cells by 0-based column (sparse). */
interface SheetRow {
  line: number;
  cells: Array<ReadCell | undefined>;
}

/** exceljs's WorkbookReader with the shared strings read here (see the module comment). */
function makeReader(input: NodeJS.ReadableStream, name: string): ExcelWorkbookReader {
  const reader = new WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  }) as ExcelWorkbookReader & { _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<never> };
  // No shared strings part (a workbook of numbers and inline strings): none, rather than parking the sheet in a temporary file.
  reader.sharedStrings = [];
  reader._parseSharedStrings = async function* (entry: NodeJS.ReadableStream) {
    reader.sharedStrings = await readSharedStrings(entry, name);
  };
  return reader;
}

/** Shared strings: each `<si>`'s text runs joined, phonetic guides (`<rPh>`) left out. */
async function readSharedStrings(entry: NodeJS.ReadableStream, name: string): Promise<string[]> {
  const strings: string[] = [];
  const parser = new SaxesParser();
  let error: Error | undefined;
  let chars = 0;
  let parts: string[] | undefined;
  let inT = false;
  let phonetic = 0;
  parser.on('error', (e) => (error ??= e));
  parser.on('opentag', (node) => {
    const tag = localName(node.name);
    if (tag === 'si') parts = [];
    else if (tag === 'rPh') phonetic++;
    else if (tag === 't' && phonetic === 0) inT = true;
  });
  parser.on('text', (text) => {
    if (inT && parts) {
      parts.push(text);
      chars += text.length;
    }
  });
  parser.on('closetag', (node) => {
    const tag = localName(node.name);
    if (tag === 't') inT = false;
    else if (tag === 'rPh') phonetic--;
    else if (tag === 'si' && parts) {
      strings.push(detach(unescapeOoxml(parts.length === 1 ? parts[0]! : parts.join(''))));
      parts = undefined;
    }
  });
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    parser.write(decoder.decode(chunk, { stream: true }));
    if (error) throw notReadable(name, `its shared strings are not valid XML: ${error.message}`);
    if (chars > MAX_SHARED_STRING_CHARS) {
      throw new UsageError(`${name} holds more than ${MAX_SHARED_STRING_CHARS / 1024 / 1024}M characters of text: too large for payops. Split it into smaller workbooks.`);
    }
  }
  parser.write(decoder.decode());
  return strings;
}

/**
 * A copy of `s` that does not keep the parser's whole chunk alive: V8 makes
 * a substring of 13 characters or more a view into its parent, and a shared
 * string or an id kept for the whole run (the duplicate check keeps every
 * merchant_transaction_id) would keep each 256 KiB chunk of XML it came from.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

/** OOXML writes characters XML cannot hold as `_xHHHH_`. */
function unescapeOoxml(s: string): string {
  if (s.indexOf('_x') < 0) return s;
  return s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function notReadable(name: string, why: string): UsageError {
  return new UsageError(`${name} is not a readable Excel workbook (${why}). Open it in Excel or LibreOffice and save it again as Excel Workbook (.xlsx).`);
}

/** The workbook's sheets and settings, read from its small parts before any sheet. */
interface WorkbookParts {
  /** Worksheets in tab order (chart sheets left out), with their part. */
  sheets: Array<{ name: string; entry: ZipEntry | undefined; hidden: boolean }>;
  date1904: boolean;
  styles: ZipEntry | undefined;
  sharedStrings: ZipEntry | undefined;
  workbook: ZipEntry;
  workbookRels: ZipEntry | undefined;
}

/** Parse small XML with saxes: each element's local name and attributes. */
function eachElement(xml: string, fn: (tag: string, attributes: Record<string, string>) => void): void {
  const parser = new SaxesParser();
  let error: Error | undefined;
  parser.on('error', (e) => (error ??= e));
  parser.on('opentag', (node) => fn(localName(node.name), node.attributes));
  parser.write(xml);
  parser.close();
  if (error) throw error;
}

/** A part's path from a relationship target, relative to `xl/`. */
function partPath(target: string): string {
  const t = target.replace(/\\/g, '/');
  if (t.startsWith('/')) return t.slice(1);
  const parts: string[] = ['xl'];
  for (const seg of t.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

async function workbookParts(path: string, entries: readonly ZipEntry[], name: string): Promise<WorkbookParts> {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const workbook = byName.get('xl/workbook.xml');
  if (!workbook && byName.has('xl/workbook.bin')) {
    throw new UsageError(`${name} is an Excel binary workbook (.xlsb), which payops does not read. ${SAVE_AS_HINT}`);
  }
  if (!workbook) {
    throw new UsageError(`${name} is a ZIP file but not an Excel workbook (it has no xl/workbook.xml). Save the data as Excel Workbook (.xlsx) or CSV.`);
  }
  const workbookRels = byName.get('xl/_rels/workbook.xml.rels');
  const rels = new Map<string, { target: string; type: string }>();
  const sheets: Array<{ name: string; rId: string; hidden: boolean }> = [];
  let date1904 = false;
  try {
    if (workbookRels) {
      eachElement((await readEntry(path, workbookRels)).toString('utf8'), (tag, a) => {
        if (tag === 'Relationship' && a.Id && a.Target) rels.set(a.Id, { target: a.Target, type: a.Type ?? '' });
      });
    }
    eachElement((await readEntry(path, workbook)).toString('utf8'), (tag, a) => {
      if (tag === 'sheet') {
        const rId = a['r:id'] ?? Object.entries(a).find(([k]) => k.endsWith(':id'))?.[1] ?? '';
        sheets.push({ name: a.name ?? '', rId, hidden: a.state === 'hidden' || a.state === 'veryHidden' });
      } else if (tag === 'workbookPr') {
        date1904 = a.date1904 === '1' || a.date1904 === 'true';
      }
    });
  } catch (err) {
    throw notReadable(name, `its workbook part is not valid XML: ${(err as Error).message.split('\n')[0]}`);
  }
  const relOfType = (suffix: string) => [...rels.values()].find((r) => r.type.endsWith(suffix));
  const shared = relOfType('/sharedStrings');
  const styles = relOfType('/styles');
  const worksheets: WorkbookParts['sheets'] = [];
  for (const s of sheets) {
    const rel = rels.get(s.rId);
    if (rel && !rel.type.endsWith('/worksheet')) continue; // a chart sheet or a dialog sheet
    worksheets.push({ name: s.name, entry: rel ? byName.get(partPath(rel.target)) : undefined, hidden: s.hidden });
  }
  return {
    sheets: worksheets,
    date1904,
    styles: byName.get(styles ? partPath(styles.target) : 'xl/styles.xml'),
    sharedStrings: byName.get(shared ? partPath(shared.target) : 'xl/sharedStrings.xml'),
    workbook,
    workbookRels,
  };
}

interface SheetChoice {
  /** The sheet's name. */
  name: string;
  entry: ZipEntry;
  /** Every worksheet's name, in tab order. */
  all: string[];
}

function chooseSheet(parts: WorkbookParts, wanted: string | undefined, name: string): SheetChoice {
  const all = parts.sheets.map((s) => s.name);
  // The first sheet the user sees: a hidden sheet before it does not count.
  const found =
    wanted === undefined
      ? (parts.sheets.find((s) => !s.hidden) ?? parts.sheets[0])
      : (parts.sheets.find((s) => s.name === wanted) ?? parts.sheets.find((s) => s.name.toLowerCase() === wanted.trim().toLowerCase()));
  if (!found) {
    if (wanted === undefined) throw notReadable(name, 'it has no worksheet');
    throw new UsageError(
      `${name} has no sheet named ${JSON.stringify(wanted)}: its sheets are ${all.map((s) => JSON.stringify(s)).join(', ') || '(none)'}. Pass one of these with --sheet.`,
    );
  }
  if (!found.entry) throw notReadable(name, `the part of sheet ${JSON.stringify(found.name)} is missing`);
  return { name: found.name, entry: found.entry, all };
}

/** What one read of the sheet found besides its rows. */
interface ReadInfo {
  choice: SheetChoice;
  date1904: boolean;
  hiddenRows: number[];
  hiddenColumns: boolean;
}

/**
 * The parts exceljs is given, in the order it needs them: the workbook, its
 * relationships, the styles and shared strings, then the one sheet (under
 * the names exceljs looks for). exceljs then never parks a sheet in a
 * temporary file to wait for the shared strings — that path loses the shared
 * strings now and then (about one read in six of a LibreOffice workbook on
 * this machine, exceljs 4.4.0 alone) — and no other sheet is unzipped.
 */
function partsForReader(parts: WorkbookParts, choice: SheetChoice): Array<{ entry: ZipEntry; as: string }> {
  const list: Array<{ entry: ZipEntry; as: string }> = [{ entry: parts.workbook, as: 'xl/workbook.xml' }];
  if (parts.workbookRels) list.push({ entry: parts.workbookRels, as: 'xl/_rels/workbook.xml.rels' });
  if (parts.styles) list.push({ entry: parts.styles, as: 'xl/styles.xml' });
  if (parts.sharedStrings) list.push({ entry: parts.sharedStrings, as: 'xl/sharedStrings.xml' });
  list.push({ entry: choice.entry, as: 'xl/worksheets/sheet1.xml' });
  return list;
}

/**
 * One read of the chosen sheet: its rows in batches, as the parser has them
 * ready. `input` is the parts' bytes (metered by the caller).
 */
async function* readSheet(input: NodeJS.ReadableStream, name: string, maxColumns: number, info: ReadInfo): AsyncGenerator<SheetRow[]> {
  const reader = makeReader(input, name);
  let found = false;
  const events = reader.parse();
  try {
    while (true) {
      let next: IteratorResult<{ eventType: string; value: unknown }>;
      try {
        next = await events.next();
      } catch (err) {
        throw asUsage(err, name);
      }
      if (next.done) break;
      const { eventType, value } = next.value;
      if (eventType !== 'worksheet' || found) continue;
      found = true;
      yield* parseSheetXml((value as ExcelWorksheetReader).iterator, reader, name, maxColumns, info);
    }
  } finally {
    await events.return(undefined as never).catch(() => {});
  }
  if (!found) throw notReadable(name, `the part of sheet ${JSON.stringify(info.choice.name)} could not be read`);
}

function asUsage(err: unknown, name: string): unknown {
  if (err instanceof UsageError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return notReadable(name, why.split('\n')[0]!.slice(0, 200));
}

/** The sheet's XML → rows, with a streaming decoder (see the module comment). */
async function* parseSheetXml(
  iterator: AsyncIterable<Buffer | string>,
  reader: ExcelWorkbookReader,
  name: string,
  maxColumns: number,
  info: ReadInfo,
): AsyncGenerator<SheetRow[]> {
  const shared = reader.sharedStrings ?? [];
  const date1904 = info.date1904;
  const styleIsDate = new Map<number, boolean>();
  const isDateStyle = (s: number): boolean => {
    let d = styleIsDate.get(s);
    if (d === undefined) {
      const style = reader.styles?.model?.styles?.[s];
      const id = style?.numFmtId;
      const fmt = id !== undefined ? reader.styles?.index?.numFmt?.[id] : undefined;
      d = style ? isDateFormat(fmt, id) : false;
      styleIsDate.set(s, d);
    }
    return d;
  };

  const parser = new SaxesParser();
  let error: Error | undefined;
  let stop: UsageError | undefined;
  let out: SheetRow[] = [];
  let ended = false;
  let inSheetData = false;
  let lastRow = 0;
  let row: SheetRow | undefined;
  let lastCol = 0;
  // the cell being read
  let col = 0;
  let type = '';
  let style = 0;
  let value: string | undefined;
  let formula: string | undefined;
  let inline: string[] | undefined;
  let capture: 'v' | 'f' | 'is' | undefined;
  let phonetic = 0;

  parser.on('error', (e) => (error ??= e));
  parser.on('opentag', (node) => {
    if (stop) return;
    const tag = localName(node.name);
    const a = node.attributes;
    switch (tag) {
      case 'sheetData':
        inSheetData = true;
        return;
      case 'col':
        if (a.hidden === '1' || a.hidden === 'true') info.hiddenColumns = true;
        return;
      case 'row': {
        if (!inSheetData) return;
        const r = a.r !== undefined ? Number(a.r) : lastRow + 1;
        if (!Number.isInteger(r) || r < 1) {
          stop = notReadable(name, `a row has the number ${JSON.stringify(a.r)}`);
          return;
        }
        if (r > MAX_ROWS) {
          stop = new UsageError(`${name}: the sheet has a row ${r}, beyond Excel's last row ${MAX_ROWS}. Save it again from Excel or LibreOffice.`);
          return;
        }
        lastRow = r;
        lastCol = 0;
        row = { line: r, cells: [] };
        if ((a.hidden === '1' || a.hidden === 'true') && info.hiddenRows.length < 6) info.hiddenRows.push(r);
        return;
      }
      case 'c': {
        if (!row) return;
        col = a.r !== undefined ? columnOfRef(a.r) : lastCol + 1;
        if (col < 1) col = lastCol + 1;
        lastCol = col;
        if (col > maxColumns) {
          stop = new UsageError(
            `${name}: cell ${a.r ?? columnLetters(col) + row.line} is in column ${col}; payops reads at most ${maxColumns} columns. ` +
              `Delete the columns to the right of your data (select them, right-click > Delete), save, and run again.`,
          );
          return;
        }
        type = a.t ?? 'n';
        style = a.s !== undefined ? Number(a.s) : 0;
        value = undefined;
        formula = undefined;
        inline = undefined;
        capture = undefined;
        return;
      }
      case 'v':
        if (row && col) {
          value = '';
          capture = 'v';
        }
        return;
      case 'f':
        if (row && col) {
          formula = '';
          capture = 'f';
        }
        return;
      case 'is':
        if (row && col) inline = [];
        return;
      case 'rPh':
        phonetic++;
        return;
      case 't':
        if (inline && phonetic === 0) capture = 'is';
        return;
      default:
        return;
    }
  });
  parser.on('text', (text) => {
    if (capture === 'v') value += text;
    else if (capture === 'f') formula += text;
    else if (capture === 'is') inline!.push(text);
  });
  parser.on('closetag', (node) => {
    if (stop) return;
    const tag = localName(node.name);
    switch (tag) {
      case 'v':
      case 'f':
      case 't':
        capture = undefined;
        return;
      case 'rPh':
        phonetic--;
        return;
      case 'c': {
        if (!row || !col) return;
        const cell = readCell(type, value, formula, inline, style);
        if (cell) row.cells[col - 1] = cell;
        col = 0;
        return;
      }
      case 'row':
        if (row) out.push(row);
        row = undefined;
        return;
      case 'sheetData':
        inSheetData = false;
        ended = true;
        return;
      default:
        return;
    }
  });

  function readCell(t: string, v: string | undefined, f: string | undefined, is: string[] | undefined, s: number): ReadCell | undefined {
    const withFormula = (c: ReadCell): ReadCell => {
      if (f !== undefined) c.formula = f;
      return c;
    };
    switch (t) {
      case 's': {
        if (v === undefined) return f !== undefined ? { kind: 'no-result', text: '', formula: f } : undefined;
        const text = shared[Number(v)] ?? '';
        return withFormula({ kind: 'text', text });
      }
      case 'inlineStr':
        return withFormula({ kind: 'text', text: detach(unescapeOoxml((is ?? []).join(''))) });
      case 'str':
        if (v === undefined) return f !== undefined ? { kind: 'no-result', text: '', formula: f } : undefined;
        return withFormula({ kind: 'text', text: detach(unescapeOoxml(v)) });
      case 'b':
        if (v === undefined) return f !== undefined ? { kind: 'no-result', text: '', formula: f } : undefined;
        return withFormula({ kind: 'boolean', text: v.trim() === '1' || v.trim().toLowerCase() === 'true' ? 'TRUE' : 'FALSE' });
      case 'e':
        return withFormula({ kind: 'error', text: (v ?? '#VALUE!').trim() });
      case 'd': {
        if (v === undefined) return f !== undefined ? { kind: 'no-result', text: '', formula: f } : undefined;
        const iso = v.trim();
        return withFormula({ kind: 'date', text: iso.replace('T', ' ').replace(/(?: 00:00:00)?(?:\.\d+)?Z?$/, '') });
      }
      default: {
        if (v === undefined || v.trim() === '') return f !== undefined ? { kind: 'no-result', text: '', formula: f } : undefined;
        const n = Number(v);
        if (!Number.isFinite(n)) return withFormula({ kind: 'text', text: v });
        if (s && isDateStyle(s)) return withFormula({ kind: 'date', text: dateText(n, date1904) });
        return withFormula({ kind: 'number', text: numberText(n) });
      }
    }
  }

  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of iterator) {
      parser.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      if (error) throw notReadable(name, `its sheet is not valid XML: ${error.message.split('\n')[0]}`);
      if (stop) throw stop;
      if (out.length > 0) {
        const batch = out;
        out = [];
        yield batch;
      }
    }
    parser.write(decoder.decode());
    parser.close();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw asUsage(error ?? err, name);
  }
  if (error) throw notReadable(name, `its sheet is not valid XML: ${error.message.split('\n')[0]}`);
  if (stop) throw stop;
  if (!ended) throw notReadable(name, 'its sheet is cut short');
  if (out.length > 0) yield out;
}

/**
 * The file's bytes, counted as they are read. A Transform, not a 'data'
 * listener: that would start the file flowing before exceljs pipes it on,
 * and the first chunks would be lost.
 */
function meteredStream(path: string, parts: Array<{ entry: ZipEntry; as: string }>, onBytes: (n: number) => void): { stream: Transform; source: Readable } {
  const source = Readable.from(entryRecords(path, parts), { objectMode: false });
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  source.on('error', (err) => stream.destroy(err));
  source.pipe(stream);
  return { stream, source };
}

interface HeaderInfo {
  line: number;
  names: string[];
  /** For each kept column, its 0-based column in the sheet. */
  kept: number[];
  map: HeaderMap;
}

function isBlankRow(cells: ReadonlyArray<ReadCell | undefined>): boolean {
  for (const c of cells) if (c !== undefined && (c.kind !== 'text' || c.text.trim() !== '')) return false;
  return true;
}

/** Per-row notes for the validator: references, and what cannot be used as it is. */
class RowNotes implements CellNotes {
  constructor(
    private readonly line: number,
    private readonly table: NoteTable,
    private readonly problems: Map<Field, string> | undefined,
    readonly otherProblems: readonly string[],
    readonly numericAmount: boolean,
  ) {}
  get row(): string {
    return `row ${this.line}`;
  }
  cellOf(field: Field): string | undefined {
    const letters = this.table.letters[field];
    return letters === undefined ? undefined : letters + this.line;
  }
  problem(field: Field): string | undefined {
    return this.problems?.get(field);
  }
}

interface NoteTable {
  /** Column letters of each field present. */
  letters: Partial<Record<Field, string>>;
  /** For each kept column, the field it is (or undefined for a user column). */
  fieldOfKept: Array<Field | undefined>;
}

/** One read of the workbook from its first byte: the header, then the records. */
class SheetTable {
  bytes = 0;
  header: HeaderInfo | undefined;
  readonly info: ReadInfo;
  private readonly stream: { stream: Transform; source: Readable };
  private readonly rows: AsyncGenerator<SheetRow[]>;
  private afterHeader: SheetRow[] = [];
  private notes: NoteTable | undefined;
  private readonly sheetGiven: boolean;

  constructor(
    path: string,
    name: string,
    parts: WorkbookParts,
    choice: SheetChoice,
    sheetGiven: boolean,
    maxColumns: number,
    private readonly headerMode: HeaderMode,
    private readonly columns: ColumnMapping | undefined,
  ) {
    this.sheetGiven = sheetGiven;
    this.info = { choice, date1904: parts.date1904, hiddenRows: [], hiddenColumns: false };
    this.stream = meteredStream(path, partsForReader(parts, choice), (n) => (this.bytes += n));
    this.rows = readSheet(this.stream.stream, name, maxColumns, this.info);
  }

  async readHeader(): Promise<void> {
    try {
      for (;;) {
        const next = await this.rows.next();
        if (next.done) return;
        const batch = next.value;
        const at = batch.findIndex((r) => !isBlankRow(r.cells));
        if (at < 0) continue;
        const headerRow = batch[at]!;
        this.afterHeader = batch.slice(at + 1);
        const kept: number[] = [];
        const names: string[] = [];
        headerRow.cells.forEach((c, i) => {
          if (c && c.text.trim() !== '') {
            kept.push(i);
            names.push(c.text);
          }
        });
        let mapped: HeaderMap;
        try {
          mapped = mapHeaders(
            names,
            kept.map((i) => i + 1),
            { mode: this.headerMode, ...(this.columns ? { columns: this.columns } : {}) },
          );
        } catch (err) {
          throw this.inSheet(err, headerRow.line);
        }
        // The values of a row carry its cell notes to the validator.
        const map: HeaderMap = {
          ...mapped,
          valuesOf(cells) {
            const values = mapped.valuesOf(cells);
            const notes = (cells as { [CELL_NOTES]?: CellNotes })[CELL_NOTES];
            if (notes) Object.defineProperty(values, CELL_NOTES, { value: notes, enumerable: false });
            return values;
          },
        };
        this.header = { line: headerRow.line, names, kept, map };
        const letters: Partial<Record<Field, string>> = {};
        const fieldOfKept: Array<Field | undefined> = new Array(kept.length).fill(undefined);
        for (const [f, k] of Object.entries(map.fields) as Array<[Field, number]>) {
          if (k === undefined) continue;
          letters[f] = columnLetters(kept[k]! + 1);
          fieldOfKept[k] = f;
        }
        this.notes = { letters, fieldOfKept };
        return;
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** A header error, saying which sheet (and row) it is about and that there are others. */
  private inSheet(err: unknown, line: number): unknown {
    if (!(err instanceof UsageError)) return err;
    const choice = this.info.choice;
    let where = ` (header row ${line} of sheet ${JSON.stringify(choice.name)}`;
    if (choice.all.length > 1 && !this.sheetGiven) {
      where += `, the first of ${choice.all.map((s) => JSON.stringify(s)).join(', ')}: pass --sheet NAME to read another`;
    }
    return new UsageError(err.message.replace(/\.?$/, '') + where + ').');
  }

  async *batches(): AsyncGenerator<InputRecord[]> {
    const header = this.header;
    if (!header) {
      for await (const _ of this.rows) void _;
      return;
    }
    if (this.afterHeader.length) {
      const first = this.shape(this.afterHeader, header);
      this.afterHeader = [];
      if (first.length) yield first;
    }
    for await (const batch of this.rows) {
      const records = this.shape(batch, header);
      if (records.length) yield records;
    }
  }

  private shape(batch: SheetRow[], header: HeaderInfo): InputRecord[] {
    const out: InputRecord[] = [];
    const { kept } = header;
    const table = this.notes!;
    for (const r of batch) {
      if (isBlankRow(r.cells)) continue;
      const cells = new Array<string>(kept.length);
      let problems: Map<Field, string> | undefined;
      let others: string[] | undefined;
      let numericAmount = false;
      for (let k = 0; k < kept.length; k++) {
        const c = r.cells[kept[k]!];
        cells[k] = c ? c.text : '';
        if (!c || c.kind === 'text') continue;
        const field = table.fieldOfKept[k];
        if (field === 'amount' && c.kind === 'number') numericAmount = true;
        const p = cellProblem(field, c);
        if (p === undefined) continue;
        if (field !== undefined) (problems ??= new Map()).set(field, p);
        else (others ??= []).push(`${columnLetters(kept[k]! + 1)}${r.line}: ${p}`);
      }
      Object.defineProperty(cells, CELL_NOTES, {
        value: new RowNotes(r.line, table, problems, others ?? [], numericAmount),
        enumerable: false,
      });
      out.push({ line: r.line, cells });
    }
    return out;
  }

  /** Notices about the read, once it is done. */
  noticesFor(path: string, sheetGiven: boolean): string[] {
    const notices: string[] = [];
    const choice = this.info.choice;
    if (!sheetGiven && choice.all.length > 1) {
      notices.push(
        `${basename(path)} has ${choice.all.length} sheets (${choice.all.map((s) => JSON.stringify(s)).join(', ')}): reading the first, ${JSON.stringify(choice.name)}; pass --sheet NAME to read another`,
      );
    }
    if (this.info.hiddenRows.length > 0) {
      const shown = this.info.hiddenRows.slice(0, 5).join(', ');
      notices.push(
        `the sheet has hidden rows (${shown}${this.info.hiddenRows.length > 5 ? ', …' : ''}): payops reads them like the others, as Excel's CSV export does; unhide them to check them`,
      );
    }
    if (this.info.hiddenColumns) notices.push('the sheet has hidden columns: payops reads them like the others; unhide them to check them');
    return notices;
  }

  close(): void {
    this.rows.return(undefined).catch(() => {});
    this.stream.source.destroy();
    this.stream.stream.destroy();
  }
}

/** Open a workbook file as input (see the module comment). Throws a UsageError for one that cannot be read. */
export async function openWorkbookInput(path: string, size: number, opts: WorkbookInputOptions = {}): Promise<InputSource> {
  const name = path;
  const zip = await checkZip(path, name, opts.limits);
  const parts = await workbookParts(path, zip.entries, name);
  const choice = chooseSheet(parts, opts.sheet, name);
  const maxColumns = opts.limits?.maxColumns ?? MAX_COLUMNS;
  const headerMode = opts.headerMode ?? 'input';
  const sheetGiven = opts.sheet !== undefined;
  const table = () => new SheetTable(path, name, parts, choice, sheetGiven, maxColumns, headerMode, opts.columns);

  let count: number | undefined;
  let scanNotices: string[] | undefined;
  if (opts.prescan !== false) {
    const scan = table();
    try {
      await scan.readHeader();
      let n = 0;
      for await (const batch of scan.batches()) n += batch.length;
      count = n;
      scanNotices = scan.noticesFor(path, opts.sheet !== undefined);
    } finally {
      scan.close();
    }
  }

  const t = table();
  await t.readHeader();
  const header = t.header;
  const notices = scanNotices ?? t.noticesFor(path, opts.sheet !== undefined);
  const sheetName = choice.name;

  let iterated = false;
  const once = () => {
    if (iterated) throw new Error('the records of an input can be read only once');
    iterated = true;
  };
  const self: InputSource & { sheet: string } = {
    name,
    sheet: sheetName,
    dialect: workbookDialect(sheetName),
    notices,
    header: header?.names ?? [],
    headerLine: header?.line ?? 0,
    headers: header?.map ?? emptyHeaderMap(),
    records: {
      [Symbol.asyncIterator]() {
        once();
        return (async function* () {
          for await (const batch of t.batches()) yield* batch;
        })();
      },
    },
    batches: {
      [Symbol.asyncIterator]() {
        once();
        return (async function* () {
          for await (const batch of t.batches()) yield batch;
          // Notices of a read without prescan (hidden rows) are known only now.
          if (scanNotices === undefined) for (const n of t.noticesFor(path, opts.sheet !== undefined)) if (!notices.includes(n)) notices.push(n);
        })();
      },
    },
    sha256: () => zip.sha256,
    bytesRead: () => t.bytes,
    totalBytes: size,
    ...(count !== undefined ? { recordCount: count } : {}),
    close() {
      t.close();
    },
  };
  return self;
}
