/**
 * Which character encoding the input is in, and decoding it as a stream (docs/input.md#encoding).
 *
 * - A byte order mark decides: UTF-8, UTF-16LE, UTF-16BE (Excel's "Unicode Text").
 * - Without one, valid UTF-8 is UTF-8; anything else is read as Windows-1252
 *   (Excel's "CSV" on Windows) with a notice. For a regular file validity is
 *   checked over the whole file before anything is decoded; a stream (stdin)
 *   cannot be read twice, so its first 64 KiB decide and invalid bytes later on
 *   stop the run with a message naming `--encoding`.
 * - `--encoding` overrides all of that (any label TextDecoder knows).
 * - Windows-1252 (and the labels TextDecoder maps to it: latin1, ascii…) is
 *   decoded with payops' own table (windows-1252.ts), not Node's decoder,
 *   which reads 0x80–0x9F as C1 controls on some Node versions (`€` as U+0080).
 * - Input that is not text is refused (see file-type.ts).
 */
import { TextDecoder } from 'node:util';
import { UsageError } from '../errors.js';
import { looksLikeUtf16, refuseBinary, refuseNonCsvText } from './file-type.js';
import { countLf, firstInvalidUtf8 } from './utf8.js';
import { isWindows1252, Windows1252Decoder } from './windows-1252.js';

/** How much of a stream decides its encoding (and how much of any input the dialect is sniffed from). */
export const HEAD_BYTES = 64 * 1024;

export const WINDOWS_1252_NOTICE =
  `input is not valid UTF-8; reading it as Windows-1252 (Excel's "CSV" on Windows). Use --encoding to choose another.`;

type BomEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface Bom {
  encoding: BomEncoding;
  length: number;
}

/** The byte order mark at the start of `head`, if any. */
export function detectBom(head: Uint8Array): Bom | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/** Node-style names TextDecoder does not know, mapped to the WHATWG label. */
const LABEL_ALIASES: Record<string, string> = {
  utf8: 'utf-8',
  utf16le: 'utf-16le',
  utf16be: 'utf-16be',
  utf16: 'utf-16',
  ucs2: 'utf-16le',
  'ucs-2': 'utf-16le',
  cp1252: 'windows-1252',
  win1252: 'windows-1252',
  ansi: 'windows-1252',
  binary: 'windows-1252',
  macroman: 'macintosh',
  'mac-roman': 'macintosh',
};

/**
 * The WHATWG name of an encoding label (`utf-8`, `utf-16le`, `windows-1252`…),
 * Node-style spellings (`utf8`, `ucs2`, `cp1252`…) included: the one label
 * table of input and output (output/encoding.ts). `utf-16` without a byte
 * order is answered as `utf-16`, UTF-32 (never read) as `utf-32`, a label
 * nobody knows as undefined.
 */
export function encodingOfLabel(label: string): string | undefined {
  const key = label.trim().toLowerCase();
  const candidates = [key, key.replace(/[_\s]+/g, '-'), key.replace(/[-_\s]+/g, '')];
  for (const candidate of candidates) {
    const aliased = LABEL_ALIASES[candidate] ?? candidate;
    if (aliased === 'utf-16') return 'utf-16';
    if (aliased.startsWith('utf-32') || aliased.startsWith('utf32')) return 'utf-32';
    try {
      return new TextDecoder(aliased).encoding;
    } catch {
      // try the next spelling
    }
  }
  return undefined;
}

/**
 * The WHATWG name of an `--encoding` value (`utf-8`, `utf-16le`, `windows-1252`…),
 * or a UsageError. `utf-16` without a byte order is answered as `utf-16` and
 * resolved against the byte order mark by {@link chooseEncoding}.
 */
export function resolveEncodingLabel(label: string): string {
  const encoding = encodingOfLabel(label);
  if (encoding === 'utf-32') throw new UsageError(`--encoding ${label}: UTF-32 is not supported; save the file as CSV UTF-8 instead`);
  if (encoding !== undefined) return encoding;
  throw new UsageError(
    `unknown --encoding "${label}"; use one of utf-8, utf-16le, utf-16be, windows-1252 (Excel's "CSV" on Windows), ` +
      `or another name your system knows (latin1, iso-8859-15, windows-1250, macintosh, shift_jis…)`,
  );
}

/** "UTF-8", "UTF-16LE", "Windows-1252", "ISO-8859-15"… for messages. */
export function encodingDisplayName(encoding: string): string {
  const e = encoding.toLowerCase();
  if (e.startsWith('windows-')) return `Windows-${e.slice(8)}`;
  if (e === 'macintosh') return 'Mac Roman';
  return e.toUpperCase();
}

export interface EncodingPlan {
  /** WHATWG name, as TextDecoder reports it: `utf-8`, `utf-16le`, `utf-16be`, `windows-1252`… */
  encoding: string;
  /** A byte order mark was present (whatever encoding is used). */
  bom: boolean;
  /** Bytes skipped at the start: the byte order mark, if any. */
  skip: number;
  /** Invalid bytes stop the run (UsageError) instead of reading as U+FFFD. */
  fatal: boolean;
  /** Notices for the user (what was assumed and why). */
  notices: string[];
  /** The message for invalid bytes met while decoding (only when `fatal`). */
  invalidMessage(where: { line: number; offset: number }): string;
}

export interface EncodingInput {
  name: string;
  /** The first up to {@link HEAD_BYTES} bytes. */
  head: Uint8Array;
  /** `head` is the whole input. */
  headIsAll: boolean;
  /** For a regular file: every byte from the start, again. Absent for a stream. */
  reread?: () => AsyncIterable<Uint8Array>;
}

/** Result of scanning a whole file for UTF-8 validity. */
export interface Utf8Scan {
  valid: boolean;
  /** Where the first invalid byte is (when not valid). */
  offset?: number;
  line?: number;
}

/** Streams the bytes through a fatal UTF-8 decoder; stops at the first invalid byte. */
export async function scanUtf8(bytes: AsyncIterable<Uint8Array>, skip = 0): Promise<Utf8Scan> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let offset = 0;
  let lines = 1;
  for await (const raw of bytes) {
    let chunk = raw;
    if (offset < skip) chunk = raw.subarray(Math.min(raw.length, skip - offset));
    const chunkStart = offset + (raw.length - chunk.length);
    offset += raw.length;
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      const at = Math.max(0, firstInvalidUtf8(chunk, 0, false));
      return { valid: false, offset: chunkStart + at, line: lines + countLf(chunk, at) };
    }
    lines += countLf(chunk);
  }
  try {
    decoder.decode();
  } catch {
    return { valid: false, offset, line: lines };
  }
  return { valid: true };
}

/**
 * Decide how to decode the input. Refuses non-text input (UsageError). For a
 * regular file without a byte order mark, reads it once through to check UTF-8.
 */
export async function chooseEncoding(input: EncodingInput, override?: string): Promise<EncodingPlan> {
  const { name, head } = input;
  const bom = detectBom(head);
  const notices: string[] = [];
  if (bom?.encoding === 'utf-16le' && head[2] === 0 && head[3] === 0 && head.length >= 4)
    throw new UsageError(`${name} is UTF-32 text, which payops does not read. Save it as CSV UTF-8 (Comma delimited) (*.csv) instead.`);

  const plan = (encoding: string, fatal: boolean, invalidMessage?: EncodingPlan['invalidMessage']): EncodingPlan => ({
    encoding,
    bom: bom !== undefined,
    skip: bom?.length ?? 0,
    fatal,
    notices,
    invalidMessage:
      invalidMessage ??
      (({ line, offset }) =>
        `${name} is not valid ${encodingDisplayName(encoding)} at line ${line} (byte ${offset + 1}). ` +
        `Use --encoding to name the encoding it was saved in (windows-1252 for Excel's "CSV" on Windows).`),
  });

  if (override !== undefined) {
    let encoding = resolveEncodingLabel(override);
    if (encoding === 'utf-16') encoding = bom?.encoding === 'utf-16be' ? 'utf-16be' : 'utf-16le';
    if (bom && bom.encoding !== encoding)
      notices.push(
        `input starts with a ${encodingDisplayName(bom.encoding)} byte order mark, but --encoding ${override} was given; reading it as ${encodingDisplayName(encoding)}`,
      );
    const utf16 = encoding.startsWith('utf-16');
    refuseBinary(head, name, { utf16 });
    return plan(encoding, true);
  }

  if (bom?.encoding === 'utf-16le' || bom?.encoding === 'utf-16be') {
    refuseBinary(head, name, { utf16: true });
    return plan(bom.encoding, false);
  }

  if (!bom && head.indexOf(0) !== -1) {
    const utf16 = looksLikeUtf16(head);
    if (utf16) {
      refuseBinary(head, name, { utf16: true });
      notices.push(
        `input has no byte order mark but looks like ${encodingDisplayName(utf16)}; reading it so. Use --encoding to choose another.`,
      );
      return plan(utf16, false);
    }
  }
  refuseBinary(head, name, { utf16: false });

  if (bom) {
    // A UTF-8 byte order mark says UTF-8; bytes that are not are read as U+FFFD.
    if (input.reread) {
      const scan = await scanUtf8(input.reread(), bom.length);
      if (!scan.valid)
        notices.push(
          `input starts with a UTF-8 byte order mark but has bytes that are not valid UTF-8 (first on line ${scan.line}); ` +
            `they read as "\uFFFD". Use --encoding to choose another.`,
        );
    }
    return plan('utf-8', false);
  }

  if (input.reread) {
    const scan = await scanUtf8(input.reread());
    if (scan.valid)
      return plan('utf-8', true, ({ line, offset }) => `${name} changed while it was being read (invalid UTF-8 at line ${line}, byte ${offset + 1}); run again.`);
    notices.push(WINDOWS_1252_NOTICE);
    return plan('windows-1252', false);
  }

  // A stream: the first 64 KiB decide.
  if (firstInvalidUtf8(head, 0, input.headIsAll) === -1)
    return plan('utf-8', true, ({ line, offset }) =>
      `${name} is not valid UTF-8 at line ${line} (byte ${offset + 1}), although its first ${HEAD_BYTES / 1024} KiB were; ` +
      `it cannot be read a second time to switch encodings. Run again with --encoding windows-1252 (Excel's "CSV" on Windows) ` +
      `or the encoding the file was saved in.`,
    );
  notices.push(WINDOWS_1252_NOTICE);
  return plan('windows-1252', false);
}

/** What decoding needs of a decoder: TextDecoder, or payops' own Windows-1252 one. */
export interface ChunkDecoder {
  readonly encoding: string;
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}

/** A decoder for `plan` (the byte order mark is skipped by the caller, never by the decoder). */
export function decoderFor(plan: Pick<EncodingPlan, 'encoding' | 'fatal'>): ChunkDecoder {
  if (isWindows1252(plan.encoding)) return new Windows1252Decoder();
  return new TextDecoder(plan.encoding, { fatal: plan.fatal, ignoreBOM: true });
}

/** The head as text, for sniffing, with a non-fatal decoder. Refuses known non-CSV text formats. */
export function decodeHead(head: Uint8Array, plan: EncodingPlan, name: string): string {
  const text = decoderFor({ encoding: plan.encoding, fatal: false }).decode(head.subarray(plan.skip), { stream: true });
  refuseNonCsvText(text, name);
  return text;
}

/**
 * Decode a byte stream chunk by chunk (multi-byte characters split between
 * chunks are handled). Skips `plan.skip` bytes; invalid bytes under a fatal
 * plan become a UsageError naming the line.
 */
export async function* decodeBytes(bytes: AsyncIterable<Uint8Array>, plan: EncodingPlan): AsyncGenerator<string> {
  const decoder = decoderFor(plan);
  let offset = 0;
  let lines = 1;
  const fail = (chunk: Uint8Array, chunkStart: number): never => {
    const at = plan.encoding === 'utf-8' ? Math.max(0, firstInvalidUtf8(chunk, 0, false)) : 0;
    const line = lines + (plan.encoding === 'utf-8' ? countLf(chunk, at) : 0);
    throw new UsageError(plan.invalidMessage({ line, offset: chunkStart + at }));
  };
  for await (const raw of bytes) {
    let chunk = raw;
    if (offset < plan.skip) chunk = raw.subarray(Math.min(raw.length, plan.skip - offset));
    const chunkStart = offset + (raw.length - chunk.length);
    offset += raw.length;
    if (chunk.length === 0) continue;
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      return fail(chunk, chunkStart);
    }
    if (plan.fatal) lines += countNewlines(text);
    if (text.length > 0) yield text;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    return fail(new Uint8Array(0), offset);
  }
  if (tail.length > 0) yield tail;
}

function countNewlines(text: string): number {
  let n = 0;
  let i = -1;
  while ((i = text.indexOf('\n', i + 1)) !== -1) n++;
  return n;
}
