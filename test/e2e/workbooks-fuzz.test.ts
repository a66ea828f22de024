/**
 * Fuzzing workbook input (issue 15): mutated workbooks — bytes of the ZIP
 * flipped, cut or inserted (mostly stopped by the ZIP check), and, more
 * to the point, the XML of the sheet, the shared strings and the workbook
 * part mutated and zipped again properly, so the mutation reaches the
 * parsers — each through `payops validate --out x.xlsx` and `payops run`
 * (in-process, against an in-process simulator), and some through the
 * built CLI. Whatever the workbook:
 *
 * - exit 0, 1 or 2 — a UsageError for a workbook that cannot be read,
 *   anything else thrown is a failure;
 * - no stack trace on stderr or in a message;
 * - when the exit is 0 or 1, the results workbook reads back (exceljs's own
 *   reader) with one row per record validate found.
 *
 * fast-check with a fixed seed: every run fuzzes the same workbooks.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, UsageError } from '../../src/errors.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { RUN_OPTIONS, VALIDATE_OPTIONS } from '../../src/cli/options.js';
import { run } from '../../src/cli/run.js';
import { validate } from '../../src/cli/validate.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/server.js';
import { readZip, writeZip } from '../../fixtures/xlsx/zip.mjs';
import { ENTITY, ROOT, runCli, tempDir, TOKEN } from './harness.js';

const SEED = 20261201;
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const FIXTURES = join(ROOT, 'fixtures/xlsx');
const BASES = ['libreoffice.xlsx', 'exceljs-shared.xlsx', 'exceljs-inline.xlsx', 'several-sheets.xlsx'].map((f) => readFileSync(join(FIXTURES, f)));

const defaults = (options: Record<string, { default?: unknown }>) =>
  Object.fromEntries(Object.entries(options).flatMap(([k, o]) => ('default' in o ? [[k, o.default]] : [])));

interface Outcome {
  code: number;
  stderr: string;
  error?: unknown;
}

async function inProcess(fn: () => Promise<number>): Promise<Outcome> {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await fn(), stderr };
  } catch (error) {
    return { code: exitCodeFor(error), stderr, error };
  } finally {
    process.stderr.write = write;
  }
}

function checkOutcome(o: Outcome, what: string): void {
  if (o.error !== undefined) {
    const e = o.error as Error;
    expect(e instanceof UsageError || e instanceof AbortError, `${what} threw ${e?.name}: ${e?.stack}`).toBe(true);
    expect(e.message, `${what}: message with a stack trace`).not.toMatch(/\n\s+at /);
  }
  expect([0, 1, 2], `${what} exit ${o.code}: ${o.stderr}`).toContain(o.code);
  expect(o.stderr, `${what}: stack trace on stderr`).not.toMatch(/\n\s+at /);
}

// ---------------------------------------------------------------- mutations

type XmlMutation =
  | { kind: 'element'; what: 'c' | 'row' | 'si'; op: 'delete' | 'duplicate' | 'move'; n: number; to: number }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'duplicate'; at: number; len: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'attr'; from: string; to: string };

const SNIPPETS = ['<', '>', '&', '&amp;', '"', '</c>', '<c r="A1">', '<v>', '</v>', '<row>', '</row>', '<is><t>x</t></is>', '<f>1/0</f>', 't="s"', 't="b"', 't="e"', 't="d"', 'r="XFD1"', 'r="A0"', 's="99"', '\u0000', '\uFFFF', 'ü€', '_x0000_', '<v>1e400</v>', '<v>-0</v>', '<v>99999999999999999999</v>', '<v>NaN</v>', '<v>7</v>'];
const ATTRS: Array<[string, string]> = [
  ['t="s"', 't="inlineStr"'],
  ['t="s"', 't="n"'],
  ['t="s"', ''],
  [' r="', ' x="'],
  ['<v>', '<v>9'],
  ['<v>', '<v>-'],
  ['<v>0</v>', '<v>100000</v>'],
  ['s="', 's="1'],
  ['<row ', '<row hidden="1" '],
  ['</sheetData>', ''],
  ['<sheetData>', '<sheetData><row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>'],
  ['name="', 'name="x'],
  ['r:id="', 'r:id="z'],
  ['Target="', 'Target="/'],
];

const xmlMutation: fc.Arbitrary<XmlMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('element' as const), what: fc.constantFrom('c' as const, 'row' as const, 'si' as const), op: fc.constantFrom('delete' as const, 'duplicate' as const, 'move' as const), n: fc.nat(), to: fc.nat() }) },
  { weight: 3, arbitrary: fc.constantFrom(...ATTRS).map(([from, to]) => ({ kind: 'attr' as const, from, to })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('<v>7</v>', '<is><t>x</t></is>', '<f>1/0</f>', '<c r="B2" t="inlineStr"><is><t>y</t></is></c>', '<row r="3"/>') }) },
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 8 })) }),
);

const ELEMENTS = { c: /<c[ >][\s\S]*?<\/c>|<c [^>]*\/>/g, row: /<row[ >][\s\S]*?<\/row>|<row [^>]*\/>/g, si: /<si>[\s\S]*?<\/si>/g };

function mutateXml(xml: string, m: XmlMutation): string {
  if (m.kind === 'element') {
    const found = [...xml.matchAll(ELEMENTS[m.what])];
    if (found.length === 0) return xml;
    const el = found[m.n % found.length]!;
    const start = el.index!;
    const end = start + el[0].length;
    if (m.op === 'delete') return xml.slice(0, start) + xml.slice(end);
    if (m.op === 'duplicate') return xml.slice(0, end) + el[0] + xml.slice(end);
    const without = xml.slice(0, start) + xml.slice(end);
    const target = found[m.to % found.length]!.index!;
    const at = Math.min(target > start ? target - el[0].length : target, without.length);
    return without.slice(0, at) + el[0] + without.slice(at);
  }
  // Inserts go after a tag, where markup may stand.
  const raw = xml.length ? (m.kind === 'attr' ? 0 : (m as { at: number }).at % xml.length) : 0;
  const at = m.kind === 'insert' ? Math.max(0, xml.indexOf('>', raw) + 1) : raw;
  switch (m.kind) {
    case 'delete':
      return xml.slice(0, at) + xml.slice(at + m.len);
    case 'duplicate':
      return xml.slice(0, at) + xml.slice(at, at + m.len) + xml.slice(at);
    case 'insert':
      return xml.slice(0, at) + m.text + xml.slice(at);
    case 'attr':
      return xml.split(m.from).join(m.to);
  }
}

interface Case {
  base: number;
  /** Which part: the first sheet, the shared strings, the workbook, its relationships. */
  part: number;
  xml: XmlMutation[];
  /** Byte damage to the ZIP after it is put together again (rare: the ZIP check stops most). */
  bytes: Array<{ at: number; value: number }>;
  cut: number | null;
}

const PARTS = ['xl/worksheets/sheet1.xml', 'xl/sharedStrings.xml', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels'];

const caseArb: fc.Arbitrary<Case> = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  part: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.constant(3) }),
  xml: fc.array(xmlMutation, { minLength: 1, maxLength: 4 }),
  bytes: fc.oneof({ weight: 8, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 3 }) }),
  cut: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
});

function bytesOf(c: Case): Buffer {
  const entries = readZip(BASES[c.base]!);
  const name = PARTS[c.part]!;
  const changed = entries.map((e: { name: string; data: Buffer }) =>
    e.name === name ? { name: e.name, data: c.xml.reduce((xml, m) => mutateXml(xml, m), e.data.toString('utf8')) } : e,
  );
  let zip: Buffer = writeZip(changed);
  for (const b of c.bytes) zip[b.at % zip.length] = b.value;
  if (c.cut !== null) zip = zip.subarray(0, c.cut % zip.length);
  return zip;
}

// ---------------------------------------------------------------- the tests

let sim: RunningSimulator;
let root: string;
const env = { ...process.env };
let counter = 0;
const stats = { cases: 0, refused: 0 };

beforeAll(async () => {
  root = tempDir();
  writeFileSync(join(root, 'seed.csv'), readFileSync(join(FIXTURES, 'payments.csv')));
  sim = await startSimulator({ seed: join(root, 'seed.csv') });
  process.env.OPPWA_ACCESS_TOKEN = TOKEN;
  process.env.OPPWA_ENTITY_ID = ENTITY;
  delete process.env.OPPWA_BASE_URL;
  process.env.NO_COLOR = '1';
});

afterAll(async () => {
  await sim?.close();
  process.env = env;
  if (process.env.FUZZ_REASONS) console.log('workbook fuzz', JSON.stringify(stats));
});

async function rowsOf(path: string): Promise<number> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb.worksheets[0]!.rowCount - 1;
}

async function checkCase(c: Case, runToo: boolean): Promise<void> {
  const dir = join(root, `c${++counter}`);
  mkdirSync(dir);
  const input = join(dir, 'book.xlsx');
  writeFileSync(input, bytesOf(c));
  const validated = join(dir, 'validated.xlsx');
  const v = await inProcess(() => validate({ ...defaults(VALIDATE_OPTIONS), input, out: validated, quiet: true }));
  checkOutcome(v, 'validate');
  stats.cases++;
  if (v.code === 2) {
    stats.refused++;
    return;
  }
  const validRows = await rowsOf(validated);
  if (!runToo) return;
  const out = join(dir, 'book.results.xlsx');
  const r = await inProcess(() =>
    run({
      ...defaults(RUN_OPTIONS),
      input,
      gateway: sim.url,
      'state-dir': join(dir, 'state'),
      out,
      failed: join(dir, 'book.failed.xlsx'),
      settle: '0',
      'lookup-interval': '10ms',
      'max-attempts': 1,
      quiet: true,
    }),
  );
  checkOutcome(r, 'run');
  if (r.code === 0 || r.code === 1) expect(await rowsOf(out), 'one results row per record').toBe(validRows);
}

describe('mutated workbooks', () => {
  it('validate and run: exit 0, 1 or 2, never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => checkCase(c, true)),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // Most mutations must reach the parsers rather than stop at the ZIP check.
    expect(stats.cases).toBeGreaterThanOrEqual(RUNS);
  }, 300_000);

  it('through the built CLI', async () => {
    const cases = fc.sample(caseArb, { seed: SEED + 1, numRuns: 8 });
    for (const c of cases) {
      const dir = join(root, `cli${++counter}`);
      mkdirSync(dir);
      const input = join(dir, 'book.xlsx');
      writeFileSync(input, bytesOf(c));
      const r = await runCli(['validate', input, '--out', join(dir, 'v.xlsx')]);
      expect([0, 1, 2], r.stderr).toContain(r.code);
      expect(r.stderr, r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toMatch(/TypeError|RangeError|ReferenceError|internal error/);
    }
  }, 120_000);
});
