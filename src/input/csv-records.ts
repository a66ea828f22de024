/**
 * Decoded text → CSV records, each with the physical line it starts on, by
 * csv-parse as a stream with backpressure (RFC 4180: `"` quotes a cell, `""`
 * inside is one quote, line breaks inside quotes belong to the cell).
 *
 * Lenient where the intent is clear: a quote inside an unquoted cell is kept
 * as a character (`12"5`), rows may have more or fewer cells than the header.
 * Blank lines and lines whose cells are all empty or spaces (`;;;` from Excel)
 * are skipped but counted. A quote that is never closed is fatal: it would
 * swallow the rest of the file, so it is a UsageError naming the line where
 * that row starts.
 *
 * Line numbers: csv-parse's `info.lines` counts a CRLF inside a quoted cell as
 * two lines (7.0.3), so lines are counted here instead: every record ends at
 * one record delimiter, which holds one LF (or is one CR, for old Mac files),
 * and any other line break is inside a cell. The count happens as csv-parse
 * emits each record (in `push`), so that the line of a failing record is
 * known even though the stream drops records it had buffered when it fails.
 */
import { Readable, pipeline } from 'node:stream';
import { CsvError, Parser } from 'csv-parse';
import { UsageError } from '../errors.js';

/** A record as read: every cell of the line (no header mapping yet). */
export interface RawRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  cells: string[];
}

export interface CsvReadOptions {
  delimiter: string;
  /** Also split records at a lone CR (a file whose first line break is a lone CR). */
  crLineBreaks: boolean;
  /** Line number of the first character of the text. */
  firstLine: number;
  /** The input's name, for messages. */
  name: string;
}

/** Longest record accepted (in UTF-8 bytes): longer means a runaway quote. */
export const MAX_RECORD_BYTES = 1 << 20;

function countBreaks(cells: readonly string[], cr: boolean): number {
  let n = 0;
  for (const cell of cells) {
    if (cell.indexOf('\n') === -1 && (!cr || cell.indexOf('\r') === -1)) continue;
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === 10) n++;
      else if (cr && c === 13) {
        n++;
        if (cell.charCodeAt(i + 1) === 10) i++;
      }
    }
  }
  return n;
}

/** Every cell empty or spaces (or a DOS end-of-file mark, 0x1A). */
function isBlank(cells: readonly string[]): boolean {
  for (const cell of cells) {
    const t = cell.trim();
    if (t !== '' && !(t.charCodeAt(0) === 0x1a && /^[\s\u001a]*$/.test(t))) return false;
  }
  return true;
}

/** csv-parse's stream, numbering the records as it emits them and dropping blank ones. */
class LineCountingParser extends Parser {
  /** Line where the next record starts. */
  nextLine: number;

  constructor(private readonly lines: CsvReadOptions) {
    super({
      delimiter: lines.delimiter,
      quote: '"',
      escape: '"',
      record_delimiter: lines.crLineBreaks ? ['\r\n', '\n', '\r'] : ['\r\n', '\n'],
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false, // counted here, then dropped
      bom: false, // removed before decoding
      max_record_size: MAX_RECORD_BYTES,
    });
    this.nextLine = lines.firstLine;
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null || !Array.isArray(chunk)) return super.push(chunk, encoding);
    const cells = chunk as string[];
    const line = this.nextLine;
    this.nextLine += 1 + countBreaks(cells, this.lines.crLineBreaks);
    if (isBlank(cells)) return true;
    const record: RawRecord = { line, cells };
    return super.push(record);
  }
}

/** A UsageError saying what is wrong with the CSV and how to fix it. */
function csvError(err: unknown, line: number, name: string): unknown {
  if (err instanceof UsageError) return err;
  if (err instanceof CsvError) {
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return new UsageError(
          `${name} line ${line}: a quoted cell in the row starting on this line is never closed — the file ends inside it. ` +
            `Every " that opens a cell needs a closing ", and a " inside a quoted cell must be doubled (""). Fix that row and run again.`,
        );
      case 'CSV_MAX_RECORD_SIZE':
        return new UsageError(
          `${name} line ${line}: the row starting on this line is longer than ${MAX_RECORD_BYTES / 1024 / 1024} MiB, the most payops reads as one row. ` +
            `If it has a " that opens a quoted cell, that quote may not be closed where it should be (every " that opens a cell needs a closing ", ` +
            `and a " inside a quoted cell must be doubled ""); otherwise the row is simply too long (a header with very many columns?): split or shorten it.`,
        );
      default:
        return new UsageError(`${name} line ${line}: cannot read the CSV: ${err.message}`);
    }
  }
  return err;
}

/**
 * The records of a CSV text, skipping blank ones, in batches: every record
 * csv-parse has ready at once comes in one array, so a record costs no
 * promise of its own. Reads `text` only as fast as the batches are consumed.
 * Errors are UsageErrors (or whatever `text` throws).
 */
export async function* readCsvBatches(text: AsyncIterable<string>, opts: CsvReadOptions): AsyncGenerator<RawRecord[]> {
  const parser = new LineCountingParser(opts);
  const source = Readable.from(text, { objectMode: true, highWaterMark: 4 });
  // Errors surface through the parser's iterator; the callback only keeps them from going unhandled.
  pipeline(source, parser, () => {});
  try {
    for await (const first of parser as AsyncIterable<RawRecord>) {
      const batch = [first];
      for (let r = parser.read() as RawRecord | null; r !== null; r = parser.read() as RawRecord | null) batch.push(r);
      yield batch;
    }
  } catch (err) {
    throw csvError(err, parser.nextLine, opts.name);
  } finally {
    source.destroy();
    parser.destroy();
  }
}
