/**
 * Fuzzing the whole input path: thousands of mutated CSV files — bytes
 * flipped, inserted, deleted; delimiters, quotes, line endings, BOMs and
 * encodings changed; headers renamed, duplicated or emptied; truncation, huge
 * cells, NULs, `sep=` lines — each run through `payops validate` and
 * `payops run` against the simulator. Whatever the file:
 *
 * - nothing crashes: a command returns 0 or 1, or throws a UsageError (exit 2);
 *   anything else thrown (or exit 3: the simulator is healthy) is a failure;
 * - no stack trace reaches stderr (or an error message);
 * - when the exit is 0 or 1, the results file has one row per input record:
 *   the same rows (by line) as `validate --out`, and — whenever a small strict
 *   RFC 4180 reader of this test can read the file unambiguously — exactly the
 *   records and start lines that reader finds.
 *
 * Most cases run in-process (the command functions of src/cli, called as
 * main.ts calls them, errors mapped with exitCodeFor) against one in-process
 * simulator; about 20 run through the built CLI as a child process. fast-check
 * with a fixed seed, so every run fuzzes the same files; a failure prints the
 * case (and `seed`/`path` to replay it). FUZZ_RUNS=N changes the number of
 * in-process cases per property; FUZZ_REASONS=1 prints the mix and why files
 * were refused.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, UsageError } from '../../src/errors.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { RUN_OPTIONS, VALIDATE_OPTIONS } from '../../src/cli/options.js';
import { run } from '../../src/cli/run.js';
import { validate } from '../../src/cli/validate.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/server.js';
import { ENTITY, runCli, tempDir, TOKEN } from './harness.js';

const SEED = 20261124;

// ---------------------------------------------------------------- valid starting files

const PA = ['8ac7a4a28f1c4e0aa1b2c3d4e5f6a001', '8ac7a4a28f1c4e0aa1b2c3d4e5f6a002'];
const DB = ['8ac7a4a28f1c4e0aa1b2c3d4e5f6d001', '8ac7a4a28f1c4e0aa1b2c3d4e5f6d002'];
const RG = '8ac7a4a28f1c4e0aa1b2c3d4e5f6e001';
const SEED_CSV = `payment_id,payment_type,amount,currency
${PA[0]},PA,900000000.00,EUR
${PA[1]},PA,900000000.00,EUR
${DB[0]},DB,900000000.00,EUR
${DB[1]},DB,900000000.00,EUR
${RG},RG,0.00,EUR
`;

const BASES: Array<{ name: string; text: string }> = [
  {
    name: 'comma',
    text: `operation,payment_id,amount,currency,ticket,note
capture,${PA[0]},10.00,EUR,T-1,first
refund,${DB[0]},12.5,eur,T-2,"said ""hi"", twice"
reversal,${PA[1]},,,T-3,"two
lines"
rebill,${DB[1]},3.00,EUR,T-4,
refund,${DB[0]},5.00,EUR,T-5,goodwill
`,
  },
  {
    name: 'excel-de',
    text: `Operation;Payment ID;Amount;Currency;Notiz\r\ncapture;${PA[0]};1.234,50;EUR;Größe € ä\r\nrefund;${DB[0]};"12,50";EUR;"a;b"\r\nrefund;${DB[1]};0,99;EUR;Straße\r\n;;;;\r\nreceipt;${PA[1]};1;EUR;x\r\n`,
  },
  {
    name: 'tabs',
    text: `operation\tpayment_id\tregistration_id\tamount\tcurrency\tmerchant_transaction_id\n` +
      `credit\t\t${RG}\t5.00\tEUR\tORDER-0001\nrefund\t${DB[1]}\t\t1,234.50\tEUR\tORDER-0002\ncapture\t${PA[1]}\t\t7\tEUR\t\n`,
  },
  {
    name: 'sep-line',
    text: `sep=;\r\noperation;payment_id;amount;currency\r\nrefund;${DB[0]};1.00;EUR\r\nrefund;${DB[1]};2.00;EUR\r\n`,
  },
];

// ---------------------------------------------------------------- mutations

type TextMutation =
  | { kind: 'insert'; at: number; what: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'replaceAll'; from: string; to: string }
  | { kind: 'lineEndings'; to: string }
  | { kind: 'header'; index: number; to: string }
  | { kind: 'hugeCell'; at: number; length: number; quoted: boolean }
  | { kind: 'sepLine'; line: string };

type ByteMutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'setByte'; at: number; value: number }
  | { kind: 'insertBytes'; at: number; bytes: number[] }
  | { kind: 'deleteBytes'; at: number; length: number }
  | { kind: 'truncate'; at: number };

type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-8-double-bom' | 'utf-16le-bom' | 'utf-16be-bom' | 'utf-16le' | 'windows-1252';

interface Case {
  base: number;
  text: TextMutation[];
  encoding: Encoding;
  bytes: ByteMutation[];
}

// A position as a fraction of the length (an integer scale: fc.double is uniform over representable doubles, most of them near 0).
const at = fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1_000_000);
const SNIPPETS = ['"', '""', ',', ';', '\t', '|', '\n', '\r', '\r\n', '\0', '\uFEFF', 'ä', '€', '\u00A0', '\u202F', '=', "'", ' ', 'x', '日本', '\uD800', '😀', '\u001a', 'sep=,', '12,50', '1.234,56', '4111111111111111'];
const HEADER_NAMES = ['', 'OPERATION', 'Payment ID', 'paymentId', 'payment_id', 'amount', 'Amount ', 'currency', 'card_cvv', 'card_number', 'merchant_transaction_id', 'line', 'status', 'note', 'foo', '"quoted,name"', 'entity_id', 'registration_id', '=cmd()'];

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, what: fc.constantFrom(...SNIPPETS) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 200 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('replaceAll' as const), from: fc.constantFrom(',', ';', '\t', '"', '.', ' '), to: fc.constantFrom(',', ';', '\t', '|', '"', '', ' ') }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('lineEndings' as const), to: fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\r\n') }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('header' as const), index: fc.nat(8), to: fc.constantFrom(...HEADER_NAMES) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('hugeCell' as const), at, length: fc.constantFrom(70_000, 1_100_000), quoted: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sepLine' as const), line: fc.constantFrom('sep=;', 'sep=,', 'sep=\t', 'sep=|', 'SEP=;', '"sep=;"', 'sep=x', 'sep=') }) },
);

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('setByte' as const), at, value: fc.constantFrom(0x00, 0x0a, 0x0d, 0x22, 0x80, 0x81, 0x9f, 0xa0, 0xc3, 0xe2, 0xef, 0xfe, 0xff) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insertBytes' as const), at, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteBytes' as const), at, length: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
);

const caseArb: fc.Arbitrary<Case> = fc.record({
  base: fc.nat(BASES.length - 1),
  text: fc.array(textMutation, { maxLength: 4 }),
  encoding: fc.constantFrom<Encoding>('utf-8', 'utf-8', 'utf-8', 'utf-8-bom', 'utf-8-double-bom', 'utf-16le-bom', 'utf-16be-bom', 'utf-16le', 'windows-1252', 'windows-1252'),
  bytes: fc.array(byteMutation, { maxLength: 3 }),
});

const pos = (x: number, length: number) => Math.min(length, Math.floor(x * (length + 1)));

function applyText(text: string, m: TextMutation): string {
  switch (m.kind) {
    case 'insert': {
      const i = pos(m.at, text.length);
      return text.slice(0, i) + m.what + text.slice(i);
    }
    case 'delete': {
      const i = pos(m.at, text.length);
      return text.slice(0, i) + text.slice(i + m.length);
    }
    case 'duplicate': {
      const i = pos(m.at, text.length);
      return text.slice(0, i) + text.slice(i, i + m.length) + text.slice(i);
    }
    case 'replaceAll':
      return text.split(m.from).join(m.to);
    case 'lineEndings':
      return text.replace(/\r\n|\r|\n/g, m.to);
    case 'header': {
      const end = text.search(/\r|\n/);
      const headerLine = end === -1 ? text : text.slice(0, end);
      const d = [';', '\t', ','].find((c) => headerLine.includes(c)) ?? ',';
      const names = headerLine.split(d);
      names[m.index % Math.max(1, names.length)] = m.to;
      return names.join(d) + (end === -1 ? '' : text.slice(end));
    }
    case 'hugeCell': {
      const i = pos(m.at, text.length);
      const cell = 'x'.repeat(m.length);
      return text.slice(0, i) + (m.quoted ? `"${cell}"` : cell) + text.slice(i);
    }
    case 'sepLine':
      return `${m.line}\r\n${text}`;
  }
}

const CP1252: Record<string, number> = { '€': 0x80, '–': 0x96, '’': 0x92 };
function encode(text: string, enc: Encoding): Buffer {
  switch (enc) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.from('\uFEFF' + text, 'utf8');
    case 'utf-8-double-bom':
      return Buffer.from('\uFEFF\uFEFF' + text, 'utf8');
    case 'utf-16le-bom':
      return Buffer.from('\uFEFF' + text, 'utf16le');
    case 'utf-16be-bom':
      return Buffer.from('\uFEFF' + text, 'utf16le').swap16();
    case 'utf-16le':
      return Buffer.from(text, 'utf16le');
    case 'windows-1252':
      return Buffer.from([...text].map((c) => CP1252[c] ?? (c.codePointAt(0)! <= 0xff ? c.codePointAt(0)! : 0x3f)));
  }
}

function applyBytes(b: Buffer, m: ByteMutation): Buffer {
  const i = pos(m.at, b.length);
  switch (m.kind) {
    case 'flip':
      if (i >= b.length) return b;
      b = Buffer.from(b);
      b[i] = b[i]! ^ (1 << m.bit);
      return b;
    case 'setByte':
      if (i >= b.length) return b;
      b = Buffer.from(b);
      b[i] = m.value;
      return b;
    case 'insertBytes':
      return Buffer.concat([b.subarray(0, i), Buffer.from(m.bytes), b.subarray(i)]);
    case 'deleteBytes':
      return Buffer.concat([b.subarray(0, i), b.subarray(i + m.length)]);
    case 'truncate':
      return b.subarray(0, i);
  }
}

function bytesOf(c: Case): Buffer {
  let text = BASES[c.base]!.text;
  for (const m of c.text) text = applyText(text, m);
  let b = encode(text, c.encoding);
  for (const m of c.bytes) b = applyBytes(b, m);
  return b;
}

// ---------------------------------------------------------------- an independent, strict reader

interface StrictRecord {
  line: number;
  cells: string[];
}

/**
 * Text of a file as a spreadsheet would see it: by its BOM, else UTF-8 when
 * valid, else Windows-1252. For an input, undefined when the encoding would be
 * a guess (NULs without a BOM: UTF-16 without a BOM, or binary).
 */
function decodeInput(b: Buffer, nulsAreAGuess = true): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return new TextDecoder('utf-8').decode(b.subarray(3));
  if (b[0] === 0xff && b[1] === 0xfe) return b[2] === 0 && b[3] === 0 ? undefined : new TextDecoder('utf-16le').decode(b.subarray(2));
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b.subarray(2));
  if (nulsAreAGuess && b.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return b.toString('latin1'); // Windows-1252: the ASCII that structures a CSV is the same
  }
}

/**
 * RFC 4180 records with the line each starts on, or undefined when the text is
 * not strictly RFC 4180 (a quote inside an unquoted cell, text after a closing
 * quote, a quote never closed) — where readers may legitimately differ.
 * `crMode`: a lone CR ends a record too (else it is an ordinary character).
 */
function strictRecords(text: string, delimiter: string, crMode: boolean): StrictRecord[] | undefined {
  const out: StrictRecord[] = [];
  let line = 1;
  let start = 1;
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let fieldStart = true;
  const breakAt = (i: number): number => (text[i] === '\r' && text[i + 1] === '\n' ? 2 : text[i] === '\n' || (crMode && text[i] === '\r') ? 1 : 0);
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          const next = text[i + 1];
          if (next !== undefined && next !== delimiter && breakAt(i + 1) === 0) return undefined;
          quoted = false;
        }
      } else {
        const br = breakAt(i);
        if (br === 2 || c === '\n' || (crMode && c === '\r')) line++;
        cell += text.slice(i, i + Math.max(1, br));
        i += Math.max(1, br) - 1;
      }
      continue;
    }
    const br = breakAt(i);
    if (br > 0) {
      row.push(cell);
      out.push({ line: start, cells: row });
      row = [];
      cell = '';
      fieldStart = true;
      i += br - 1;
      line++;
      start = line;
      continue;
    }
    if (c === '"') {
      if (!fieldStart || cell !== '') return undefined;
      quoted = true;
      fieldStart = false;
      continue;
    }
    if (c === delimiter) {
      row.push(cell);
      cell = '';
      fieldStart = true;
      continue;
    }
    fieldStart = false;
    cell += c;
  }
  if (quoted) return undefined;
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    out.push({ line: start, cells: row });
  }
  return out;
}

const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '' || /^\u001a[\s\u001a]*$/.test(c.trim()));

/** The data records of an input file (header and blank records left out), or undefined when the test cannot tell. */
function expectedRecords(bytes: Buffer, delimiter: string): StrictRecord[] | undefined {
  const text = decodeInput(bytes);
  if (text === undefined) return undefined;
  const firstBreak = text.search(/[\r\n]/);
  if (firstBreak > 60_000) return undefined; // the dialect is sniffed from the first 64 KiB
  const crMode = firstBreak !== -1 && text[firstBreak] === '\r' && text[firstBreak + 1] !== '\n';
  const firstLine = text.slice(0, firstBreak === -1 ? text.length : firstBreak);
  let body = text;
  let lineOffset = 0;
  const sep = firstLine.replace(/^\uFEFF+/, ''); // a second BOM may precede it
  if (/^"?sep=/i.test(sep)) {
    if (!/^sep=[,;\t|]$/i.test(sep)) return undefined;
    body = text.slice(firstLine.length + (text.startsWith('\r\n', firstLine.length) ? 2 : firstBreak === -1 ? 0 : 1));
    lineOffset = 1;
  }
  const records = strictRecords(body, delimiter, crMode);
  if (!records) return undefined;
  const kept = records.filter((r) => !isBlank(r.cells)).map((r) => ({ ...r, line: r.line + lineOffset }));
  return kept.slice(1);
}

/** An output file of payops (results or validate --out): its data rows' `line` values. */
function outputLines(path: string): { delimiter: string; lines: number[] } {
  const b = readFileSync(path);
  const text = decodeInput(b, false);
  expect(text, `${path} decodes`).toBeDefined();
  const m = /line([,;\t|])status\1/.exec(text!);
  expect(m, `${path} has payops' columns`).not.toBeNull();
  const delimiter = m![1]!;
  let records = strictRecords(text!, delimiter, false);
  expect(records, `${path} is strict RFC 4180`).toBeDefined();
  if (records![0]!.cells.join(delimiter).startsWith('sep=')) records = records!.slice(1);
  const [header, ...data] = records!;
  const li = header!.cells.lastIndexOf('line');
  return { delimiter, lines: data.map((r) => Number(r.cells[li])) };
}

// ---------------------------------------------------------------- running the commands in-process

const defaults = (options: Record<string, { default?: unknown }>) =>
  Object.fromEntries(Object.entries(options).flatMap(([k, o]) => ('default' in o ? [[k, o.default]] : [])));

interface Outcome {
  code: number;
  stderr: string;
  /** The error thrown, when one was. */
  error?: unknown;
}

/** Calls a command function as main.ts does: its return value, or the exit code of the error it throws; stderr captured. */
async function inProcess(fn: () => Promise<number>): Promise<Outcome> {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await fn();
    return { code, stderr };
  } catch (error) {
    return { code: exitCodeFor(error), stderr, error };
  } finally {
    process.stderr.write = write;
  }
}

function checkOutcome(o: Outcome, what: string): void {
  if (o.error !== undefined) {
    const e = o.error as Error;
    // A crash: anything but the typed errors main.ts reports as such.
    expect(e instanceof UsageError || e instanceof AbortError, `${what} threw ${e?.name}: ${e?.stack}`).toBe(true);
    expect(e.message, `${what}: message with a stack trace`).not.toMatch(/\n\s+at /);
    expect(e.message.length).toBeGreaterThan(0);
  }
  expect([0, 1, 2], `${what} exit ${o.code}: ${o.stderr}`).toContain(o.code);
  expect(o.stderr, `${what}: stack trace on stderr`).not.toMatch(/\n\s+at /);
}

// ---------------------------------------------------------------- the tests

let sim: RunningSimulator;
let root: string;
const env = { ...process.env };

beforeAll(async () => {
  root = tempDir();
  writeFileSync(join(root, 'seed.csv'), SEED_CSV);
  sim = await startSimulator({ seed: join(root, 'seed.csv') });
  process.env.OPPWA_ACCESS_TOKEN = TOKEN;
  process.env.OPPWA_ENTITY_ID = ENTITY;
  delete process.env.OPPWA_BASE_URL;
  process.env.NO_COLOR = '1';
});

afterAll(async () => {
  await sim?.close();
  process.env = env;
});

let counter = 0;
const stats = { cases: 0, usage: 0, ran: 0, strictChecked: 0 };
const reasons: string[] = [];
afterAll(() => {
  if (!process.env.FUZZ_REASONS) return;
  console.log('fuzz mix', JSON.stringify(stats));
  const count = new Map<string, number>();
  for (const r of reasons) count.set(r, (count.get(r) ?? 0) + 1);
  console.log([...count].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([r, n]) => `${n}\t${r}`).join('\n'));
});

/** One fuzz case: validate (and run) it in-process and check the invariants. */
async function checkCase(c: Case, opts: { runToo: boolean }): Promise<void> {
  const dir = join(root, `c${++counter}`);
  mkdirSync(dir);
  try {
    const input = join(dir, 'in.csv');
    const bytes = bytesOf(c);
    writeFileSync(input, bytes);
    const decimalComma = c.base === 1;
    const flags = { 'decimal-comma': decimalComma, 'allow-card-data': counter % 2 === 0 };

    const validated = join(dir, 'validated.csv');
    const v = await inProcess(() => validate({ ...defaults(VALIDATE_OPTIONS), ...flags, input, out: validated }));
    checkOutcome(v, 'validate');
    stats.cases++;
    if (v.code === 2) {
      stats.usage++;
      if (process.env.FUZZ_REASONS) reasons.push(String((v.error as Error).message).replace(/[0-9a-f]{32}/g, 'ID').replace(/line \d+/g, 'line N').replace(/\/tmp\/\S+/g, 'PATH').slice(0, 45) + " | " + c.text.map((m) => m.kind + (m.kind === "replaceAll" ? JSON.stringify(m.from + ">" + m.to) : "")).join("+") + " | " + c.encoding);
    }
    if (!opts.runToo) return;

    const out = join(dir, 'results.csv');
    const r = await inProcess(() =>
      run({
        ...defaults(RUN_OPTIONS),
        ...flags,
        input,
        gateway: sim.url,
        'state-dir': join(dir, 'state'),
        out,
        failed: join(dir, 'failed.csv'),
        timeout: '2s',
        settle: '2s',
        'lookup-interval': '10ms',
        'max-attempts': 2,
      }),
    );
    checkOutcome(r, 'run');
    stats.ran++;
    // The same input is usable for both commands, or for neither.
    expect(r.code === 2, `run exit ${r.code} vs validate exit ${v.code}: ${r.stderr} | ${v.stderr}`).toBe(v.code === 2);
    if (r.code === 2) return;

    // One result row per input record: the same rows as validate --out …
    const results = outputLines(out);
    expect(results.lines, 'run and validate --out have the same rows').toEqual(outputLines(validated).lines);
    // … and, when the file is strict RFC 4180, exactly the records an independent reader finds.
    const expected = expectedRecords(bytes, results.delimiter);
    if (expected) {
      stats.strictChecked++;
      expect(results.lines, 'result rows = input records (by start line)').toEqual(expected.map((e) => e.line));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fuzz: mutated CSV files never crash payops and never lose a row', () => {
  it('the starting files are valid and run cleanly', async () => {
    for (let base = 0; base < BASES.length; base++) {
      const c: Case = { base, text: [], encoding: 'utf-8', bytes: [] };
      await checkCase(c, { runToo: true });
    }
    expect(stats.usage).toBe(0);
    expect(stats.strictChecked).toBe(BASES.length);
  });

  it('600 mutated files through validate and run, in-process', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        await checkCase(c, { runToo: true });
      }),
      // Unbiased: mutations spread over the whole file (biased positions cluster at its start, the header).
      { seed: SEED, numRuns: Number(process.env.FUZZ_RUNS ?? 600), endOnFailure: true, plugins: [fc.unbiased()] },
    );
    // The mix is broad: some files refused, many run, many checked against the strict reader.
    const n = Number(process.env.FUZZ_RUNS ?? 1000);
    expect(stats.usage).toBeGreaterThan(n / 10);
    expect(stats.ran - stats.usage).toBeGreaterThan(n / 3);
    expect(stats.strictChecked).toBeGreaterThan(n / 4);
  }, 120_000);

  it('800 more through validate only, in-process', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        await checkCase(c, { runToo: false });
      }),
      { seed: SEED + 1, numRuns: Number(process.env.FUZZ_RUNS ?? 800), endOnFailure: true },
    );
  }, 120_000);

  it('20 mutated files through the real CLI process', async () => {
    const dir = tempDir();
    const cases = fc.sample(caseArb, { seed: SEED + 2, numRuns: 20 });
    let checked = 0;
    await Promise.all(
      cases.map(async (c, i) => {
        const input = join(dir, `cli-${i}.csv`);
        const bytes = bytesOf(c);
        writeFileSync(input, bytes);
        const out = join(dir, `cli-${i}.results.csv`);
        const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, `state-${i}`), '--out', out, '--failed', join(dir, `cli-${i}.failed.csv`), '--timeout', '2s', '--settle', '2s', ...(c.base === 1 ? ['--decimal-comma'] : [])]);
        const what = `CLI case ${i} ${JSON.stringify(c)}: exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`;
        expect(r.signal, what).toBeNull();
        expect([0, 1, 2], what).toContain(r.code);
        expect(r.stderr, what).not.toMatch(/\n\s+at /);
        expect(r.stderr, what).not.toContain('unexpected error');
        if (r.code === 2) {
          expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('payops: ')).length, what).toBeGreaterThan(0);
          return;
        }
        const expected = expectedRecords(bytes, outputLines(out).delimiter);
        if (expected) {
          checked++;
          expect(outputLines(out).lines, what).toEqual(expected.map((e) => e.line));
        }
      }),
    );
    expect(checked).toBeGreaterThan(5);
  }, 120_000);
});
