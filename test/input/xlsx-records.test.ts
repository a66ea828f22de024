/**
 * The workbook reader (src/input/xlsx-records.ts, xlsx-cells.ts, xlsx-zip.ts):
 * the records it hands on are what the CSV reader would hand on for the
 * same sheet, cells as the user sees them, cut-short and oversized
 * workbooks refused with a UsageError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { openInput } from '../../src/input/open-input.js';
import { columnLetters, columnOfRef, dateText, isDateFormat, numberText } from '../../src/input/xlsx-cells.js';
import { openWorkbookInput } from '../../src/input/xlsx-records.js';
import { checkZip } from '../../src/input/xlsx-zip.js';
import { validateRow } from '../../src/rows/validate.js';
import type { InputRecord } from '../../src/rows/types.js';
import { minimalXlsx, readZip, writeZip } from '../../fixtures/xlsx/zip.mjs';
import { IDS } from '../../fixtures/xlsx/generate.mjs';
import { rejection, streamOf, tempDir, tempFile } from './helpers.js';

const FIXTURES = new URL('../../fixtures/xlsx/', import.meta.url).pathname;
const fixture = (name: string) => join(FIXTURES, name);

async function all(path: string, opts: Parameters<typeof openInput>[1] = {}) {
  const src = await openInput(path, opts);
  const records: InputRecord[] = [];
  for await (const r of src.records) records.push(r);
  return { src, records };
}

const RULES = { decimalComma: false, allowCardData: false };

/** `<c>` helpers for hand-written sheets. */
const inl = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
const num = (ref: string, v: string | number, s?: number) => `<c r="${ref}"${s !== undefined ? ` s="${s}"` : ''}><v>${v}</v></c>`;
const row = (r: number, ...cells: string[]) => `<row r="${r}">${cells.join('')}</row>`;
const HEADER = row(1, inl('A1', 'operation'), inl('B1', 'payment_id'), inl('C1', 'amount'), inl('D1', 'currency'));

/** Two sheets, the first hidden and holding rows, the second visible and empty. */
function hiddenFirst(): Buffer {
  const entries = readZip(minimalXlsx({ sheetData: HEADER, sheets: ['Versteckt', 'Sichtbar'] }));
  return writeZip(
    entries.map((e: { name: string; data: Buffer }) =>
      e.name === 'xl/workbook.xml' ? { name: e.name, data: e.data.toString('utf8').replace('name="Versteckt"', 'name="Versteckt" state="hidden"') } : e,
    ),
  );
}

function book(sheetData: string, more: Partial<Parameters<typeof minimalXlsx>[0]> = {}): string {
  return tempFile(minimalXlsx({ sheetData, ...more }), 'book.xlsx');
}

describe('cells as the user sees them', () => {
  test('numbers: 15 significant digits, plain decimals', () => {
    expect(numberText(12.5)).toBe('12.5');
    expect(numberText(0.1 + 0.2)).toBe('0.3');
    expect(numberText(1000)).toBe('1000');
    expect(numberText(99.99999999999999)).toBe('100');
    expect(numberText(1e21)).toBe('1000000000000000000000');
    expect(numberText(4111111111111111)).toBe('4111111111111110');
    expect(numberText(1.5e-7)).toBe('0.00000015');
    expect(numberText(-3.25)).toBe('-3.25');
    expect(numberText(-0)).toBe('0');
  });

  test('dates: the 1900 system (with its phantom 29 February) and the 1904 one', () => {
    expect(dateText(46350, false)).toBe('2026-11-24');
    expect(dateText(46350.5, false)).toBe('2026-11-24 12:00:00');
    expect(dateText(59, false)).toBe('1900-02-28');
    expect(dateText(61, false)).toBe('1900-03-01');
    expect(dateText(44888, true)).toBe('2026-11-24');
    expect(isDateFormat('dd.mm.yyyy', 164)).toBe(true);
    expect(isDateFormat('#,##0.00 "€"', 165)).toBe(false);
    expect(isDateFormat('[$-407]DD.MM.YY', 166)).toBe(true);
    expect(isDateFormat(undefined, 14)).toBe(true);
    expect(isDateFormat('General', 0)).toBe(false);
    expect(isDateFormat('0.00E+00', 11)).toBe(false);
  });

  test('column letters both ways', () => {
    expect([1, 4, 26, 27, 52, 16384].map(columnLetters)).toEqual(['A', 'D', 'Z', 'AA', 'AZ', 'XFD']);
    expect(['A1', 'D7', 'AA10', 'XFD1048576'].map(columnOfRef)).toEqual([1, 4, 27, 16384]);
  });
});

describe('workbooks written by LibreOffice and exceljs', () => {
  test('libreoffice.xlsx: the first sheet, rows by sheet row number, merged and empty rows skipped', async () => {
    const { src, records } = await all(fixture('libreoffice.xlsx'));
    expect(src.dialect.sheet).toBe('Refunds');
    expect(src.recordCount).toBe(9);
    expect(src.headerLine).toBe(1);
    expect(records.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 10, 11]);
    expect(records[0]!.cells).toEqual(['T-1', 'refund', IDS.DB_EUR, '12.5', 'EUR', '2026-11-24', 'WB-LO-0001', 'Teilerstattung', '0.3']);
    expect(records[1]!.cells.slice(3, 6)).toEqual(['1000', 'JPY', '2026-11-24 13:05:00']);
    expect(records[2]!.cells[3]).toBe('25'); // =D2*2, its saved result
    expect(src.notices.join('\n')).toMatch(/hidden rows \(5\): payops reads them like the others/);
    expect(src.sha256()).toMatch(/^[0-9a-f]{64}$/);
  });

  test('--sheet reads another sheet, by name in any case; an unknown name lists the sheets', async () => {
    const { src, records } = await all(fixture('several-sheets.xlsx'), { sheet: 'refunds' });
    expect(src.dialect.sheet).toBe('Refunds');
    expect(records.map((r) => [r.line, r.cells])).toEqual([
      [2, ['refund', IDS.DB_EUR, '7.25', 'EUR', 'WB-SH-0001']],
      [3, ['refund', IDS.DB_EUR, '2', 'EUR', 'WB-SH-0002']],
    ]);
    const err = await rejection(openInput(fixture('several-sheets.xlsx'), { sheet: 'Nope' }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain('has no sheet named "Nope": its sheets are "Info", "Refunds", "Leer"');
  });

  test('the first sheet is the first one the user sees: a hidden sheet before it does not count', async () => {
    const path = book(HEADER + row(2, inl('A2', 'refund'), inl('B2', IDS.DB_EUR), num('C2', 3), inl('D2', 'EUR')), { sheets: ['Versteckt', 'Sichtbar'] });
    // The same two sheets with the first one hidden: the visible one is read.
    const hidden = tempFile(hiddenFirst(), 'hidden.xlsx');
    const h = await all(hidden);
    expect(h.src.dialect.sheet).toBe('Sichtbar');
  });

  test('an empty sheet is an empty input', async () => {
    const { src, records } = await all(fixture('empty.xlsx'));
    expect(src.header).toEqual([]);
    expect(records).toEqual([]);
    const leer = await all(fixture('several-sheets.xlsx'), { sheet: 'Leer' });
    expect(leer.records).toEqual([]);
  });

  test('rich-text inline strings read whole (exceljs 4.4.0 keeps only the last run)', async () => {
    for (const f of ['exceljs-inline.xlsx', 'exceljs-shared.xlsx']) {
      const { records } = await all(fixture(f));
      expect(records[0]!.cells.slice(0, 3), f).toEqual(['refund', IDS.DB_EUR, 'Jörg Weiß']);
    }
  });

  test('a workbook whose sheet comes before its shared strings (LibreOffice, Excel) reads whole every time', async () => {
    // exceljs 4.4.0 alone lost the shared strings of libreoffice.xlsx in about 1 read of 6.
    for (let i = 0; i < 24; i++) {
      const src = await openInput(fixture('libreoffice.xlsx'), { prescan: false });
      expect(src.header[0], `read ${i + 1}`).toBe('Ticket');
      src.close();
    }
  });

  test('without prescan the same records (validate reads once)', async () => {
    const a = await all(fixture('libreoffice.xlsx'));
    const b = await all(fixture('libreoffice.xlsx'), { prescan: false });
    expect(b.records).toEqual(a.records);
    expect(b.src.recordCount).toBeUndefined();
  });
});

describe('problems a cell can have, and the cell every error names', () => {
  const validate = async (path: string, rules = RULES) => {
    const { src, records } = await all(path);
    return records.map((r) => {
      const v = validateRow(src.headers.valuesOf(r.cells), rules);
      return v.ok ? v.op.amount : v.errors;
    });
  };

  test('a number amount is a plain decimal whatever --decimal-comma says; a text amount follows it', async () => {
    const path = book(HEADER + row(2, inl('A2', 'refund'), inl('B2', IDS.DB_EUR), num('C2', 12.5), inl('D2', 'EUR')) + row(3, inl('A3', 'refund'), inl('B3', IDS.DB_EUR), inl('C3', '12,50'), inl('D3', 'EUR')));
    expect(await validate(path, { ...RULES, decimalComma: true })).toEqual(['12.50', '12.50']);
    const plain = await validate(path);
    expect(plain[0]).toBe('12.50');
    expect((plain[1] as string[])[0]).toMatch(/^C3: amount "12,50" is ambiguous/);
  });

  test('ids and card numbers typed as numbers, dates and booleans in amount, errors, formulas without a result', async () => {
    const styles =
      '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>' +
      '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>';
    const path = book(
      HEADER +
        row(2, inl('A2', 'refund'), num('B2', '1.23456789012346E+31'), num('C2', 5), inl('D2', 'EUR')) +
        row(3, inl('A3', 'refund'), inl('B3', IDS.DB_EUR), num('C3', 46350, 1), inl('D3', 'EUR')) +
        row(4, inl('A4', 'refund'), inl('B4', IDS.DB_EUR), '<c r="C4" t="b"><v>1</v></c>', inl('D4', 'EUR')) +
        row(5, inl('A5', 'refund'), inl('B5', IDS.DB_EUR), '<c r="C5" t="e"><f>1/0</f><v>#DIV/0!</v></c>', inl('D5', 'EUR')) +
        row(6, inl('A6', 'refund'), inl('B6', IDS.DB_EUR), '<c r="C6"><f>2*3</f></c>', inl('D6', 'EUR')) +
        row(7, inl('A7', 'refund'), inl('B7', IDS.DB_EUR), '<c r="C7"><f>2*3</f><v>6</v></c>', '<c r="D7" t="str"><f>"EU"&amp;"R"</f><v>EUR</v></c>') +
        row(8, inl('A8', 'refund'), inl('B8', IDS.DB_EUR), num('C8', 5), inl('D8', 'EUR'), '<c r="E8"><f>A1</f></c>'),
      { styles },
    );
    const out = await validate(path);
    expect((out[0] as string[])[0]).toMatch(/^B2: payment_id is a number cell \([0-9*]+\): Excel keeps only 15 significant digits.*Format the column as Text and enter the value again$/);
    expect(out[1]).toEqual(['C3: amount is a date cell (2026-11-24): an amount must be a number such as 12.50. Format the cell as Number and enter the amount again']);
    expect((out[2] as string[])[0]).toMatch(/^C4: amount is a TRUE\/FALSE cell/);
    expect((out[3] as string[])[0]).toBe('C5: amount holds the error #DIV/0! (from the formula =1/0): fix the formula or type the value');
    expect((out[4] as string[])[0]).toMatch(/^C6: amount is a formula \(=2\*3\) with no saved result/);
    expect(out[5]).toBe('6.00');
    // A column without a header is dropped, as for CSV: its formula does not matter.
    expect(out[6]).toBe('5.00');
  });

  test('a user column with a formula without a result makes the row invalid too, naming the cell', async () => {
    const path = book(
      row(1, inl('A1', 'operation'), inl('B1', 'payment_id'), inl('C1', 'amount'), inl('D1', 'currency'), inl('E1', 'Kontrolle')) +
        row(2, inl('A2', 'refund'), inl('B2', IDS.DB_EUR), num('C2', 5), inl('D2', 'EUR'), '<c r="E2"><f>C2*2</f></c>'),
    );
    expect(await validate(path)).toEqual([[expect.stringMatching(/^E2: this cell is a formula \(=C2\*2\) with no saved result/)]]);
  });

  test('errors of the validator name their cell; one not tied to a cell names the row', async () => {
    const path = book(row(1, inl('A1', 'operation'), inl('B1', 'payment_id')) + row(2, inl('A2', 'refund'), inl('B2', 'nope')));
    const [errors] = (await validate(path)) as string[][];
    expect(errors!.every((e) => /^(?:[A-Z]+2|row 2): /.test(e)), errors!.join('\n')).toBe(true);
    expect(errors).toContainEqual(expect.stringMatching(/^B2: payment_id "nope"/));
    expect(errors).toContainEqual(expect.stringMatching(/^row 2: amount is empty/));
  });
});

describe('the XML as other writers write it', () => {
  test('cells and rows without references, namespaced tags, t="d", escapes, phonetic guides, shared strings before or after the sheet', async () => {
    for (const sharedFirst of [false, true]) {
      const path = book(
        '<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c><c t="s"><v>3</v></c><c t="s"><v>4</v></c></row>' +
          `<row><c t="s"><v>5</v></c>${inl('B2', IDS.DB_EUR)}<c><v>7.5</v></c><c t="s"><v>6</v></c><c t="d"><v>2026-11-24T00:00:00Z</v></c></row>`,
        {
          sharedFirst,
          sharedStrings:
            '<si><t>operation</t></si><si><t>payment_id</t></si><si><t>amount</t></si><si><t>currency</t></si><si><t>Notiz_x000D_</t></si>' +
            '<si><r><t>ref</t></r><r><rPr><b/></rPr><t>und</t></r></si><si><t>EUR</t><rPh sb="0" eb="1"><t>ユーロ</t></rPh></si>',
        },
      );
      const { src, records } = await all(path);
      expect(src.header).toEqual(['operation', 'payment_id', 'amount', 'currency', 'Notiz\r']);
      expect(records).toEqual([{ line: 2, cells: ['refund', IDS.DB_EUR, '7.5', 'EUR', '2026-11-24'] }]);
    }
  });

  test('a character split between two chunks of a large sheet stays whole (exceljs decodes each chunk alone)', async () => {
    const path = join(tempDir(), 'umlauts.xlsx');
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
    const ws = wb.addWorksheet('S');
    ws.addRow(['operation', 'payment_id', 'amount', 'currency', 'Kunde']).commit();
    const names: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const n = `Müller ${'ä€'.repeat(i % 7)} ${i}`;
      names.push(n);
      ws.addRow(['refund', IDS.DB_EUR, 1, 'EUR', n]).commit();
    }
    await ws.commit();
    await wb.commit();
    const { records } = await all(path);
    expect(records.map((r) => r.cells[4])).toEqual(names);
  });

  test('a sheet cut short, bad XML, a damaged ZIP: a UsageError, never another error', async () => {
    const good = readFileSync(fixture('libreoffice.xlsx'));
    const cut = tempFile(good.subarray(0, good.length - 200), 'cut.xlsx');
    const cutErr = await rejection(openInput(cut));
    expect(cutErr).toBeInstanceOf(UsageError);
    expect(cutErr.message).toMatch(/is not a readable Excel workbook/);
    const badXml = book('<row r="1"><c r="A1" t="inlineStr"><is><t>operation</t></is></c></row><row r="2"><c r="A2"');
    expect(await rejection(openInput(badXml))).toBeInstanceOf(UsageError);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 3)]! ^= 0xff;
    expect(await rejection(openInput(tempFile(flipped, 'flip.xlsx')))).toBeInstanceOf(UsageError);
  });

  test('an Excel binary workbook (.xlsb) says what to save instead', async () => {
    const xlsb = tempFile(writeZip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'xl/workbook.bin', data: Buffer.alloc(10) }]), 'book.xlsb');
    const err = await rejection(openInput(xlsb));
    expect(err.message).toMatch(/is an Excel binary workbook \(\.xlsb\), which payops does not read\. Save it as an Excel workbook/);
  });

  test('an Apple Numbers file says what to save instead', async () => {
    const numbers = tempFile(writeZip([{ name: 'Index/Document.iwa', data: Buffer.alloc(10) }, { name: 'Metadata/DocumentIdentifier', data: 'x' }]), 'book.numbers');
    const err = await rejection(openInput(numbers));
    expect(err.message).toMatch(/is an Apple Numbers spreadsheet \(\.numbers\), not a CSV file or an Excel workbook \(\.xlsx\)\. Save it as an Excel workbook/);
  });

  test('a workbook on stdin is refused: it needs its ZIP directory at the end', async () => {
    const err = await rejection(openInput('-', { stdin: streamOf(readFileSync(fixture('several-sheets.xlsx'))) }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^stdin is an Excel workbook: payops reads a workbook from a file, not a pipe/);
  });
});

describe('caps: unzipped size, columns, rows', () => {
  test('the unzipped size is capped, and a part may not unzip to more than it declares', async () => {
    const path = fixture('libreoffice.xlsx');
    const err = await rejection(checkZip(path, 'book.xlsx', { maxUnzippedBytes: 10_000 }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/unzips to more than/);
    await expect(checkZip(path, 'book.xlsx')).resolves.toMatchObject({ unzippedBytes: expect.any(Number) });
    const lying = await rejection(openInput(fixture('bomb-lying.xlsx')));
    expect(lying.message).toMatch(/unzips to \d+ bytes, not the 100 its directory says/);
  });

  test('columns are capped', async () => {
    const err = await rejection(openWorkbookInput(fixture('libreoffice.xlsx'), 1, { limits: { maxColumns: 5 } }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/cell F1 is in column 6; payops reads at most 5 columns/);
  });

  test("a row beyond Excel's last row is refused", async () => {
    const err = await rejection(openInput(book(HEADER + row(1048577, inl('A1048577', 'refund')))));
    expect(err.message).toMatch(/row 1048577, beyond Excel's last row 1048576/);
  });
});
