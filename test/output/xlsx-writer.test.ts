/**
 * The workbook sink (src/output/xlsx-writer.ts) under the results and
 * failed-rows writers: read back with exceljs's regular reader, every cell
 * is text or a number and never a formula, the header is bold and frozen,
 * the file appears only on commit (renamed from a temporary file), an abort
 * leaves an earlier file as it was, and a failed-rows workbook with no row
 * is not created.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { createFailedWriter } from '../../src/output/failed-writer.js';
import { createResultsWriter } from '../../src/output/results-writer.js';
import { asNumber, createXlsxWriter, sinkForPath } from '../../src/output/xlsx-writer.js';
import type { ColumnLayout, RowOutcome } from '../../src/rows/types.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'payops-xlsx-out-'));
  dirs.push(d);
  return d;
}

const DIALECT = { delimiter: ',', lineEnding: '\r\n' as const, bom: true, encoding: 'utf-8' };
const LAYOUT: ColumnLayout = { header: ['operation', 'payment_id', 'amount', 'currency', 'Kommentar'], fieldIndex: { operation: 0, payment_id: 1, amount: 2, currency: 3 } };
const PID = '8ac7a4a2000000000000000000db0001';

async function read(path: string): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb.worksheets[0]!;
}

function outcome(line: number, amount: string, status: RowOutcome['status'], comment = ''): RowOutcome {
  return { line, cells: ['refund', PID, amount, 'EUR', comment], status, attempts: status === 'invalid' ? 0 : 1, ...(status === 'invalid' ? { error: `D${line}: amount bad` } : {}) };
}

describe('the results workbook', () => {
  test('text and number cells, never a formula; header bold and frozen; widths', async () => {
    const path = join(dir(), 'book.results.xlsx');
    const w = createResultsWriter(path, LAYOUT, DIALECT, undefined, { sink: sinkForPath });
    for (const o of [outcome(2, '12.5', 'succeeded', '=HYPERLINK("http://evil","x")'), outcome(3, '12,50', 'invalid', '+1+2'), outcome(4, '007', 'succeeded', '@SUM(A1)')]) await w.write(o);
    expect(existsSync(path)).toBe(false);
    await w.commit();
    expect(readdirSync(join(path, '..'))).toEqual(['book.results.xlsx']);
    const ws = await read(path);
    const header = ws.getRow(1).values as unknown[];
    expect(header.slice(1, 8)).toEqual(['operation', 'payment_id', 'amount', 'currency', 'Kommentar', 'line', 'status']);
    expect(ws.getRow(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.getColumn(2).width).toBeGreaterThanOrEqual(32);
    ws.eachRow((row) => row.eachCell((c) => {
      expect([ExcelJS.ValueType.String, ExcelJS.ValueType.Number]).toContain(c.type);
      expect(c.formula).toBeUndefined();
    }));
    const row2 = ws.getRow(2);
    expect(row2.getCell(3).value).toBe(12.5); // amount: a number cell
    expect(row2.getCell(5).value).toBe('=HYPERLINK("http://evil","x")'); // a text cell, not a formula
    expect(row2.getCell(6).value).toBe(2); // line
    expect(row2.getCell(13).value).toBe(1); // attempts
    expect(ws.getRow(3).getCell(3).value).toBe('12,50'); // text stays text
    expect(ws.getRow(4).getCell(3).value).toBe('007'); // a leading zero stays text
    expect(ws.getRow(4).getCell(2).value).toBe(PID);
  });

  test('only text that reads back as the very same number becomes a number', () => {
    expect(asNumber('12.5')).toBe(12.5);
    expect(asNumber('1000')).toBe(1000);
    expect(asNumber('12.50')).toBeUndefined();
    expect(asNumber('007')).toBeUndefined();
    expect(asNumber('4111111111111111')).toBeUndefined(); // 16 digits: Excel would cut it
    expect(asNumber('1e5')).toBeUndefined();
    expect(asNumber('')).toBeUndefined();
  });

  test('abort leaves an earlier file as it was and no temporary file', async () => {
    const d = dir();
    const path = join(d, 'book.results.xlsx');
    writeFileSync(path, 'earlier');
    const w = createResultsWriter(path, LAYOUT, DIALECT, undefined, { sink: sinkForPath });
    await w.write(outcome(2, '1', 'succeeded'));
    await w.abort();
    expect(readFileSync(path, 'utf8')).toBe('earlier');
    expect(readdirSync(d)).toEqual(['book.results.xlsx']);
  });

  test('an output that is the input, a folder, or stdout is refused before anything is written', () => {
    const d = dir();
    const input = join(d, 'book.xlsx');
    writeFileSync(input, 'x');
    expect(() => createXlsxWriter(input, { inputPath: input, role: 'results file' })).toThrow(UsageError);
    expect(() => createXlsxWriter(d, { role: 'results file' })).toThrow(/it is a folder/);
    expect(() => createXlsxWriter('-', { role: 'results file' })).toThrow(/to stdout/);
    expect(() => createXlsxWriter(join(d, 'missing', 'x.xlsx'), { role: 'results file' })).toThrow(/does not exist/);
  });

  test('a .csv name still gets CSV', async () => {
    const path = join(dir(), 'out.csv');
    const w = createResultsWriter(path, LAYOUT, DIALECT, undefined, { sink: sinkForPath });
    await w.write(outcome(2, '12.5', 'succeeded'));
    await w.commit();
    expect(readFileSync(path, 'utf8')).toMatch(/^\uFEFFoperation,payment_id,amount,currency,Kommentar,line,status/);
  });
});

describe('a row set aside for a lookup keeps its place', () => {
  test('results: the rows after it wait, then come in input order; a place never filled is left out', async () => {
    const path = join(dir(), 'book.results.xlsx');
    const w = createResultsWriter(path, LAYOUT, DIALECT, undefined, { sink: sinkForPath });
    expect(w.canDefer).toBe(true);
    await w.write(outcome(2, '1', 'succeeded'));
    const p3 = w.defer();
    await w.write(outcome(4, '4', 'succeeded'));
    const p5 = w.defer();
    await w.write(outcome(6, '6', 'succeeded'));
    w.fill(p5, outcome(5, '5', 'succeeded'));
    w.fill(p3, outcome(3, '3', 'unknown'));
    const p7 = w.defer();
    await w.write(outcome(8, '8', 'succeeded'));
    void p7; // never filled
    await w.commit();
    const ws = await read(path);
    const lines: unknown[] = [];
    ws.eachRow((row, n) => n > 1 && lines.push(row.getCell(6).value));
    expect(lines).toEqual([2, 3, 4, 5, 6, 8]);
  });

  test('failed rows: a deferred row that succeeds lets the rows behind it through', async () => {
    const path = join(dir(), 'book.failed.xlsx');
    const w = createFailedWriter(path, LAYOUT, DIALECT, { sourceFile: 'book.xlsx', sink: sinkForPath });
    const p2 = w.defer();
    await w.write(outcome(3, '3', 'rejected'));
    w.fill(p2, outcome(2, '2', 'succeeded'));
    const p4 = w.defer();
    await w.write(outcome(5, '5', 'rejected'));
    w.fill(p4, outcome(4, '4', 'unknown'));
    await w.commit();
    const ws = await read(path);
    const lines: unknown[] = [];
    ws.eachRow((row, n) => n > 1 && lines.push(row.getCell(11).value));
    expect(lines).toEqual([3, 4, 5]);
  });

  test('failed rows: only deferred rows that succeed leave no file', async () => {
    const d = dir();
    const w = createFailedWriter(join(d, 'book.failed.xlsx'), LAYOUT, DIALECT, { sourceFile: 'book.xlsx', sink: sinkForPath });
    const p = w.defer();
    w.fill(p, outcome(2, '2', 'succeeded'));
    await w.commit();
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('the failed-rows workbook', () => {
  test('carries the rows to run again; amount and source_line as numbers', async () => {
    const path = join(dir(), 'book.failed.xlsx');
    const w = createFailedWriter(path, LAYOUT, DIALECT, { sourceFile: 'book.xlsx', sink: sinkForPath });
    await w.write(outcome(2, '12.5', 'succeeded'));
    await w.write(outcome(3, '7.25', 'rejected'));
    await w.commit();
    const ws = await read(path);
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(['operation', 'payment_id', 'amount', 'currency', 'Kommentar', 'merchant_transaction_id', 'last_status', 'last_result_code', 'last_error', 'source_file', 'source_line']);
    expect(ws.rowCount).toBe(2);
    expect(ws.getRow(2).getCell(3).value).toBe(7.25);
    expect(ws.getRow(2).getCell(7).value).toBe('rejected');
    expect(ws.getRow(2).getCell(11).value).toBe(3);
  });

  test('no failed row: no file, and an earlier one of that name is removed', async () => {
    const d = dir();
    const path = join(d, 'book.failed.xlsx');
    writeFileSync(path, 'stale');
    const w = createFailedWriter(path, LAYOUT, DIALECT, { sourceFile: 'book.xlsx', sink: sinkForPath });
    await w.write(outcome(2, '1', 'succeeded'));
    await w.commit();
    expect(readdirSync(d)).toEqual([]);
  });
});
