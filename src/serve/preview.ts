/**
 * The preview of an upload: `payops validate` (which rows are valid, why the
 * others are not, and the valid rows' totals per operation and currency, from
 * its JSON log) and `payops run --dry-run` (rows already done earlier, and by
 * which file), both run as child processes on the stored file with the job's
 * options. The dry run is skipped while the partition has no state at all (no
 * row can have been done earlier): it is the slow half of the preview.
 * Nothing is sent, and no copy of the rows is written. A sealed upload
 * (--allow-card-data) reaches each child through its own FIFO, and its header
 * is read here decrypted in memory (sealed.ts).
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fieldOfHeader, FIELD_NAMES } from '../input/headers.js';
import { pickDelimiter } from '../input/dialect.js';
import { openInput } from '../input/open-input.js';
import { alreadyDoneOf, environmentKind, statusCounts, validTotalsOf } from './log-events.js';
import { gatewayFlags, inputFlags, startCli, type GatewaySettings } from './child.js';
import type { JobOptions } from './store.js';
import { clearBytesOf, inputForChild } from './sealed.js';

export interface InvalidGroup {
  reason: string;
  example: string;
  count: number;
  lines: number[];
  /** Where, for the first rows: a workbook cell (`D9`) or `line N, FIELD`. */
  cells: string[];
}

/** Rows already done by earlier runs, per file, as the dry run reports them (`already_done_by`). */
export interface DoneBy {
  file: string;
  rows: number;
  firstDate?: string;
  lastDate?: string;
}

export interface PreviewData {
  ok: boolean;
  /** Why there is no preview (a file payops cannot read: exit 2). */
  error?: string;
  notices: string[];
  dialect: { encoding?: string; delimiter?: string; bom?: boolean; lineEnding?: string; sheet?: string };
  environment?: string;
  headers: string[];
  /** header → payops field as payops reads it (without a mapping). */
  recognised: Record<string, string>;
  rows: number;
  valid: number;
  invalid: number;
  invalidGroups: InvalidGroup[];
  /** currency → payment type → { rows, total } */
  totals: Record<string, Record<string, { rows: number; total: string }>>;
  /** rows per payment type (reversals have no amount). */
  byOperation: Record<string, number>;
  alreadyDone: number;
  alreadyDoneBy: DoneBy[];
  wouldSend: number;
  sha256?: string;
}

export const FIELDS = Object.keys(FIELD_NAMES).filter((f) => !['last_status', 'last_result_code', 'last_error', 'source_file', 'source_line'].includes(f));

/** Whether the upload has a card-number column (by its name, or mapped to card_number). */
export function hasCardNumbers(p: Pick<PreviewData, 'headers'>, options: JobOptions): boolean {
  return Boolean(options.columns.card_number) || p.headers.some((h) => fieldOfHeader(h) === 'card_number');
}

const HEAD = 64 * 1024;

/** The header line of a CSV, decoded as UTF-8 or else Windows-1252, split at its delimiter. */
export function readHeaderLine(path: string, delimiterOverride?: string): string[] {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(HEAD);
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  return headerLineOf(buf.subarray(0, n), delimiterOverride);
}

/** The first up to 64 KiB of the clear bytes. */
async function headOf(bytes: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of bytes) {
    chunks.push(c);
    n += c.length;
    if (n >= HEAD) break;
  }
  return Buffer.concat(chunks).subarray(0, HEAD);
}

function headerLineOf(head: Buffer, delimiterOverride?: string): string[] {
  let bytes = head;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return []; // a workbook: payops reads its header itself
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  let lines = text.split(/\r?\n/);
  if (/^sep=.$/i.test(lines[0] ?? '')) lines = lines.slice(1);
  const header = lines[0] ?? '';
  const d = delimiterOverride ?? pickDelimiter(header, lines.slice(1, 6)) ?? ',';
  return header.split(d).map((h) => h.replace(/^"|"$/g, '').trim());
}

/**
 * The header of the upload as payops' own reader sees it (CSV or workbook,
 * with the job's encoding, delimiter and sheet); read without the input's
 * header rules, so a file whose own names payops does not know yet still shows
 * them for mapping. Falls back to the CSV's first line when payops refuses it.
 */
export async function readHeaders(path: string, options: JobOptions, clearBytes?: () => AsyncIterable<Buffer>): Promise<{ header: string[]; sheet?: string }> {
  try {
    // A sealed upload: its clear bytes as a stream, never as a file.
    const src = await openInput(clearBytes ? '-' : path, {
      ...(clearBytes ? { stdin: Readable.from(clearBytes()) } : {}),
      prescan: false,
      headerMode: 'results',
      ...(options.encoding ? { encoding: options.encoding } : {}),
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      ...(options.sheet ? { sheet: options.sheet } : {}),
    });
    src.close();
    return { header: src.header, ...(src.dialect.sheet !== undefined ? { sheet: src.dialect.sheet } : {}) };
  } catch {
    return { header: clearBytes ? headerLineOf(await headOf(clearBytes()), options.delimiter) : readHeaderLine(path, options.delimiter) };
  }
}

/**
 * Where in the file an invalid row's problem is: the cell a workbook message
 * starts with (`D9`), else `line N, FIELD` when the message starts with the
 * field it is about (`amount "abc" …`).
 */
export function cellOf(error: string, line: unknown): string | undefined {
  const ref = /^([A-Z]{1,3}\d+):/.exec(error);
  if (ref) return ref[1];
  const field = /^([a-z_]+)\b/.exec(error)?.[1];
  if (field && FIELDS.includes(field) && typeof line === 'number') return `line ${line}, ${field}`;
  return undefined;
}

/** An error message without its quoted values: rows failing for one reason share it. */
export function reasonKey(error: string): string {
  return error.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/\b\d+\b/g, 'N');
}

export async function buildPreview(opts: {
  /** The job (whose key opens a sealed upload). */
  jobId: string;
  /** The stored upload. */
  input: string;
  options: JobOptions;
  gateway: GatewaySettings;
  token: string | undefined;
  columnsSupported: boolean;
  /**
   * Whether the partition has any state yet. Without it no row can have been
   * done earlier, so the dry run (the slow half of the preview) is skipped and
   * every valid row would be sent.
   */
  earlierState?: boolean;
}): Promise<PreviewData> {
  const { input, options, gateway } = opts;
  const flags = inputFlags(options, gateway, opts.columnsSupported);
  const data: PreviewData = {
    ok: false,
    notices: [],
    dialect: {},
    headers: [],
    recognised: {},
    rows: 0,
    valid: 0,
    invalid: 0,
    invalidGroups: [],
    totals: {},
    byOperation: {},
    alreadyDone: 0,
    alreadyDoneBy: [],
    wouldSend: 0,
  };
  const groups = new Map<string, InvalidGroup>();
  /** The dialect and notices, from validate's `start` event (the reader is the one payops run uses). */
  const readStart = (f: Record<string, unknown>) => {
    const d = (f.dialect ?? {}) as Record<string, unknown>;
    if (typeof d.encoding === 'string') data.dialect.encoding = d.encoding;
    if (typeof d.delimiter === 'string') data.dialect.delimiter = d.delimiter;
    if (typeof d.bom === 'boolean') data.dialect.bom = d.bom;
    if (typeof d.line_ending === 'string') data.dialect.lineEnding = d.line_ending;
    if (typeof d.sheet === 'string') data.dialect.sheet = d.sheet;
    if (Array.isArray(f.notices)) data.notices.push(...f.notices.map(String));
  };
  const validateInput = await inputForChild(opts.jobId, input);
  const validate = startCli(['validate', validateInput.path, '--log-format', 'json', ...flags], undefined, (e) => {
    if (e.kind !== 'event') return;
    const f = e.fields;
    if (e.event === 'start') readStart(f);
    else if (e.event === 'row' && typeof f.error === 'string') {
      const key = reasonKey(f.error);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { reason: key, example: f.error, count: 0, lines: [], cells: [] }));
      g.count++;
      if (g.lines.length < 20 && typeof f.line === 'number') g.lines.push(f.line);
      const cell = cellOf(f.error, f.line);
      if (cell && g.cells.length < 20) g.cells.push(cell);
    } else if (e.event === 'summary') {
      if (typeof f.rows === 'number') data.rows = f.rows;
      if (typeof f.valid === 'number') data.valid = f.valid;
      if (typeof f.invalid === 'number') data.invalid = f.invalid;
      if (typeof f.input_sha256 === 'string') data.sha256 = f.input_sha256;
      ({ byOperation: data.byOperation, totals: data.totals } = validTotalsOf(f));
    }
  });
  validateInput.attach(validate.process);
  const dryInput = opts.earlierState === false ? undefined : await inputForChild(opts.jobId, input);
  const dry = dryInput === undefined ? undefined : startCli(['run', dryInput.path, '--dry-run', '--log-format', 'json', ...gatewayFlags(gateway), ...flags], opts.token, (e) => {
    if (e.kind !== 'event') return;
    const f = e.fields;
    if (e.event === 'start') {
      const env = environmentKind(f);
      if (env) data.environment = env;
    } else if (e.event === 'summary') {
      data.alreadyDone = alreadyDoneOf(f) ?? 0;
      if (Array.isArray(f.already_done_by)) {
        for (const b of f.already_done_by as Array<Record<string, unknown>>) {
          if (typeof b?.file !== 'string' || typeof b.rows !== 'number') continue;
          const by: DoneBy = { file: b.file, rows: b.rows };
          if (typeof b.first_date === 'string') by.firstDate = b.first_date;
          if (typeof b.last_date === 'string') by.lastDate = b.last_date;
          data.alreadyDoneBy.push(by);
        }
      }
      const by = statusCounts(f);
      data.wouldSend = (by.pending ?? 0) + (by.would_send ?? 0);
    }
  });
  if (dry && dryInput) dryInput.attach(dry.process);
  const [v, d] = await Promise.all([validate.done, dry?.done]);
  data.invalidGroups = [...groups.values()].sort((a, b) => b.count - a.count);
  const head = await readHeaders(input, options, clearBytesOf(opts.jobId, input)).catch(() => ({ header: [] as string[], sheet: undefined }));
  data.headers = head.header;
  if (head.sheet !== undefined) data.dialect.sheet ??= head.sheet;
  for (const h of data.headers) {
    const f = fieldOfHeader(h);
    if (f) data.recognised[h] = f;
  }
  if (v.code !== 0 && v.code !== 1) {
    data.error = validateInput.problem() ?? (v.texts.join(' ') || `payops validate ended with exit code ${v.code}`);
    return data;
  }
  if (!dry) data.wouldSend = data.valid;
  else if (d && (d.code === 2 || d.code === null)) data.notices.push(`the dry run could not check earlier runs: ${dryInput?.problem() ?? d.texts.join(' ')}`);
  data.ok = true;
  return data;
}
