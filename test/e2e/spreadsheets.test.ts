/**
 * Real spreadsheets: files written the way Excel (Windows and Mac, German,
 * Swiss and French locales), LibreOffice and Google Sheets write them
 * (fixtures/spreadsheets/, see its README.md), each run through `payops run`
 * — the built CLI against `payops sim` in its own process — with the exact
 * outcome a user would check:
 *
 * - each row's line, status, result code, payment type, and the amount the
 *   gateway received (the simulator's ledger);
 * - every input column back as it was;
 * - the results and failed-rows files in the input's dialect, byte for byte
 *   where it matters: BOM, delimiter, line endings (outside and inside
 *   quoted cells), encoding (`€` in a Windows-1252 file is byte 0x80);
 * - the failed-rows file runs again as it is, keeping source file and line.
 *
 * The test reads the files with its own small decoders and CSV parser; it
 * does not trust payops to read its own output.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILES, IDS, SEED } from '../../fixtures/spreadsheets/generate.mjs';
import { parseCsv, ROOT, runCli, startSim, tempDir, type CliResult, type LedgerTx } from './harness.js';

const FIXTURES = join(ROOT, 'fixtures/spreadsheets');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const { PA_EUR, PA_EUR_SMALL, PA_CHF, DB_EUR, DB_EUR_SMALL, DB_CHF, UNKNOWN } = IDS as Record<string, string>;

// ---------------------------------------------------------------- decoding, independently of payops

/** Windows-1252 0x80–0x9F (WHATWG index; undefined bytes as the C1 control). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
/** The Mac Roman bytes the fixtures use. */
const MAC_ROMAN: Record<number, string> = { 0x80: 'Ä', 0x8a: 'ä', 0x8e: 'é', 0x9a: 'ö', 0x9f: 'ü', 0xa7: 'ß', 0xdb: '€' };

type Enc = 'utf-8' | 'utf-8-bom' | 'utf-16le-bom' | 'windows-1252' | 'mac-roman';

function decode(bytes: Buffer, enc: Enc): string {
  switch (enc) {
    case 'utf-8':
      expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'no UTF-8 BOM').toBe(false);
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    case 'utf-8-bom':
      expect([...bytes.subarray(0, 3)], 'UTF-8 BOM').toEqual([0xef, 0xbb, 0xbf]);
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(3));
    case 'utf-16le-bom':
      expect([...bytes.subarray(0, 2)], 'UTF-16LE BOM').toEqual([0xff, 0xfe]);
      return bytes.subarray(2).toString('utf16le');
    case 'windows-1252':
      expect(bytes[0] === 0xef || bytes[0] === 0xff || bytes[0] === 0xfe, 'no BOM').toBe(false);
      return String.fromCharCode(...[...bytes].map((b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b)));
    case 'mac-roman':
      return [...bytes]
        .map((b) => {
          if (b < 0x80) return String.fromCharCode(b);
          const c = MAC_ROMAN[b];
          if (c === undefined) throw new Error(`unexpected Mac Roman byte 0x${b.toString(16)}`);
          return c;
        })
        .join('');
  }
}


// ---------------------------------------------------------------- the scenarios

interface Dialect {
  enc: Enc;
  delimiter: string;
  eol: '\r\n' | '\n';
  sepLine?: boolean;
}

/** [line, status, result_code, payment_type, amount the gateway received (null: none sent)]. */
type Expected = [number, string, string, string, string | null];

interface Scenario {
  file: string;
  flags?: string[];
  /** How the test decodes the input to compare the carried columns. */
  inputEnc: Enc;
  inputDelimiter: string;
  /** stderr's dialect line and notices. */
  stderr: string[];
  exit: number;
  rows: Expected[];
  /** Substrings of the `error` of invalid rows, by line. */
  errors?: Record<number, string>;
  out: Dialect;
  /** Byte sequences the results file must contain (the input's characters in the output encoding). */
  bytes?: number[][];
  /** The rerun of the failed-rows file: its rows as [line, status, result_code], and its failed rows' source lines. */
  rerun?: { flags?: string[]; rows: Array<[number, string, string]>; out: Dialect };
}

const OK = '000.100.110';

const SCENARIOS: Scenario[] = [
  {
    file: 'excel-windows-de.csv',
    flags: ['--decimal-comma'],
    inputEnc: 'windows-1252',
    inputDelimiter: ';',
    stderr: [
      'payops: input: semicolon-separated, CRLF, Windows-1252',
      `payops: input is not valid UTF-8; reading it as Windows-1252 (Excel's "CSV" on Windows). Use --encoding to choose another.`,
    ],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '1234.50'],
      [3, 'succeeded', OK, 'CP', '1000.00'],
      [4, 'succeeded', OK, 'RF', '12.50'],
      [5, 'rejected', '700.400.200', 'RF', '150.00'],
      [7, 'succeeded', OK, 'RV', null],
      [8, 'invalid', '', '', null],
      [9, 'invalid', '', '', null],
    ],
    errors: {
      8: 'amount "12.50" uses "." as the decimal separator, but with --decimal-comma the decimal separator is ","',
      9: 'amount "1.234,50 €" contains the currency symbol "€"',
    },
    out: { enc: 'windows-1252', delimiter: ';', eol: '\r\n' },
    bytes: [
      [0x28, 0x80, 0x29], // "(€)" in the user's Notiz column
      [0x20, 0x96, 0x20], // " – "
      [0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72], // "Müller"
      [0x57, 0x65, 0x69, 0xdf], // "Weiß"
      [0x22, 0x22, 0x80, 0x22, 0x22], // the error quotes the symbol: ""€""
      [0x5a, 0x65, 0x69, 0x6c, 0x65, 0x20, 0x65, 0x69, 0x6e, 0x73, 0x0a, 0x5a], // "Zeile eins\nZ": the in-cell line break stays a bare LF
    ],
    rerun: {
      flags: ['--decimal-comma'],
      rows: [
        [2, 'rejected', '700.400.200'], // its note spans lines 2–3 of the failed-rows file
        [4, 'invalid', ''],
        [5, 'invalid', ''],
      ],
      out: { enc: 'windows-1252', delimiter: ';', eol: '\r\n' },
    },
  },
  {
    file: 'excel-utf8-de.csv',
    flags: ['--decimal-comma'],
    inputEnc: 'utf-8-bom',
    inputDelimiter: ';',
    stderr: ['payops: input: semicolon-separated, CRLF, UTF-8 with BOM'],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '1234.50'],
      [3, 'succeeded', OK, 'RF', '0.99'],
      [4, 'rejected', '700.400.520', 'RF', '10.00'],
      [5, 'invalid', '', '', null],
    ],
    errors: { 5: 'currency "XXX" is the ISO 4217 code for "no currency"' },
    out: { enc: 'utf-8-bom', delimiter: ';', eol: '\r\n' },
    bytes: [[0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0x22, 0x22, 0x53, 0x6f, 0x6d, 0x6d, 0x65, 0x72, 0x22, 0x22]],
    rerun: { flags: ['--decimal-comma'], rows: [[2, 'rejected', '700.400.520'], [3, 'invalid', '']], out: { enc: 'utf-8-bom', delimiter: ';', eol: '\r\n' } },
  },
  {
    file: 'excel-unicode-text.txt',
    inputEnc: 'utf-16le-bom',
    inputDelimiter: '\t',
    stderr: ['payops: input: tab-separated, CRLF, UTF-16LE with BOM'],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '1234.50'],
      [3, 'invalid', '', '', null],
      [4, 'succeeded', OK, 'RF', '100.00'],
      [5, 'rejected', '700.400.200', 'RF', '0.01'],
    ],
    errors: { 3: 'amount "12,50" is ambiguous: use 12.50, or run with --decimal-comma' },
    out: { enc: 'utf-16le-bom', delimiter: '\t', eol: '\r\n' },
    bytes: [[...Buffer.from('日本 株式会社\tGröße ü €\t2\tsucceeded', 'utf16le')]],
    rerun: { rows: [[2, 'invalid', ''], [3, 'rejected', '700.400.200']], out: { enc: 'utf-16le-bom', delimiter: '\t', eol: '\r\n' } },
  },
  {
    file: 'sep-line.csv',
    inputEnc: 'utf-8',
    inputDelimiter: ';',
    stderr: ['payops: input: semicolon-separated, CRLF, UTF-8, "sep=" line'],
    exit: 1,
    rows: [
      [3, 'succeeded', OK, 'CP', '10.00'],
      [4, 'succeeded', OK, 'RF', '5.00'],
      [5, 'invalid', '', '', null],
    ],
    errors: { 5: 'amount "5,00" is ambiguous' },
    out: { enc: 'utf-8', delimiter: ';', eol: '\r\n', sepLine: true },
    rerun: { rows: [[3, 'invalid', '']], out: { enc: 'utf-8', delimiter: ';', eol: '\r\n', sepLine: true } },
  },
  {
    file: 'libreoffice.csv',
    inputEnc: 'utf-8',
    inputDelimiter: ',',
    stderr: ['payops: input: comma-separated, LF, UTF-8'],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '100.00'], // its note spans lines 2–4
      [5, 'succeeded', OK, 'RF', '20.00'],
      [6, 'succeeded', OK, 'RF', '30.00'], // lines 6–8, with an empty line inside the cell
      [9, 'rejected', '700.400.520', 'RF', '1.00'],
      [10, 'succeeded', OK, 'RV', null], // lines 10–11
      [12, 'rejected', '700.400.100', 'CP', '1.00'], // sent after the reversal of the same authorisation
    ],
    out: { enc: 'utf-8', delimiter: ',', eol: '\n' },
    bytes: [[...Buffer.from('"line one\nline two\nline three"')], [...Buffer.from('"He said ""refund, please"""')], [...Buffer.from('"a\n\nb"')]],
    rerun: { rows: [[2, 'rejected', '700.400.520'], [3, 'rejected', '700.400.100']], out: { enc: 'utf-8', delimiter: ',', eol: '\n' } },
  },
  ...(['crlf', 'lf'] as const).map(
    (eol): Scenario => ({
      file: `google-sheets-${eol}.csv`,
      inputEnc: 'utf-8',
      inputDelimiter: ',',
      stderr: [`payops: input: comma-separated, ${eol.toUpperCase()}, UTF-8`],
      exit: 1,
      rows: [
        [2, 'succeeded', OK, 'CP', '1234.50'],
        [3, 'succeeded', OK, 'RF', '12.50'],
        [4, 'succeeded', OK, 'RF', '100.00'],
        [5, 'rejected', '700.400.200', 'RF', '1.00'], // the last row has no line break after it (crlf file)
      ],
      out: { enc: 'utf-8', delimiter: ',', eol: eol === 'crlf' ? '\r\n' : '\n' },
      bytes: [[...Buffer.from(`,"1,234.50",EUR,G-1,2,succeeded,`)]],
      rerun: { rows: [[2, 'rejected', '700.400.200']], out: { enc: 'utf-8', delimiter: ',', eol: eol === 'crlf' ? '\r\n' : '\n' } },
    }),
  ),
  {
    file: 'excel-swiss.csv',
    inputEnc: 'windows-1252',
    inputDelimiter: ';',
    stderr: ['payops: input: semicolon-separated, CRLF, Windows-1252'],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '1234.50'],
      [3, 'succeeded', OK, 'RF', '12.05'],
      [4, 'invalid', '', '', null],
    ],
    errors: { 4: 'amount "1’234.50" contains a typographic apostrophe (U+2019)' },
    out: { enc: 'windows-1252', delimiter: ';', eol: '\r\n' },
    bytes: [[0x31, 0x27, 0x32, 0x33, 0x34], [0x31, 0x92, 0x32, 0x33, 0x34], [0x5a, 0xfc, 0x72, 0x69, 0x63, 0x68], [0x47, 0x65, 0x6e, 0xe8, 0x76, 0x65]],
    rerun: { rows: [[2, 'invalid', '']], out: { enc: 'windows-1252', delimiter: ';', eol: '\r\n' } },
  },
  {
    file: 'excel-fr-utf8.csv',
    flags: ['--decimal-comma'],
    inputEnc: 'utf-8-bom',
    inputDelimiter: ';',
    stderr: ['payops: input: semicolon-separated, CRLF, UTF-8 with BOM'],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '1234.50'],
      [3, 'succeeded', OK, 'RF', '2000.00'],
      [4, 'invalid', '', '', null],
      [5, 'succeeded', OK, 'RF', '0.50'],
    ],
    errors: { 4: 'amount "1 234,50" contains a space' },
    out: { enc: 'utf-8-bom', delimiter: ';', eol: '\r\n' },
    bytes: [[0x31, 0xe2, 0x80, 0xaf, 0x32, 0x33, 0x34, 0x2c], [0x32, 0xc2, 0xa0, 0x30, 0x30, 0x30, 0x2c]],
    rerun: { flags: ['--decimal-comma'], rows: [[2, 'invalid', '']], out: { enc: 'utf-8-bom', delimiter: ';', eol: '\r\n' } },
  },
  {
    file: 'excel-fr-ansi.csv',
    flags: ['--decimal-comma'],
    inputEnc: 'windows-1252',
    inputDelimiter: ';',
    stderr: ['payops: input: semicolon-separated, CRLF, Windows-1252'],
    exit: 0,
    rows: [
      [2, 'succeeded', OK, 'CP', '1234.50'],
      [3, 'succeeded', OK, 'RF', '99.99'],
    ],
    out: { enc: 'windows-1252', delimiter: ';', eol: '\r\n' },
    bytes: [[0x31, 0xa0, 0x32, 0x33, 0x34, 0x2c], [0x20, 0x96, 0x20, 0xe9, 0x74, 0xe9]],
  },
  {
    // Mac Roman is not valid UTF-8, so it is read as Windows-1252: the letters show wrong on
    // stderr, but every byte of the user's columns comes back unchanged for Mac Excel to show.
    file: 'mac-excel-classic.csv',
    inputEnc: 'windows-1252',
    inputDelimiter: ',',
    stderr: [
      'payops: input: comma-separated, CRLF, Windows-1252',
      `payops: input's lines end in a lone CR (old Mac format); outputs end lines in CRLF`,
    ],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '15.00'],
      [3, 'succeeded', OK, 'RF', '7.50'],
      [4, 'rejected', '700.400.520', 'RF', '1.00'],
    ],
    out: { enc: 'windows-1252', delimiter: ',', eol: '\r\n' },
    bytes: [[0x42, 0x8a, 0x72, 0x20, 0x43, 0x61, 0x66, 0x8e], [0x47, 0x72, 0x9a, 0xa7, 0x65, 0x20, 0xdb]],
    rerun: { rows: [[2, 'rejected', '700.400.520']], out: { enc: 'windows-1252', delimiter: ',', eol: '\r\n' } },
  },
  {
    // The same file named for what it is: read right, written as UTF-8 with a BOM (payops has
    // no Mac Roman encoder; Mac Excel opens UTF-8 with a BOM).
    file: 'mac-excel-classic.csv',
    flags: ['--encoding', 'macintosh'],
    inputEnc: 'mac-roman',
    inputDelimiter: ',',
    stderr: ['payops: input: comma-separated, CRLF, Mac Roman'],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '15.00'],
      [3, 'succeeded', OK, 'RF', '7.50'],
      [4, 'rejected', '700.400.520', 'RF', '1.00'],
    ],
    out: { enc: 'utf-8-bom', delimiter: ',', eol: '\r\n' },
    bytes: [[...Buffer.from('Bär Café')], [...Buffer.from('Größe €')]],
    // The failed-rows file is UTF-8 with a BOM now: it runs again without --encoding.
    rerun: { flags: [], rows: [[2, 'rejected', '700.400.520']], out: { enc: 'utf-8-bom', delimiter: ',', eol: '\r\n' } },
  },
  {
    file: 'mac-excel-utf8-cr.csv',
    flags: ['--decimal-comma'],
    inputEnc: 'utf-8-bom',
    inputDelimiter: ';',
    stderr: ['payops: input: semicolon-separated, CRLF, UTF-8 with BOM', `payops: input's lines end in a lone CR (old Mac format); outputs end lines in CRLF`],
    exit: 1,
    rows: [
      [2, 'succeeded', OK, 'CP', '20.00'],
      [3, 'succeeded', OK, 'RF', '3.25'],
      [4, 'rejected', '700.400.200', 'RF', '500.00'],
    ],
    out: { enc: 'utf-8-bom', delimiter: ';', eol: '\r\n' },
    bytes: [[...Buffer.from('Größe €')]],
    rerun: { flags: ['--decimal-comma'], rows: [[2, 'rejected', '700.400.200']], out: { enc: 'utf-8-bom', delimiter: ';', eol: '\r\n' } },
  },
];

// ---------------------------------------------------------------- checks

function indexOfBytes(hay: Buffer, needle: number[]): number {
  return hay.indexOf(Buffer.from(needle));
}

/** Reads an output file, checking its dialect; answers its records as objects and its header. */
function readOutput(path: string, d: Dialect): { header: string[]; records: Array<Record<string, string>> } {
  const bytes = readFileSync(path);
  const text = decode(bytes, d.enc);
  const { rows, breaks } = parseCsv(text, d.delimiter);
  let all = rows;
  if (d.sepLine) {
    expect(all[0]!.join(d.delimiter), 'sep= line first').toBe(`sep=${d.delimiter}`);
    all = all.slice(1);
  } else expect(text.startsWith('sep='), 'no sep= line').toBe(false);
  // Every record ends with the input's line break, the last one too.
  expect(new Set(breaks), `line breaks of ${path}`).toEqual(new Set([d.eol]));
  if (d.eol === '\n') expect(bytes.includes(0x0d), 'no CR anywhere').toBe(false);
  if (d.enc === 'windows-1252') {
    // Not UTF-8 (else a spreadsheet would not open it as the user's code page).
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
  }
  const [header, ...data] = all;
  expect(header!.length).toBeGreaterThan(5);
  for (const r of data) expect(r, `one cell per column in ${JSON.stringify(r)}`).toHaveLength(header!.length);
  return { header: header!, records: data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))) };
}

/** The input's header and data rows as the test reads them (sep= line, blank lines and empty trailing columns dropped). */
function readInput(bytes: Buffer, enc: Enc, delimiter: string): { header: string[]; rows: string[][] } {
  let { rows } = parseCsv(decode(bytes, enc), delimiter);
  if (rows[0]?.join(delimiter) === `sep=${delimiter}`) rows = rows.slice(1);
  rows = rows.filter((r) => r.some((c) => c !== ''));
  const [header, ...data] = rows;
  const width = header!.findLastIndex((h) => h !== '') + 1;
  return { header: header!.slice(0, width), rows: data.map((r) => r.slice(0, width)) };
}

const OUTPUT_COLUMNS = ['line', 'status', 'result_code', 'result_description', 'new_payment_id', 'merchant_transaction_id', 'payment_type', 'attempts', 'processed_at', 'error', 'note'];

function stripStderrDecor(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('payops: ') && !l.startsWith('payops: gateway'));
}

async function runScenario(s: Scenario): Promise<void> {
  const dir = tempDir();
  const input = join(dir, s.file);
  copyFileSync(join(FIXTURES, s.file), input);
  const seed = join(dir, 'payments.csv');
  copyFileSync(join(FIXTURES, 'payments.csv'), seed);
  const sim = await startSim(['--seed', seed]);
  const args = (file: string, flags: string[]) => ['run', file, '--gateway', sim.url, '--state-dir', join(dir, 'state'), ...flags];

  const r: CliResult = await runCli(args(input, s.flags ?? []));
  expect(r.stderr, r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code, r.stderr).toBe(s.exit);
  for (const line of s.stderr) expect(stripStderrDecor(r.stderr)).toContain(line);

  const stem = s.file.replace(/\.(csv|txt)$/, '');
  const results = readOutput(join(dir, `${stem}.results.csv`), s.out);
  const ledger: LedgerTx[] = await sim.transactions();

  // Every input column as it was (a user column named like an output column becomes input_<name>), then payops' columns.
  const inp = readInput(fixture(s.file), s.inputEnc, s.inputDelimiter);
  const carried = inp.header.map((h) => (OUTPUT_COLUMNS.includes(h) ? `input_${h}` : h));
  expect(results.header).toEqual([...carried, ...OUTPUT_COLUMNS]);
  expect(results.records).toHaveLength(inp.rows.length);
  results.records.forEach((rec, i) => expect(carried.map((h) => rec[h]), `row ${i + 1} carried`).toEqual(inp.rows[i]));

  // Line, status, result code, payment type and the amount the gateway received, row by row.
  const got: Expected[] = results.records.map((rec) => {
    const tx = rec.new_payment_id ? ledger.find((t) => t.id === rec.new_payment_id) : undefined;
    if (rec.new_payment_id) expect(tx, `ledger has ${rec.new_payment_id}`).toBeDefined();
    if (tx) expect(tx.merchantTransactionId).toBe(rec.merchant_transaction_id);
    return [Number(rec.line), rec.status!, rec.result_code!, rec.payment_type!, tx ? (tx.amount ?? null) : null];
  });
  expect(got).toEqual(s.rows);
  const sent = s.rows.filter((x) => x[1] !== 'invalid').length;
  expect(ledger, 'one gateway transaction per sent row, none for invalid rows').toHaveLength(sent);
  for (const [line, substring] of Object.entries(s.errors ?? {})) {
    expect(results.records.find((x) => x.line === line)!.error).toContain(substring);
  }
  const raw = readFileSync(join(dir, `${stem}.results.csv`));
  for (const b of s.bytes ?? []) expect(indexOfBytes(raw, b), `results hold bytes ${Buffer.from(b).toString('hex')}`).toBeGreaterThanOrEqual(0);

  // The failed-rows file: the rows not done, in the same dialect, pointing at their source lines.
  const failedPath = join(dir, `${stem}.failed.csv`);
  const failedExpected = s.rows.filter(([, st]) => ['rejected', 'invalid', 'failed', 'unknown'].includes(st));
  if (failedExpected.length === 0) {
    expect(existsSync(failedPath)).toBe(false);
    return;
  }
  const failed = readOutput(failedPath, s.out);
  expect(failed.records.map((f) => [f.last_status, f.source_file, Number(f.source_line)])).toEqual(
    failedExpected.map(([line, st]) => [st, s.file, line]),
  );
  const firstIds = new Map(results.records.map((rec) => [rec.line, rec.merchant_transaction_id]));

  // It runs again as it is: rejected rows are sent again as the next generation, invalid rows stay invalid.
  const rerun = s.rerun!;
  const r2 = await runCli(args(failedPath, rerun.flags ?? s.flags ?? []));
  expect(r2.stderr, r2.stderr).not.toMatch(/\n\s+at /);
  expect(r2.code, r2.stderr).toBe(1);
  const again = readOutput(join(dir, `${stem}.failed.results.csv`), rerun.out);
  expect(again.records.map((x) => [Number(x.line), x.status, x.result_code])).toEqual(rerun.rows);
  const ledger2 = await sim.transactions();
  const resent = failedExpected.filter(([, st]) => st === 'rejected');
  expect(ledger2, 'only the rejected rows were sent again').toHaveLength(sent + resent.length);
  resent.forEach(([line]) => {
    const first = firstIds.get(String(line))!;
    const rec = again.records.find((x) => x.source_line === String(line))!;
    expect(rec.merchant_transaction_id).toBe(first.slice(0, 14) + '01');
    expect(ledger2.some((t) => t.merchantTransactionId === rec.merchant_transaction_id)).toBe(true);
  });
  const failedAgain = readOutput(join(dir, `${stem}.failed.failed.csv`), rerun.out);
  expect(failedAgain.records.map((f) => [f.source_file, Number(f.source_line)])).toEqual(failedExpected.map(([line]) => [s.file, line]));
}

// ---------------------------------------------------------------- tests

describe('fixtures are what the programs write', () => {
  it('each file is byte for byte what fixtures/spreadsheets/generate.mjs writes', () => {
    for (const [name, bytes] of Object.entries(FILES as Record<string, Buffer>)) expect(fixture(name).equals(bytes), name).toBe(true);
    expect(fixture('payments.csv').toString('utf8')).toBe(SEED);
  });

  it('Excel "CSV" (Windows, German): Windows-1252 without BOM, `;`, CRLF, € as 0x80, an in-cell line break as a bare LF', () => {
    const b = fixture('excel-windows-de.csv');
    expect([...b.subarray(0, 9)]).toEqual([...Buffer.from('Operation')]);
    expect(b.includes(0x80) && b.includes(0xfc) && b.includes(0xdf) && b.includes(0x96)).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(b)).toThrow();
    expect(b.toString('latin1').split('\r\n')).toHaveLength(9); // 8 records (one spans two lines) + the empty rest
    expect(b.toString('latin1')).toContain('"Zeile eins\nZeile zwei"');
  });

  it('Excel "CSV UTF-8" and French: BOM, `;`, CRLF; U+202F and U+00A0 inside amounts', () => {
    for (const f of ['excel-utf8-de.csv', 'excel-fr-utf8.csv', 'mac-excel-utf8-cr.csv']) expect([...fixture(f).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const fr = fixture('excel-fr-utf8.csv').toString('utf8');
    expect(fr).toContain('1\u202F234,50');
    expect(fr).toContain('2\u00A0000,00');
  });

  it('Excel "Unicode Text": UTF-16LE with BOM, tabs, CRLF', () => {
    const b = fixture('excel-unicode-text.txt');
    expect([...b.subarray(0, 4)]).toEqual([0xff, 0xfe, 0x6f, 0x00]);
    expect(b.subarray(2).toString('utf16le').split('\r\n')[0]).toBe('operation\tpayment_id\tamount\tcurrency\tcustomer\tnote');
  });

  it('Mac Excel "Comma Separated Values": Mac Roman, lone CR line ends', () => {
    const b = fixture('mac-excel-classic.csv');
    expect(b.includes(0x0a)).toBe(false);
    expect(b.toString('latin1').split('\r')).toHaveLength(5);
    expect(b.includes(0x8a) && b.includes(0xdb)).toBe(true); // ä, €
  });

  it('Google Sheets (CRLF) ends without a line break; sep-line.csv starts with sep=;', () => {
    expect(fixture('google-sheets-crlf.csv').toString('utf8').endsWith('G-4')).toBe(true);
    expect(fixture('sep-line.csv').toString('utf8').startsWith('sep=;\r\noperation;')).toBe(true);
  });
});

describe('payops run on files from real spreadsheet programs', () => {
  for (const s of SCENARIOS) {
    it(`${s.file}${s.flags?.length ? ' ' + s.flags.join(' ') : ''}: exact outcomes, outputs in the input's dialect, failed rows run again`, async () => {
      await runScenario(s);
    });
  }

  it('Windows-1252: € reads as U+20AC (nodejs/node#60888), so messages about it are right on a UTF-8 terminal', async () => {
    const dir = tempDir();
    const input = join(dir, 'excel.csv');
    copyFileSync(join(FIXTURES, 'excel-windows-de.csv'), input);
    const r = await runCli(['validate', input, '--decimal-comma', '--log-format', 'json']);
    expect(r.code).toBe(1);
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; line?: number; error?: string });
    const row9 = events.find((e) => e.event === 'row' && e.line === 9)!;
    expect(row9.error).toContain('amount "1.234,50 €" contains the currency symbol "€"');
    expect(r.stderr).not.toContain('\\u0080');
  });

  it("a German Excel user's valid rows are what the gateway received, field by field", async () => {
    const dir = tempDir();
    const input = join(dir, 'excel.csv');
    copyFileSync(join(FIXTURES, 'excel-windows-de.csv'), input);
    const seed = join(dir, 'payments.csv');
    copyFileSync(join(FIXTURES, 'payments.csv'), seed);
    const sim = await startSim(['--seed', seed]);
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), '--decimal-comma']);
    expect(r.code).toBe(1);
    const ledger = await sim.transactions();
    const view = ledger
      .map((t) => [t.paymentType, t.referencedId, t.amount ?? null, t.currency ?? null, t.resultCode])
      .sort((a, b) => String(a).localeCompare(String(b)));
    expect(view).toEqual(
      [
        ['CP', PA_EUR, '1234.50', 'EUR', OK],
        ['CP', PA_EUR, '1000.00', 'EUR', OK],
        ['RF', DB_EUR, '12.50', 'EUR', OK],
        ['RF', DB_EUR_SMALL, '150.00', 'EUR', '700.400.200'],
        ['RV', PA_EUR_SMALL, null, null, OK],
      ].sort((a, b) => String(a).localeCompare(String(b))),
    );
    expect([PA_CHF, DB_CHF, UNKNOWN].every((id) => !ledger.some((t) => t.referencedId === id))).toBe(true);
  });
});

describe('the samples the README runs', () => {
  /** The README's command for a sample, writing into `dir` (TMPDIR too, for the in-process simulator's state). */
  async function runSample(file: string, flags: string[]) {
    const dir = tempDir();
    const stem = file.replace(/\.csv$/, '');
    const r = await runCli(
      ['run', join(ROOT, 'samples', file), '--gateway', 'sim', '--sim-seed', join(ROOT, 'samples/payments.csv'), ...flags, '--out', join(dir, `${stem}.results.csv`), '--failed', join(dir, `${stem}.failed.csv`)],
      { env: { TMPDIR: dir } },
    );
    return { r, dir, stem };
  }
  const view = (records: Array<Record<string, string>>) => records.map((x) => [x.Ticket, Number(x.line), x.status, x.result_code, x.payment_type]);

  it('samples/excel-de.csv (German Excel "CSV": Windows-1252, `;`, CRLF, decimal commas) with --decimal-comma', async () => {
    const { r, dir, stem } = await runSample('excel-de.csv', ['--decimal-comma']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('payops: input: semicolon-separated, CRLF, Windows-1252');
    expect(r.stderr).toMatch(/capture CP +EUR +75\.50/);
    const results = readOutput(join(dir, `${stem}.results.csv`), { enc: 'windows-1252', delimiter: ';', eol: '\r\n' });
    expect(view(results.records)).toEqual([
      ['T-2001', 2, 'succeeded', OK, 'CP'],
      ['T-2002', 3, 'succeeded', OK, 'CP'],
      ['T-2003', 4, 'rejected', '700.400.200', 'RF'],
      ['T-2004', 5, 'succeeded', OK, 'RF'],
      ['T-2005', 6, 'succeeded', OK, 'RV'],
      ['T-2006', 7, 'succeeded', OK, 'RF'],
      ['T-2007', 8, 'succeeded', OK, 'RB'],
      ['T-2008', 9, 'succeeded', OK, 'RC'],
      ['T-2009', 11, 'invalid', '', ''],
      ['T-2010', 12, 'invalid', '', ''],
    ]);
    expect(results.records[4]!.Bemerkung).toBe('Storno – Bestellung über 50 € storniert');
    const failed = readOutput(join(dir, `${stem}.failed.csv`), { enc: 'windows-1252', delimiter: ';', eol: '\r\n' });
    expect(failed.records.map((f) => [f.Ticket, f.last_status, f.source_line])).toEqual([
      ['T-2003', 'rejected', '4'],
      ['T-2009', 'invalid', '11'],
      ['T-2010', 'invalid', '12'],
    ]);
  });

  it('samples/sheets-export.csv (Google Sheets: UTF-8, `,`, CRLF, quoted "1,000.00")', async () => {
    const { r, dir, stem } = await runSample('sheets-export.csv', []);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('payops: input: comma-separated, CRLF, UTF-8');
    const results = readOutput(join(dir, `${stem}.results.csv`), { enc: 'utf-8', delimiter: ',', eol: '\r\n' });
    expect(view(results.records)).toEqual([
      ['S-3001', 2, 'succeeded', OK, 'CP'],
      ['S-3002', 3, 'rejected', '700.400.100', 'CP'],
      ['S-3003', 4, 'succeeded', OK, 'RF'],
      ['S-3004', 6, 'succeeded', OK, 'RV'],
      ['S-3005', 7, 'succeeded', OK, 'RC'],
      ['S-3006', 8, 'rejected', '700.100.500', 'RF'],
      ['S-3007', 9, 'invalid', '', ''],
      ['S-3008', 10, 'succeeded', OK, 'RV'],
    ]);
    const failed = readOutput(join(dir, `${stem}.failed.csv`), { enc: 'utf-8', delimiter: ',', eol: '\r\n' });
    expect(failed.records.map((f) => [f.Ticket, f.last_status, f.source_line])).toEqual([
      ['S-3002', 'rejected', '3'],
      ['S-3006', 'rejected', '8'],
      ['S-3007', 'invalid', '9'],
    ]);
  });
});
