/**
 * A streaming CSV writer in the input's dialect (docs/outputs.md#files): delimiter, line
 * ending, encoding and byte order mark as read, RFC 4180 quoting, every cell
 * formula-neutralised (csv-text.ts: csv-stringify, one record at a time).
 *
 * A file is written to a temporary file beside it (`.<name>.<pid>.tmp`),
 * synced, and renamed into place by `commit()`, so a reader never sees half a
 * file and a crash leaves the previous file as it was; `abort()` removes the
 * temporary file. `-` writes to stdout, and a device or FIFO such as
 * `/dev/null` is written directly (no temporary file, see `Mode`).
 *
 * Rows are gathered into ~64 KiB chunks, turned into text a chunk at a time
 * and handed to the stream (one `write` per row is several times slower, and
 * csv-stringify costs a third less per row given many at once). `write()` returns a promise only
 * when the stream asks the writer to wait (backpressure); await it.
 */
import { closeSync, createWriteStream, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync, type Stats, type WriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { Options as CsvOptions } from 'csv-stringify/sync';
import { bomText, csvLine, csvLines, csvOptions, type LineEnding } from './csv-text.js';
import { encodeText, outputEncoding, writesBom, type OutputEncoding } from './encoding.js';
import { realPathOf, refuseInputAsOutput } from './same-file.js';

/** How an output file is written: the input's dialect. */
export interface OutputDialect {
  /** One character: `,` `;` tab or `|`. */
  delimiter: string;
  lineEnding: LineEnding;
  /** The input started with a byte order mark (decides it for UTF-8). */
  bom: boolean;
  /** The input's encoding (`utf-8`, `utf-16le`, `utf-16be`, `windows-1252`, or another label read with --encoding). */
  encoding: string;
  /** The input started with Excel's `sep=X` line: the output does too. */
  sepLine?: boolean;
}

export interface CsvWriterOptions {
  /** Cells of the first record. */
  header?: readonly string[];
  /** The input file: an output path naming it is refused (UsageError). */
  inputPath?: string;
  /** What the file is, for messages: `results file`, `failed-rows file`. */
  role?: string;
  /**
   * Create the file only when the first row is written (the header with it).
   * Until then nothing exists on disk; `started` tells whether it happened.
   */
  lazy?: boolean;
  /** The stream `-` writes to (default process.stdout). */
  stdout?: Writable;
}

export interface CsvWriter {
  /** The path as given (`-` for stdout). */
  readonly path: string;
  /** Rows written, header not counted. */
  readonly rows: number;
  /** The file (or stdout) has been started: always true unless `lazy` and no row came. */
  readonly started: boolean;
  /**
   * Write one row. Returns a promise when the caller must wait for the stream to drain.
   * The cells are kept until their chunk is written: hand over an array that is not changed afterwards.
   */
  write(cells: readonly string[]): Promise<void> | void;
  /**
   * Whether rows can be placed later (`hole`/`fill`): only a file written
   * through a temporary file, not stdout or a device.
   */
  readonly canFillLater: boolean;
  /**
   * Keep a place for a row whose content is known later (a row set aside for
   * a lookup): the row given to `fill` is written there, in input order, when
   * the file is committed. Starts a lazy file.
   */
  hole(): number;
  /** Give the row for a hole; a hole never filled stays empty. */
  fill(hole: number, cells: readonly string[]): void;
  /** Flush, sync and rename the temporary file into place. */
  commit(): Promise<void>;
  /**
   * Stop and remove the temporary file; the target is left as it was. The
   * file is unlinked before the returned promise's first await, so calling it
   * without awaiting (a second signal, then exit) leaves nothing behind. Safe
   * to call more than once, and after commit (then it does nothing).
   */
  abort(): Promise<void>;
}

/** Text gathered before it is encoded and handed to the stream. */
const CHUNK_CHARS = 64 * 1024;

/** The temporary file an output is written to before the rename: `.<name>.<pid>.tmp` beside it. */
export function tempPathFor(path: string): string {
  const abs = resolve(path);
  return join(dirname(abs), `.${basename(abs)}.${process.pid}.tmp`);
}

/** A CSV writer to `path` (or stdout for `-`). Throws a UsageError when the path cannot be written. */
export function createCsvWriter(path: string, dialect: OutputDialect, options: CsvWriterOptions = {}): CsvWriter {
  return new StreamingCsvWriter(path, dialect, options);
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

/**
 * How the output reaches its destination:
 * - `stdout`: `-`;
 * - `direct`: an existing device, FIFO or socket (`/dev/null`, `/dev/stdout`,
 *   a named pipe) is written as it is — renaming a temporary file onto it
 *   would replace the device with a plain file;
 * - `replace`: a regular file (or a new one) is written to a temporary file
 *   beside it and renamed into place. A symbolic link is followed, so the
 *   file it points to is replaced and the link stays.
 */
type Mode = 'stdout' | 'direct' | 'replace';

function modeOf(path: string, role: string): { mode: Mode; target: string } {
  if (path === '-') return { mode: 'stdout', target: path };
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch {
    // does not exist yet (or a dangling link): a new file
  }
  if (st?.isDirectory()) throw new UsageError(`cannot write the ${role} ${path}: it is a folder; give a file name`);
  if (st && !st.isFile()) return { mode: 'direct', target: path };
  return { mode: 'replace', target: st ? realPathOf(path) : path };
}

class StreamingCsvWriter implements CsvWriter {
  readonly path: string;
  rows = 0;
  started = false;
  private readonly role: string;
  private readonly csv: CsvOptions;
  private readonly encoding: OutputEncoding;
  private readonly bom: boolean;
  private readonly preamble: string;
  private readonly header: readonly string[] | undefined;
  private readonly mode: Mode;
  /** The file renamed onto (`replace`) or written (`direct`). */
  private readonly target: string;
  private readonly stdout: Writable | undefined;
  private readonly tmpPath: string | undefined;
  private fd: number | undefined;
  private out: Writable | undefined;
  private buf = '';
  /** Rows written but not yet turned into text, and about how many characters they hold. */
  private pending: (readonly string[])[] = [];
  private pendingChars = 0;
  private error: Error | undefined;
  private state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  /** Bytes handed to the stream so far (BOM included): where a hole is. */
  private bytesOut = 0;
  private readonly holes: number[] = [];
  private readonly fills = new Map<number, string>();
  private waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(path: string, dialect: OutputDialect, options: CsvWriterOptions) {
    this.path = path;
    this.role = options.role ?? 'output file';
    this.csv = csvOptions(dialect.delimiter, dialect.lineEnding);
    this.encoding = outputEncoding(dialect.encoding);
    this.bom = writesBom(dialect.encoding, dialect.bom);
    this.preamble = dialect.sepLine ? `sep=${dialect.delimiter}${dialect.lineEnding}` : '';
    this.header = options.header;
    this.stdout = options.stdout;
    if (path !== '-') refuseInputAsOutput(path, options.inputPath, this.role);
    const { mode, target } = modeOf(path, this.role);
    this.mode = mode;
    this.target = target;
    if (mode === 'replace') this.tmpPath = tempPathFor(target);
    if (!options.lazy) this.start();
    else if (this.tmpPath !== undefined) {
      // Find out now, before anything is sent, whether the file could be created.
      this.openTemp();
      closeSync(this.fd!);
      this.fd = undefined;
      unlinkSync(this.tmpPath);
    }
  }

  private openTemp(): void {
    try {
      this.fd = openSync(this.tmpPath!, 'w', 0o666);
    } catch (err) {
      throw new UsageError(describeOpenError(err as NodeJS.ErrnoException, this.role, this.path));
    }
  }

  private start(): void {
    this.started = true;
    if (this.mode === 'stdout') {
      this.out = this.stdout ?? process.stdout;
    } else if (this.mode === 'direct') {
      // Opened asynchronously: opening a FIFO waits for its reader.
      this.out = createWriteStream(this.target, { highWaterMark: 256 * 1024 });
    } else {
      if (this.fd === undefined) this.openTemp();
      // The stream owns the descriptor from here: `flush` syncs it before the stream closes it.
      this.out = createWriteStream(this.tmpPath!, { fd: this.fd!, flush: true, highWaterMark: 256 * 1024 });
      this.fd = undefined;
    }
    this.out.on('error', (err: Error) => this.fail(err));
    // The byte order mark is text here, encoded with the rest by `flush`.
    this.buf = bomText(this.bom) + this.preamble;
    if (this.header) this.buf += csvLine(this.header, this.csv);
  }

  private fail(err: Error): void {
    if (this.error) return;
    const e = new Error(`cannot write the ${this.role} ${this.path}: ${err.message}`, { cause: err });
    this.error = e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }

  write(cells: readonly string[]): Promise<void> | void {
    if (this.error) throw this.error;
    if (this.state !== 'open') throw new Error(`the ${this.role} ${this.path} is already ${this.state}`);
    if (!this.started) this.start();
    this.pending.push(cells);
    let chars = this.pendingChars + cells.length;
    for (let i = 0; i < cells.length; i++) chars += cells[i]!.length;
    this.pendingChars = chars;
    this.rows++;
    if (chars >= CHUNK_CHARS) return this.flush();
  }

  /** Hand the gathered rows to the stream as text; a promise when it asks to wait. */
  private flush(): Promise<void> | void {
    if (this.pending.length > 0) {
      this.buf += csvLines(this.pending, this.csv);
      this.pending = [];
      this.pendingChars = 0;
    }
    if (this.buf.length === 0) return;
    const text = this.buf;
    this.buf = '';
    let ok: boolean;
    if (this.encoding === 'utf-8') {
      this.bytesOut += Buffer.byteLength(text, 'utf8');
      ok = this.out!.write(text, 'utf8');
    } else {
      const bytes = encodeText(text, this.encoding);
      this.bytesOut += bytes.length;
      ok = this.out!.write(bytes);
    }
    if (!ok) return this.drained();
  }

  get canFillLater(): boolean {
    return this.mode === 'replace';
  }

  hole(): number {
    if (this.error) throw this.error;
    if (!this.canFillLater) throw new Error(`the ${this.role} ${this.path} cannot keep a place for a row`);
    if (!this.started) this.start();
    // Hand the buffered text over now so the hole's byte offset is exact; the
    // stream buffers it (holes are rare: rows waiting for a lookup).
    void this.flush();
    this.holes.push(this.bytesOut);
    return this.holes.length - 1;
  }

  fill(hole: number, cells: readonly string[]): void {
    if (hole < 0 || hole >= this.holes.length) throw new RangeError(`no hole ${hole}`);
    this.fills.set(hole, csvLine(cells, this.csv));
    this.rows++;
  }

  /** Copy the finished temporary file into a second one with the filled holes in place, and swap them. */
  private spliceFills(): void {
    if (this.fills.size === 0) return;
    const src = this.tmpPath!;
    const dst = `${src}.fill`;
    const inserts = [...this.fills].map(([h, text]) => ({ at: this.holes[h]!, text })).sort((a, b) => a.at - b.at);
    const rfd = openSync(src, 'r');
    const wfd = openSync(dst, 'w', 0o666);
    try {
      const size = fstatSync(rfd).size;
      const chunk = Buffer.alloc(1 << 20);
      let pos = 0;
      const copyTo = (end: number) => {
        while (pos < end) {
          const n = readSync(rfd, chunk, 0, Math.min(chunk.length, end - pos), pos);
          if (n <= 0) break;
          writeSync(wfd, chunk, 0, n);
          pos += n;
        }
      };
      for (const ins of inserts) {
        copyTo(ins.at);
        writeSync(wfd, this.encoding === 'utf-8' ? Buffer.from(ins.text, 'utf8') : encodeText(ins.text, this.encoding));
      }
      copyTo(size);
      fsyncSync(wfd);
    } finally {
      closeSync(rfd);
      closeSync(wfd);
    }
    renameSync(dst, src);
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.error) return reject(this.error);
      const onDrain = () => {
        this.waiter = undefined;
        resolve();
      };
      this.out!.once('drain', onDrain);
      this.waiter = {
        resolve,
        reject: (e) => {
          this.out?.off('drain', onDrain);
          reject(e);
        },
      };
    });
  }

  async commit(): Promise<void> {
    if (this.state === 'committed') return;
    if (this.state !== 'open') throw new Error(`the ${this.role} ${this.path} is ${this.state}`);
    if (this.error) throw this.error;
    if (!this.started) {
      this.state = 'committed'; // lazy and nothing written: no file
      return;
    }
    this.state = 'committing';
    try {
      const pending = this.flush();
      if (pending) await pending;
      if (this.mode === 'stdout') {
        await new Promise<void>((resolve, reject) => {
          this.out!.write('', (err) => (err ? reject(err) : resolve()));
        });
      } else {
        const stream = this.out as WriteStream;
        await new Promise<void>((resolve, reject) => {
          stream.once('error', reject);
          stream.once('close', () => resolve()); // after finish, the fsync and the close
          stream.end();
        });
        if (this.error) throw this.error;
        if (this.mode === 'replace') {
          this.spliceFills();
          renameSync(this.tmpPath!, this.target);
          syncDirectory(dirname(resolve(this.target)));
        }
      }
      if (this.error) throw this.error;
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
    this.buf = '';
    this.pending = [];
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
    if (this.mode === 'stdout') return;
    // Unlink first, synchronously: after a second signal the process may exit
    // before the stream has closed (POSIX allows removing an open file).
    const removed = this.removeTemp();
    if (this.out) {
      const stream = this.out as WriteStream;
      await new Promise<void>((resolve) => {
        if (stream.closed) return resolve();
        stream.once('close', () => resolve());
        if (!stream.destroyed) stream.destroy();
      });
    }
    if (!removed) this.removeTemp(); // Windows: only once it is closed
  }

  /** Remove the temporary file; false when it is still there. */
  private removeTemp(): boolean {
    if (!this.started || this.tmpPath === undefined) return true;
    try {
      unlinkSync(this.tmpPath);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT';
    }
  }
}

/** Make a rename durable: sync the directory (where the platform allows it). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort: Windows cannot open a folder this way
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
