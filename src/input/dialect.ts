/**
 * The CSV dialect of the input: delimiter, line ending, byte order mark,
 * encoding, and whether Excel's `sep=` line leads the file (docs/input.md#dialect). Outputs
 * are written in the same dialect (docs/outputs.md#files).
 *
 * Delimiter, in order of precedence:
 * 1. `--delimiter` (`,` `;` `tab` `\t` `|`, or `comma` `semicolon` `pipe`);
 * 2. a first line `sep=X` (Excel's hint; that line is not the header, but it
 *    still counts as line 1 for line numbers);
 * 3. sniffed from the header line (the first line that is not blank): each of
 *    `,` `;` tab is counted outside double quotes and the most frequent wins.
 *    A tie between candidates that occur is broken by the lines that follow
 *    (the candidate found the same number of times on the most of the next
 *    20 lines), then by preferring tab, then `;`, then `,` — a tab or a
 *    semicolon is rarely part of a column name, a comma sometimes is
 *    (`amount, EUR`). A header with none of them (one column) reads as `,`.
 *
 * Line ending: from the first line break (`\r\n` → CRLF, `\n` → LF). A lone
 * `\r` (old Mac "CSV (Macintosh)") reads lines split at `\r` too, and outputs
 * use CRLF. No line break at all: LF. Mixed files read fine (LF lines in a
 * CRLF file and the reverse); line numbers count LF.
 *
 * csv-parse's own `delimiter_auto` is not used: in 7.0.3 it rejects quoted
 * cells in `;` files and throws a TypeError on BOM + CRLF input.
 */
import { UsageError } from '../errors.js';
import { encodingDisplayName } from './encoding.js';

export interface Dialect {
  /** `,` `;` tab or `|`. */
  delimiter: string;
  lineEnding: '\r\n' | '\n';
  /** The input started with a byte order mark. */
  bom: boolean;
  /** WHATWG encoding name, as TextDecoder reports it: `utf-8`, `utf-16le`, `windows-1252`… */
  encoding: string;
  /** The input's first line was Excel's `sep=X`. */
  sepLine: boolean;
  /** The input is an Excel workbook: the sheet read (the fields above are for CSV outputs). */
  sheet?: string;
}

/** The delimiters payops reads. Detection considers the first three only. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
const SNIFFED = ['\t', ';', ','] as const; // also the tie-break preference order

const DELIMITER_WORDS: Record<string, string> = {
  ',': 'comma',
  ';': 'semicolon',
  '\t': 'tab',
  '|': 'pipe',
};

/** `--delimiter` value → the delimiter character, or a UsageError. */
export function parseDelimiterOption(value: string): string {
  const v = value.length === 1 ? value : value.trim().toLowerCase();
  switch (v) {
    case ',':
    case 'comma':
      return ',';
    case ';':
    case 'semicolon':
      return ';';
    case '\t':
    case '\\t':
    case 'tab':
      return '\t';
    case '|':
    case 'pipe':
      return '|';
    default:
      throw new UsageError(`--delimiter ${JSON.stringify(value)} is not one payops reads; use "," ";" "tab" or "|"`);
  }
}

/** What sniffing the start of the decoded input found. */
export interface Sniffed {
  delimiter: string;
  lineEnding: '\r\n' | '\n';
  /** The first line break is a lone CR: records are also split at a lone CR. */
  crLineBreaks: boolean;
  sepLine: boolean;
  /** Characters of the `sep=` line, its line break included (0 when there is none). */
  sepLineLength: number;
  /** Where the delimiter came from. */
  delimiterFrom: 'option' | 'sep line' | 'header' | 'default';
}

// `sep=;` as Excel writes it; tolerate quotes around it and delimiters after it (a re-saved file).
const SEP_LINE = /^"?sep=(\\t|[^"\r\n])"?[,;\t|]*[ ]*$/i;

/**
 * Sniff the dialect from the first decoded characters of the input (after any
 * byte order mark). `complete`: `text` is the whole input.
 */
export function sniffDialect(text: string, opts: { delimiter?: string; complete?: boolean } = {}): Sniffed {
  const complete = opts.complete ?? true;
  let lineEnding: '\r\n' | '\n' = '\n';
  let crLineBreaks = false;
  const firstBreak = text.search(/[\r\n]/);
  if (firstBreak !== -1 && text[firstBreak] === '\r') {
    const next = text[firstBreak + 1];
    if (next === '\n' || (next === undefined && !complete)) lineEnding = '\r\n';
    else if (next !== undefined || complete) {
      lineEnding = '\r\n';
      crLineBreaks = true;
    }
  }

  // The sep= line (after any further byte order marks: a BOM added to a file that had one).
  const firstLineEnd = firstBreak === -1 ? text.length : firstBreak;
  const extraBoms = /^\uFEFF*/.exec(text)![0].length;
  const match = SEP_LINE.exec(text.slice(extraBoms, firstLineEnd));
  let sepLine = false;
  let sepLineLength = 0;
  let sepDelimiter: string | undefined;
  if (match) {
    const ch = match[1] === '\\t' ? '\t' : match[1]!;
    if (!(DELIMITERS as readonly string[]).includes(ch))
      throw new UsageError(
        `line 1 "${text.slice(extraBoms, firstLineEnd)}" names ${JSON.stringify(ch)} as the delimiter; payops reads "," ";" tab or "|". ` +
          `Change that line or remove it and pass --delimiter.`,
      );
    sepLine = true;
    sepDelimiter = ch;
    sepLineLength = firstLineEnd + (text.startsWith('\r\n', firstLineEnd) ? 2 : firstBreak === -1 ? 0 : 1);
  }

  if (opts.delimiter !== undefined)
    return { delimiter: opts.delimiter, lineEnding, crLineBreaks, sepLine, sepLineLength, delimiterFrom: 'option' };
  if (sepDelimiter !== undefined)
    return { delimiter: sepDelimiter, lineEnding, crLineBreaks, sepLine, sepLineLength, delimiterFrom: 'sep line' };

  const lines = logicalLines(text.slice(sepLineLength), 21);
  const header = lines[0];
  if (header === undefined) return { delimiter: ',', lineEnding, crLineBreaks, sepLine, sepLineLength, delimiterFrom: 'default' };
  const delimiter = pickDelimiter(header, lines.slice(1));
  return {
    delimiter: delimiter ?? ',',
    lineEnding,
    crLineBreaks,
    sepLine,
    sepLineLength,
    delimiterFrom: delimiter === undefined ? 'default' : 'header',
  };
}

/** Up to `max` non-blank lines, a line break inside double quotes not ending a line. */
function logicalLines(text: string, max: number): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i <= text.length && out.length < max; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (i === text.length || (!quoted && (ch === '\n' || ch === '\r'))) {
      const line = text.slice(start, i);
      if (line.trim() !== '') out.push(line);
      if (ch === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    }
  }
  return out;
}

/** Occurrences of `ch` outside double quotes. */
function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) n++;
  }
  return n;
}

/** The delimiter of a header line, or undefined when it has none of them. */
export function pickDelimiter(header: string, following: readonly string[] = []): string | undefined {
  let best: string[] = [];
  let bestCount = 0;
  for (const d of SNIFFED) {
    const n = countOutsideQuotes(header, d);
    if (n > bestCount) (best = [d]), (bestCount = n);
    else if (n === bestCount && n > 0) best.push(d);
  }
  if (best.length <= 1) return best[0];
  // Tie: the candidate whose count on the following lines matches the header's most often.
  let winner = best[0]!;
  let winnerAgree = -1;
  for (const d of best) {
    const agree = following.filter((l) => countOutsideQuotes(l, d) === bestCount).length;
    if (agree > winnerAgree) (winner = d), (winnerAgree = agree);
  }
  return winner;
}

/** The one-line "detected dialect" message, e.g. `input: semicolon-separated, CRLF, UTF-8 with BOM, "sep=" line`. */
export function describeDialect(d: Dialect): string {
  if (d.sheet !== undefined) return `input: Excel workbook, sheet ${JSON.stringify(d.sheet)}`;
  const parts = [
    `${DELIMITER_WORDS[d.delimiter] ?? JSON.stringify(d.delimiter)}-separated`,
    d.lineEnding === '\r\n' ? 'CRLF' : 'LF',
    `${encodingDisplayName(d.encoding)}${d.bom ? ' with BOM' : ''}`,
  ];
  if (d.sepLine) parts.push('"sep=" line');
  return `input: ${parts.join(', ')}`;
}
