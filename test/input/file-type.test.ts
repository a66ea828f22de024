import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { openInput } from '../../src/input/open-input.js';
import { load, rejection, streamOf, tempFile } from './helpers.js';

const fixture = (name: string) => new URL(`../../fixtures/input/${name}`, import.meta.url).pathname;
const SAVE_AS = 'File > Save As > CSV UTF-8 (Comma delimited) (*.csv)';

async function refusal(bytes: Uint8Array | string, name = 'input.bin'): Promise<UsageError> {
  const err = await rejection(openInput(tempFile(bytes, name)));
  expect(err).toBeInstanceOf(UsageError);
  return err as UsageError;
}

describe('inputs that are not CSV text are refused with one message saying what to export', () => {
  test('an Excel workbook (.xlsx) is read as a workbook (issue 15): this one lacks its sheet', async () => {
    const err = await rejection(openInput(fixture('workbook.xlsx')));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/workbook\.xlsx is not a readable Excel workbook \(the part of sheet "Sheet1" is missing\)/);
  });

  test('the same workbook on stdin', async () => {
    const err = await rejection(openInput('-', { stdin: streamOf(readFileSync(fixture('workbook.xlsx'))) }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^stdin is an Excel workbook/);
  });

  test('an old .xls', async () => {
    const err = await rejection(openInput(fixture('old.xls')));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/old-format Excel workbook \(\.xls\)/);
    expect(err.message).toContain('File > Save As > Excel Workbook (*.xlsx)');
  });

  test('a PDF', async () => {
    const err = await rejection(openInput(fixture('statement.pdf')));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/statement\.pdf is a PDF document, not a CSV file/);
    expect(err.message).toContain(SAVE_AS);
  });

  test('an OpenDocument spreadsheet', async () => {
    const bytes = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), Buffer.from('mimetypeapplication/vnd.oasis.opendocument.spreadsheet')]);
    expect((await refusal(bytes, 'sheet.ods')).message).toMatch(/OpenDocument spreadsheet/);
  });

  test('a plain ZIP archive', async () => {
    const bytes = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), Buffer.from('refunds.csv')]);
    expect((await refusal(bytes, 'refunds.zip')).message).toMatch(/ZIP archive.*Unpack it/);
  });

  test('gzip', async () => {
    expect((await refusal(Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]))).message).toMatch(/gzip/);
  });

  test('binary with NUL bytes', async () => {
    const bytes = Buffer.from('operation,payment_id\n\u0000\u0000\u0001refund\n', 'latin1');
    const err = await refusal(bytes);
    expect(err.message).toMatch(/binary file \(it contains NUL bytes\)/);
    expect(err.message).toContain(SAVE_AS);
  });

  test('random bytes', async () => {
    const bytes = Buffer.alloc(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    expect((await refusal(bytes)).message).toMatch(/binary file/);
  });

  test('control characters without NUL', async () => {
    const bytes = Buffer.from(Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)));
    expect((await refusal(bytes)).message).toMatch(/binary file \(it contains control characters\)/);
  });

  test('an HTML page saved as .xls', async () => {
    expect((await refusal('\n<html><body><table><tr><td>operation</td></tr></table></body></html>\n', 'export.xls')).message).toMatch(
      /web page \(HTML/,
    );
  });

  test('an Excel 2003 XML spreadsheet', async () => {
    const xml = '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>';
    expect((await refusal(xml, 'export.xml')).message).toMatch(/Excel 2003 XML spreadsheet/);
  });

  test('UTF-16 with a BOM holding NUL characters is binary too', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\u0000b\tc\r\n', 'utf16le')]);
    expect((await refusal(bytes)).message).toMatch(/NUL characters/);
  });

  test('UTF-32 is named', async () => {
    expect((await refusal(Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]))).message).toMatch(/UTF-32/);
  });
});

describe('text that merely looks odd is read', () => {
  test('tabs, form feeds and a DOS end-of-file marker are text', async () => {
    const { src, cells } = await load('operation\tpayment_id\tnote\r\nrefund\tabc\tpage\fbreak\r\n\u001a');
    expect(src.header).toEqual(['operation', 'payment_id', 'note']);
    expect(cells).toEqual([['refund', 'abc', 'page\fbreak']]);
  });
});
