/**
 * Open an input CSV and stream its records (docs/input.md): bytes → encoding →
 * dialect → csv-parse → header mapping → {@link InputRecord}s, with
 * backpressure all the way (nothing holds the whole file).
 *
 * A regular file is read through once before {@link openInput} returns (after
 * the UTF-8 check, when that is needed): every problem that stops the run — a
 * bad header, an unclosed quote, invalid bytes under `--encoding` — is then
 * found before a single record is handed out, the SHA-256 and the record
 * count are known up front, and every notice is in `notices`. Then it is read
 * again for the records. stdin (and any other stream) is read once, so such a
 * problem can only surface from the records iterator, as a UsageError, part
 * way through; its notices may grow while records are read, and its SHA-256 is
 * known once the records are exhausted.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { InputRecord } from '../rows/types.js';
import { openByteSource, type ByteSource } from './byte-source.js';
import { readCsvBatches, type RawRecord } from './csv-records.js';
import { parseDelimiterOption, sniffDialect, type Dialect, type Sniffed } from './dialect.js';
import { chooseEncoding, decodeBytes, decodeHead, resolveEncodingLabel, type EncodingPlan } from './encoding.js';
import { emptyHeaderMap, mapHeaders, type ColumnMapping, type HeaderMap, type HeaderMode } from './headers.js';
import { looksLikeWorkbook } from './file-type.js';

export interface InputSource {
  /** The path, or `stdin`. */
  name: string;
  dialect: Dialect;
  /** Things the user should know (encoding assumed, values ignored…), one sentence each. */
  notices: string[];
  /** The kept columns' header names, as written in the file. Empty for an empty input. */
  header: string[];
  /** Line of the header (after a `sep=` line and blank lines); 0 for an empty input. */
  headerLine: number;
  headers: HeaderMap;
  /** The data records, in file order; can be iterated once (this or `batches`). */
  records: AsyncIterable<InputRecord>;
  /** The same records in arrays of those read at once: cheaper per record. Iterated once (this or `records`). */
  batches: AsyncIterable<InputRecord[]>;
  /** SHA-256 (hex) of the input's bytes. A regular file: at once; a stream: after the records are exhausted (throws before). */
  sha256(): string;
  /** Bytes read so far by the records iterator (for progress against `totalBytes`). */
  bytesRead(): number;
  /** Size of a regular file. */
  totalBytes?: number;
  /** Number of data records, when known up front (a regular file). */
  recordCount?: number;
  /** Stop reading (when the records will not be read to the end). Idempotent. */
  close(): void;
}

export interface OpenInputOptions {
  /** `--encoding`: any label TextDecoder knows (utf-8, utf-16le, utf-16be, windows-1252, latin1…). */
  encoding?: string;
  /** `--delimiter`: `,` `;` `tab` `\t` `|` (or comma, semicolon, pipe). */
  delimiter?: string;
  /** The stream to read for `-` (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Read a regular file through once before returning (default true). See the module comment. */
  prescan?: boolean;
  /**
   * `input` (default): the header rules of an input file (docs/input.md#headers). `results`:
   * reading a results file (`payops reconcile`), whose own columns repeat
   * fields (`payment_type` means operation too): the first column of a field
   * wins, later ones are user columns, and no field is required.
   */
  headerMode?: HeaderMode;
  /** `--sheet`: the worksheet of a workbook input (default: the first). */
  sheet?: string;
  /** `--column FIELD=HEADER` / `--columns FILE`: the columns the user says hold which field. */
  columns?: ColumnMapping;
}

interface Context {
  name: string;
  headerMode: HeaderMode;
  columns: ColumnMapping | undefined;
  plan: EncodingPlan;
  sniffed: Sniffed;
  notices: string[];
}

function addNotice(notices: string[], notice: string): void {
  if (!notices.includes(notice)) notices.push(notice);
}

async function* skipChars(text: AsyncIterable<string>, count: number): AsyncGenerator<string> {
  let left = count;
  for await (const chunk of text) {
    if (left === 0) {
      yield chunk;
    } else if (chunk.length <= left) {
      left -= chunk.length;
    } else {
      const rest = chunk.slice(left);
      left = 0;
      yield rest;
    }
  }
}

/**
 * A NUL character anywhere (not only near the start, where the binary check
 * looks) is refused: no CSV export holds one, and it would pass into the
 * outputs. The line is counted by line feeds, close enough for a message.
 */
async function* refuseNul(text: AsyncIterable<string>, name: string, firstLine: number): AsyncGenerator<string> {
  let line = firstLine;
  for await (const chunk of text) {
    const at = chunk.indexOf('\u0000');
    if (at >= 0) {
      for (let i = chunk.indexOf('\n'); i >= 0 && i < at; i = chunk.indexOf('\n', i + 1)) line++;
      throw new UsageError(
        `${name} line ${line}: holds a NUL character (byte 0), which no CSV export has: the file is damaged or not text. Nothing was sent`,
      );
    }
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) line++;
    yield chunk;
  }
}

interface HeaderInfo {
  line: number;
  /** Kept header names. */
  names: string[];
  /** For each kept column, its index among the file's cells. */
  kept: number[];
  /** For each physical column of the header, whether it is kept. */
  keptMask: boolean[];
  map: HeaderMap;
}

/** Size of the blocks compared between the two reads of a regular file. */
const BLOCK = 64 * 1024;

/**
 * SHA-256 of each 64 KiB block of a read, whatever the chunks: the first read
 * records them, the second compares, so a file that changes between or during
 * the reads (an export still being written) is caught at the first changed
 * block — before any row read after the change is handed out.
 */
class BlockDigests {
  readonly digests: string[] = [];
  private hash = createHash('sha256');
  private filled = 0;

  constructor(
    private readonly expected: readonly string[] | undefined,
    private readonly onChange: () => never,
  ) {}

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(BLOCK - this.filled, chunk.length - at);
      this.hash.update(chunk.subarray(at, at + take));
      this.filled += take;
      at += take;
      if (this.filled === BLOCK) this.close();
    }
  }

  /** The last, partial block (at the end of the read). */
  end(): void {
    if (this.filled > 0) this.close();
    if (this.expected && this.digests.length !== this.expected.length) this.onChange();
  }

  private close(): void {
    const d = this.hash.digest('hex');
    const i = this.digests.push(d) - 1;
    if (this.expected && this.expected[i] !== d) this.onChange();
    this.hash = createHash('sha256');
    this.filled = 0;
  }
}

function changedWhileRead(name: string): never {
  throw new UsageError(
    `${name} changed while payops read it (is it still being written?): stopped before sending any row read after the change. ` +
      `Wait until the file is complete, then run again`,
  );
}

/** One read of the input from its first byte. */
class Table {
  private readonly hash = createHash('sha256');
  readonly blocks: BlockDigests;
  bytes = 0;
  digest: string | undefined;
  header: HeaderInfo | undefined;
  private readonly raw: AsyncGenerator<RawRecord[]>;
  /** Records of the first batch that came after the header. */
  private afterHeader: RawRecord[] = [];
  private droppedValueNoticed = false;

  constructor(
    bytes: AsyncIterable<Buffer>,
    private readonly ctx: Context,
    expectedBlocks?: readonly string[],
  ) {
    const { plan, sniffed, name } = ctx;
    this.blocks = new BlockDigests(expectedBlocks, () => changedWhileRead(name));
    const text = refuseNul(skipChars(decodeBytes(this.meter(bytes), plan), sniffed.sepLineLength), name, sniffed.sepLine ? 2 : 1);
    this.raw = readCsvBatches(text, {
      delimiter: sniffed.delimiter,
      crLineBreaks: sniffed.crLineBreaks,
      firstLine: sniffed.sepLine ? 2 : 1,
      name,
    });
  }

  private async *meter(bytes: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of bytes) {
      this.blocks.feed(chunk);
      this.hash.update(chunk);
      this.bytes += chunk.length;
      yield chunk;
    }
    this.blocks.end();
    this.digest = this.hash.digest('hex');
  }

  /** Reads up to the header and maps it (UsageError for a bad one). */
  async readHeader(): Promise<void> {
    let first: IteratorResult<RawRecord[]>;
    try {
      first = await this.raw.next();
    } catch (err) {
      await this.raw.return(undefined);
      throw err;
    }
    if (first.done) return;
    const { line, cells } = first.value[0]!;
    this.afterHeader = first.value.slice(1);
    if (cells.length > 0) cells[0] = cells[0]!.replace(/^\uFEFF+/, '');
    const keptMask = cells.map((c) => c.trim() !== '');
    const kept: number[] = [];
    keptMask.forEach((k, i) => k && kept.push(i));
    const names = kept.map((i) => cells[i]!);
    try {
      this.header = { line, names, kept, keptMask, map: mapHeaders(names, kept.map((i) => i + 1), { mode: this.ctx.headerMode, ...(this.ctx.columns ? { columns: this.ctx.columns } : {}) }) };
    } catch (err) {
      await this.raw.return(undefined);
      throw err;
    }
  }

  async *batches(): AsyncGenerator<InputRecord[]> {
    const header = this.header;
    if (!header) {
      // No header: the input is empty (or blank); raw is exhausted.
      for await (const _ of this.raw) void _;
      return;
    }
    if (this.afterHeader.length) yield this.shape(this.afterHeader, header);
    this.afterHeader = [];
    for await (const batch of this.raw) yield this.shape(batch, header);
  }

  async *records(): AsyncGenerator<InputRecord> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** Each record's cells cut or padded to the kept columns, in place where nothing is dropped. */
  private shape(batch: RawRecord[], header: HeaderInfo): InputRecord[] {
    const { kept, keptMask } = header;
    const width = kept.length;
    const allKept = width === keptMask.length;
    const out: InputRecord[] = new Array<InputRecord>(batch.length);
    for (let b = 0; b < batch.length; b++) {
      const { line, cells } = batch[b]!;
      if (!this.droppedValueNoticed) this.checkDropped(line, cells, keptMask);
      let row: string[];
      const had = cells.length;
      if (allKept) {
        row = cells;
        if (row.length > width) row.length = width;
        while (row.length < width) row.push('');
      } else {
        row = new Array<string>(width);
        for (let k = 0; k < width; k++) row[k] = cells[kept[k]!] ?? '';
      }
      out[b] = had < keptMask.length ? { line, cells: row, short: { cells: had, header: keptMask.length } } : { line, cells: row };
    }
    return out;
  }

  /** A value in a column without a header is not carried; say so once. */
  private checkDropped(line: number, cells: readonly string[], keptMask: readonly boolean[]): void {
    for (let i = 0; i < cells.length; i++) {
      if (keptMask[i] === true || cells[i]!.trim() === '') continue;
      this.droppedValueNoticed = true;
      addNotice(
        this.ctx.notices,
        `column ${i + 1} has no header but has a value on line ${line}; columns without a header are ignored, ` +
          `so its values are not carried to the outputs. Give the column a header to keep them.`,
      );
      return;
    }
  }

  close(): void {
    this.raw.return(undefined).catch(() => {});
  }
}

/** What an input without a header holds, for the message. */
function emptyKind(head: Buffer, bom: boolean): string {
  if (head.length === 0) return 'is empty (0 bytes)';
  const text = head.toString('latin1').replace(/^\xEF\xBB\xBF|^\xFF\xFE|^\xFE\xFF/, '');
  if (bom && text.replace(/\x00/g, '').trim() === '') return 'holds only a byte order mark';
  return 'holds only blank lines';
}

/**
 * Open `path` (`-` for stdin) for reading. Throws a UsageError for an input
 * that cannot be read (missing, a directory, not text, a bad header…).
 */
export async function openInput(path: string | '-', opts: OpenInputOptions = {}): Promise<InputSource> {
  // Check the options before touching the input.
  const delimiter = opts.delimiter !== undefined ? parseDelimiterOption(opts.delimiter) : undefined;
  if (opts.encoding !== undefined) resolveEncodingLabel(opts.encoding);

  const src: ByteSource = await openByteSource(path, opts.stdin);
  if (looksLikeWorkbook(src.head, src.name)) {
    // An Excel workbook: its own reader, the same records (xlsx-records.ts).
    src.close();
    if (!src.rereadable || src.size === undefined) {
      throw new UsageError(`${src.name} is an Excel workbook: payops reads a workbook from a file, not a pipe. Give its path instead of -.`);
    }
    // Loaded only for a workbook: exceljs and its zip reader cost 0.3 s of start-up that a CSV run need not pay.
    const { openWorkbookInput } = await import('./xlsx-records.js');
    return openWorkbookInput(path, src.size, {
      ...(opts.sheet !== undefined ? { sheet: opts.sheet } : {}),
      ...(opts.prescan !== undefined ? { prescan: opts.prescan } : {}),
      ...(opts.headerMode ? { headerMode: opts.headerMode } : {}),
      ...(opts.columns ? { columns: opts.columns } : {}),
    });
  }
  if (opts.sheet !== undefined) {
    src.close();
    throw new UsageError(`--sheet names a worksheet of an Excel workbook, but ${src.name} is not one (it is read as CSV text). Leave out --sheet.`);
  }
  let table: Table | undefined;
  try {
    const plan = await chooseEncoding(
      { name: src.name, head: src.head, headIsAll: src.headIsAll, reread: src.rereadable ? () => src.read() : undefined },
      opts.encoding,
    );
    const headText = decodeHead(src.head, plan, src.name);
    const sniffed = sniffDialect(headText, { delimiter, complete: src.headIsAll });
    const notices = [...plan.notices];
    if (sniffed.crLineBreaks) addNotice(notices, `input's lines end in a lone CR (old Mac format); outputs end lines in CRLF`);
    const dialect: Dialect = {
      delimiter: sniffed.delimiter,
      lineEnding: sniffed.lineEnding,
      bom: plan.bom,
      encoding: plan.encoding,
      sepLine: sniffed.sepLine,
    };
    const ctx: Context = { name: src.name, headerMode: opts.headerMode ?? 'input', columns: opts.columns, plan, sniffed, notices };

    let known: { sha256: string; count: number; blocks: readonly string[] } | undefined;
    if (src.rereadable && opts.prescan !== false) {
      const scan = new Table(src.read(), ctx);
      await scan.readHeader();
      let count = 0;
      for await (const batch of scan.batches()) count += batch.length;
      known = { sha256: scan.digest!, count, blocks: scan.blocks.digests };
      // Grew or shrank while it was read through: an export still being written.
      if (src.size !== undefined && (scan.bytes !== src.size || (await src.currentSize?.()) !== src.size)) changedWhileRead(src.name);
    }

    const t = new Table(src.read(), ctx, known?.blocks);
    table = t;
    await t.readHeader();
    const header = t.header;
    // An empty export is a failed export: a cron job must not see it as green (exit 2).
    if (!header) throw new UsageError(`${src.name} ${emptyKind(src.head, plan.bom)}: there is no header row, so there are no operations. Was the export cut short? Nothing was sent`);

    let iterated = false;
    const once = () => {
      if (iterated) throw new Error('the records of an input can be read only once');
      iterated = true;
    };
    const records: AsyncIterable<InputRecord> = {
      [Symbol.asyncIterator]() {
        once();
        return t.records();
      },
    };
    const batches: AsyncIterable<InputRecord[]> = {
      [Symbol.asyncIterator]() {
        once();
        return t.batches();
      },
    };
    return {
      name: src.name,
      dialect,
      notices,
      header: header?.names ?? [],
      headerLine: header?.line ?? 0,
      headers: header?.map ?? emptyHeaderMap(),
      records,
      batches,
      sha256() {
        const digest = t.digest ?? known?.sha256;
        if (digest === undefined) throw new Error(`the SHA-256 of ${src.name} is known only after its records were read`);
        return digest;
      },
      bytesRead: () => t.bytes,
      totalBytes: src.size,
      recordCount: known?.count,
      close() {
        t.close();
        src.close();
      },
    };
  } catch (err) {
    table?.close();
    src.close();
    throw err;
  }
}
