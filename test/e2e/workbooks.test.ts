/**
 * Excel workbooks end to end (issue 15): the built CLI against `payops sim`
 * in its own process, with workbooks written by LibreOffice and by exceljs
 * (fixtures/xlsx/generate.mjs).
 *
 * - `run book.xlsx` sends the valid rows, with the amounts the user sees;
 *   `line` is the sheet row, every row error names its cell;
 * - the results and failed-rows workbooks are read back with exceljs's
 *   regular (not streaming) reader, not with payops: text and number cells
 *   only, no formula, a bold frozen header, widths set;
 * - the failed-rows workbook runs again as it is and sends exactly the
 *   rejected rows (the simulator's ledger); a rerun of the original sends
 *   nothing;
 * - zip bombs and too many columns are refused with exit 2 and
 *   nothing sent; .xls / .ods are refused with what to save instead.
 */
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { IDS, LIBREOFFICE_ROWS } from '../../fixtures/xlsx/generate.mjs';
import { ROOT, readCsv, runCli, startSim, tempDir, type SimProcess } from './harness.js';

const FIXTURES = join(ROOT, 'fixtures/xlsx');

interface Sheet {
  header: string[];
  rows: Array<Record<string, unknown>>;
  ws: ExcelJS.Worksheet;
}

/** Read a workbook with exceljs's in-memory reader; every cell must be text or a number, never a formula. */
async function readBook(path: string): Promise<Sheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  expect(wb.worksheets).toHaveLength(1);
  const ws = wb.worksheets[0]!;
  const header: string[] = [];
  ws.getRow(1).eachCell({ includeEmpty: false }, (c, col) => (header[col - 1] = String(c.value)));
  const rows: Array<Record<string, unknown>> = [];
  ws.eachRow((row, n) => {
    row.eachCell((c) => {
      expect([ExcelJS.ValueType.String, ExcelJS.ValueType.Number], `cell ${c.address} is text or a number`).toContain(c.type);
      expect(c.formula, `cell ${c.address} has no formula`).toBeUndefined();
    });
    if (n === 1) return;
    const rec: Record<string, unknown> = {};
    header.forEach((h, i) => {
      const v = row.getCell(i + 1).value;
      rec[h] = v === null || v === undefined ? '' : v;
    });
    rows.push(rec);
  });
  return { header, rows, ws };
}

async function setUp(file: string): Promise<{ dir: string; input: string; sim: SimProcess; args: (f: string, ...more: string[]) => string[] }> {
  const dir = tempDir();
  const input = join(dir, file);
  copyFileSync(join(FIXTURES, file), input);
  const seed = join(dir, 'payments.csv');
  copyFileSync(join(FIXTURES, 'payments.csv'), seed);
  const sim = await startSim(['--seed', seed]);
  const args = (f: string, ...more: string[]) => ['run', f, '--gateway', sim.url, '--state-dir', join(dir, 'state'), ...more];
  return { dir, input, sim, args };
}

const noStack = (stderr: string) => expect(stderr, stderr).not.toMatch(/\n\s+at /);

describe('a LibreOffice workbook through payops run', () => {
  it('sends the rows as the user sees them, writes .results.xlsx / .failed.xlsx, and the failed rows run again', async () => {
    const { dir, input, sim, args } = await setUp('libreoffice.xlsx');
    const r = await runCli(args(input));
    noStack(r.stderr);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('input: Excel workbook, sheet "Refunds"');
    expect(r.stderr).toContain('libreoffice.xlsx has 3 sheets ("Refunds", "Notizen", "Leer")');
    expect(r.stderr).toMatch(/hidden rows \(5\)/);

    const results = await readBook(join(dir, 'libreoffice.results.xlsx'));
    expect(results.header).toEqual([
      ...['Ticket', 'operation', 'payment_id', 'amount', 'currency', 'booked', 'input_merchant_transaction_id', 'input_note', 'check'],
      ...['line', 'status', 'result_code', 'result_description', 'new_payment_id', 'merchant_transaction_id', 'payment_type', 'attempts', 'processed_at', 'error', 'note'],
    ]);
    const ledger = await sim.transactions();
    expect(results.rows.map((x) => [x.line, x.status])).toEqual(LIBREOFFICE_ROWS.map((e) => [e.line, e.status]));
    for (const e of LIBREOFFICE_ROWS) {
      const rec = results.rows.find((x) => x.line === e.line)!;
      if (e.sent) {
        const tx = ledger.find((t) => t.id === rec.new_payment_id);
        expect(tx, `line ${e.line} sent`).toBeDefined();
        expect(tx!.amount).toBe(e.sent);
        expect(tx!.merchantTransactionId).toBe(e.mtid);
      } else {
        expect(rec.new_payment_id).toBe('');
        expect(String(rec.error)).toMatch(e.error!);
      }
    }
    expect(ledger).toHaveLength(LIBREOFFICE_ROWS.filter((e) => e.sent).length);
    // Cells as the user sees them: a number without float noise, a date as a date, an amount as a number cell.
    const row2 = results.ws.getRow(2);
    expect(row2.getCell(4).value).toBe(12.5);
    expect(row2.getCell(6).value).toBe('2026-11-24');
    expect(row2.getCell(9).value).toBe('0.3');
    expect(results.ws.getRow(3).getCell(6).value).toBe('2026-11-24 13:05:00');
    // The header: bold, frozen; columns have widths.
    expect(results.ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(results.ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(results.ws.getColumn(1).width).toBeGreaterThanOrEqual(10);

    // The failed rows: invalid and rejected, pointing at their sheet rows.
    const failedPath = join(dir, 'libreoffice.failed.xlsx');
    const failed = await readBook(failedPath);
    const failedLines = LIBREOFFICE_ROWS.filter((e) => e.status === 'invalid' || e.status === 'rejected');
    expect(failed.rows.map((x) => [x.last_status, x.source_file, x.source_line])).toEqual(
      failedLines.map((e) => [e.status, 'libreoffice.xlsx', e.line]),
    );
    expect(failed.rows.find((x) => x.source_line === 10)!.amount).toBe(5);

    // The failed-rows workbook runs again: exactly the rejected row is sent (again), nothing else.
    const before = ledger.length;
    const r2 = await runCli(args(failedPath));
    noStack(r2.stderr);
    expect(r2.code, r2.stderr).toBe(1);
    const ledger2 = await sim.transactions();
    const rejected = failedLines.filter((e) => e.status === 'rejected');
    expect(ledger2).toHaveLength(before + rejected.length);
    expect(ledger2.slice(before).map((t) => t.referencedId)).toEqual(rejected.map(() => IDS.UNKNOWN));
    const again = await readBook(join(dir, 'libreoffice.failed.results.xlsx'));
    expect(again.rows.map((x) => [x.source_line, x.status])).toEqual(failedLines.map((e) => [e.line, e.status]));
    expect(again.rows.find((x) => x.status === 'invalid' && x.source_line === 6)!.error).toMatch(/^D2: amount "2026-11-24"/); // the date, carried as the text the user saw

    // The original again: everything is done or still invalid; nothing is sent.
    const r3 = await runCli(args(input));
    noStack(r3.stderr);
    expect(await sim.transactions()).toHaveLength(ledger2.length);
    // No temporary file is left beside the outputs.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--out x.csv still writes CSV; --sheet picks the sheet', async () => {
    const { dir, sim, args } = await setUp('several-sheets.xlsx');
    const input = join(dir, 'several-sheets.xlsx');
    const out = join(dir, 'out.csv');
    const r = await runCli(args(input, '--sheet', 'Refunds', '--out', out));
    noStack(r.stderr);
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(out);
    expect(rows.map((x) => [x.line, x.status, x.amount])).toEqual([
      ['2', 'succeeded', '7.25'],
      ['3', 'succeeded', '2'],
    ]);
    expect((await sim.transactions()).map((t) => t.amount)).toEqual(['7.25', '2.00']);
    expect(existsSync(join(dir, 'several-sheets.failed.xlsx'))).toBe(false);
  });
});

describe('samples/excel-de.xlsx (samples/excel-de.csv as German LibreOffice imports it)', () => {
  it('runs without --decimal-comma: 9 succeed, 1 is rejected; the umlauts come back', async () => {
    const dir = tempDir();
    const input = join(dir, 'excel-de.xlsx');
    copyFileSync(join(ROOT, 'samples/excel-de.xlsx'), input);
    const sim = await startSim(['--seed', join(ROOT, 'samples/payments.csv')]);
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state')]);
    noStack(r.stderr);
    expect(r.code, r.stderr).toBe(1);
    const results = await readBook(join(dir, 'excel-de.results.xlsx'));
    expect(results.rows.map((x) => x.status)).toEqual([...Array(2).fill('succeeded'), 'rejected', ...Array(7).fill('succeeded')]);
    expect(results.rows.map((x) => x.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(results.rows[2]!.Kunde).toBe('Jörg Weiß');
    expect(results.rows[7]!.Bemerkung).toBe('Quittung\nnachgereicht');
    const sent = (await sim.transactions()).map((t) => t.amount ?? 'full reversal').sort();
    expect(sent).toEqual(['40.00', '35.50', '1234.50', '19.99', 'full reversal', '10.00', '15.00', '10.00', '12.50', '5.00'].sort());
  });
});

describe('a row set aside for a lookup', () => {
  it('does not hold up the rest of the workbook, and keeps its place in both output workbooks', async () => {
    const ROWS = 1500; // more than the reorder window holds
    const dir = tempDir();
    const seed = join(dir, 'seed.csv');
    // The unknown row on a payment of its own: the later rows of its payment would wait for it (file order per payment).
    const ASIDE = '8ac7a4a2000000000000000000ee0001';
    writeFileSync(seed, `payment_id,payment_type,amount,currency\n${IDS.DB_EUR},DB,100000.00,EUR\n${ASIDE},DB,100.00,EUR\n`);
    const sim = await startSim(['--seed', seed, '--force-code', '13.03=900.100.300']);
    const input = join(dir, 'aside.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Refunds');
    ws.addRow(['ticket', 'operation', 'payment_id', 'amount', 'currency']);
    for (let i = 0; i < ROWS; i++) ws.addRow([`T${i}`, 'refund', i === 1 ? ASIDE : IDS.DB_EUR, i === 1 ? 13.03 : 1, 'EUR']);
    await wb.xlsx.writeFile(input);
    const started = Date.now();
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), '--timeout', '8s', '--settle', '8s', '--lookup-interval', '100ms', '--max-attempts', '2', '--concurrency', '16']);
    noStack(r.stderr);
    expect(r.code, r.stderr).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(8000);
    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(ROWS);
    const times = ledger.map((t) => Date.parse(t.timestamp));
    expect(Math.max(...times) - Math.min(...times), 'every row was sent while the unknown one waited').toBeLessThan(8000);
    const results = await readBook(join(dir, 'aside.results.xlsx'));
    expect(results.rows.map((x) => x.ticket)).toEqual(Array.from({ length: ROWS }, (_, i) => `T${i}`));
    expect(results.rows[1]).toMatchObject({ status: 'unknown', result_code: '900.100.300' });
    const failed = await readBook(join(dir, 'aside.failed.xlsx'));
    expect(failed.rows.map((f) => [f.ticket, f.last_status, f.source_line])).toEqual([['T1', 'unknown', 3]]);
  });
});

describe('exceljs workbooks through payops validate', () => {
  for (const file of ['exceljs-shared.xlsx', 'exceljs-inline.xlsx']) {
    it(`${file}: every row's error names its cell`, async () => {
      const dir = tempDir();
      const out = join(dir, 'validated.xlsx');
      const r = await runCli(['validate', join(FIXTURES, file), '--out', out]);
      noStack(r.stderr);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('line 4: D4: amount is a formula (=D3*2) with no saved result');
      expect(r.stderr).toContain('line 7: E7: merchant_transaction_id is a number cell (20261124000123)');
      expect(r.stderr).toContain('7 rows: 3 valid, 4 invalid');
      const book = await readBook(out);
      expect(book.rows.map((x) => [x.line, x.status])).toEqual([
        [2, 'valid'],
        [3, 'valid'],
        [4, 'invalid'],
        [5, 'invalid'],
        [6, 'invalid'],
        [7, 'invalid'],
        [9, 'valid'],
      ]);
      // Rich text split across runs reads whole.
      expect(book.rows[0]!.operation).toBe('refund');
      expect(book.rows[0]!.payment_id).toBe(IDS.DB_EUR);
      expect(book.rows[0]!.Kunde).toBe('Jörg Weiß');
    });
  }
});

describe('refused with exit 2, nothing sent', () => {
  const cases: Array<[string, RegExp]> = [
    ['bomb-declared.xlsx', /unzips to more than 2\.0 GiB/],
    ['bomb-lying.xlsx', /unzips to \d+ bytes, not the 100 its directory says/],
    ['wide.xlsx', /cell XFD2 is in column 16384; payops reads at most 1024 columns/],
  ];
  for (const [file, message] of cases) {
    it(file, async () => {
      const { input, sim, args } = await setUp(file);
      const r = await runCli(args(input));
      noStack(r.stderr);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(await sim.transactions()).toEqual([]);
    });
  }

  it('an .ods says what to save instead', async () => {
    const dir = tempDir();
    const ods = join(dir, 'book.ods');
    writeFileSync(ods, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), Buffer.from('mimetypeapplication/vnd.oasis.opendocument.spreadsheet')]));
    const r = await runCli(['validate', ods]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is an OpenDocument spreadsheet (.ods), not a CSV file or an Excel workbook (.xlsx). Save it as an Excel workbook');
  });
});
