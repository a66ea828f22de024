import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { describeDialect, parseDelimiterOption, pickDelimiter, sniffDialect } from '../../src/input/dialect.js';
import { load, openBytes, rejection } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/input/${name}`, import.meta.url));
const ID = '8a82944a4cc25ebf014cc2c782423202';

describe('the Excel-DE case: UTF-8 BOM, semicolons, CRLF', () => {
  test('reads the fixture', async () => {
    const { src, records } = await load(fixture('excel-de.csv'));
    expect(src.dialect).toEqual({ delimiter: ';', lineEnding: '\r\n', bom: true, encoding: 'utf-8', sepLine: false });
    expect(describeDialect(src.dialect)).toBe('input: semicolon-separated, CRLF, UTF-8 with BOM');
    expect(src.header).toEqual(['Operation', 'Payment ID', 'Amount', 'Currency', 'Ticket', 'Notiz']);
    expect(src.headerLine).toBe(1);
    expect(records).toEqual([
      { line: 2, cells: ['refund', ID, '12,50', 'EUR', 'T-1', 'Kunde sagt; doppelt'] },
      { line: 3, cells: ['capture', '8a82944a4cc25ebf014cc2c782423203', '1.234,00', 'EUR', 'T-2', 'zwei\r\nZeilen'] },
      // line 5 is ";;;;;;;;": a blank row
      { line: 6, cells: ['reversal', '8a82944a4cc25ebf014cc2c782423204', '', '', 'T-3', 'Größe ä ö ü €'] },
    ]);
    expect(src.notices).toEqual([]);
    expect(src.recordCount).toBe(3);
  });

  test('quoted cells holding ";" do not confuse detection', async () => {
    const { src, cells } = await load(`\uFEFF"operation";"payment_id";"note"\r\n"refund";"${ID}";"a;b;c;d;e"\r\n`);
    expect(src.dialect.delimiter).toBe(';');
    expect(cells).toEqual([['refund', ID, 'a;b;c;d;e']]);
  });
});

describe('sep= line', () => {
  test('is honoured, is not the header, and counts as line 1', async () => {
    const { src, records } = await load(fixture('sep-line.csv'));
    expect(src.dialect).toEqual({ delimiter: ';', lineEnding: '\r\n', bom: false, encoding: 'utf-8', sepLine: true });
    expect(describeDialect(src.dialect)).toBe('input: semicolon-separated, CRLF, UTF-8, "sep=" line');
    expect(src.header).toEqual(['operation', 'payment_id', 'amount', 'currency']);
    expect(src.headerLine).toBe(2);
    expect(records).toEqual([{ line: 3, cells: ['refund', ID, '1,00', 'EUR'] }]);
  });

  test('decides against what the header suggests', async () => {
    // The header has more commas than semicolons, but the sep line says ";".
    const { src, cells } = await load(`sep=;\noperation;payment_id;note (a, b, c, d)\nrefund;${ID};x, y\n`);
    expect(src.dialect.delimiter).toBe(';');
    expect(cells).toEqual([['refund', ID, 'x, y']]);
  });

  test('after a BOM, with a tab, quoted, or followed by delimiters', () => {
    expect(sniffDialect('sep=\t\r\na\tb\r\n')).toMatchObject({ delimiter: '\t', sepLine: true, sepLineLength: 7 });
    expect(sniffDialect('sep=\\t\na\tb\n')).toMatchObject({ delimiter: '\t', sepLine: true, sepLineLength: 7 });
    expect(sniffDialect('"sep=,"\na,b\n')).toMatchObject({ delimiter: ',', sepLine: true, sepLineLength: 8 });
    expect(sniffDialect('sep=;;;;\na;b\n')).toMatchObject({ delimiter: ';', sepLine: true });
    expect(sniffDialect('SEP=|\na|b\n')).toMatchObject({ delimiter: '|', sepLine: true });
    expect(sniffDialect('separator;x\na;b\n')).toMatchObject({ sepLine: false, sepLineLength: 0 });
    // A second BOM (one added to a file that had one) before the sep line.
    expect(sniffDialect('\uFEFFsep=;\r\na;b\r\n')).toMatchObject({ delimiter: ';', sepLine: true, sepLineLength: 8 });
  });

  test('--delimiter wins over it, and the line is still not the header', async () => {
    const { src, records } = await load(`sep=,\r\noperation;payment_id\r\nrefund;${ID}\r\n`, 'file', { delimiter: ';' });
    expect(src.dialect).toMatchObject({ delimiter: ';', sepLine: true });
    expect(records).toEqual([{ line: 3, cells: ['refund', ID] }]);
  });

  test('an unsupported delimiter in it is a UsageError', async () => {
    const err = await rejection(openBytes('sep=:\noperation:payment_id\n'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/names ":" as the delimiter/);
  });

  test('after a doubled UTF-8 byte order mark', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(`sep=;\r\noperation;payment_id\r\nrefund;${ID}\r\n`)]);
    const { src, records } = await load(bytes);
    expect(src.dialect).toMatchObject({ delimiter: ';', sepLine: true, bom: true });
    expect(src.header).toEqual(['operation', 'payment_id']);
    expect(records).toEqual([{ line: 3, cells: ['refund', ID] }]);
  });

  test('a sep line alone has no header: refused like an empty file (issue 13)', async () => {
    await expect(load('sep=;\r\n')).rejects.toThrow(/there is no header row/);
  });
});

describe('delimiter detection', () => {
  test('the most frequent candidate outside quotes wins', () => {
    expect(pickDelimiter('a,b,c')).toBe(',');
    expect(pickDelimiter('a;b;c')).toBe(';');
    expect(pickDelimiter('a\tb\tc')).toBe('\t');
    expect(pickDelimiter('a;b;c,d')).toBe(';');
    expect(pickDelimiter('"a;b;c";d,e,"f;g"')).toBe(',');
    expect(pickDelimiter('single')).toBeUndefined();
  });

  test('a tie is broken by the following lines, then tab > ; > ,', () => {
    expect(pickDelimiter('amount, EUR;note', ['1,5;x', '2,5;y'])).toBe(';');
    expect(pickDelimiter('a;b,c', ['1,2', '4,5'])).toBe(',');
    expect(pickDelimiter('a;b,c', ['1;2,3', '4;5,6'])).toBe(';');
    expect(pickDelimiter('a;b,c')).toBe(';');
    expect(pickDelimiter('a\tb;c,d')).toBe('\t');
  });

  test('the header is the first line that is not blank', () => {
    expect(sniffDialect('\r\n   \r\noperation;payment_id\r\n')).toMatchObject({ delimiter: ';', lineEnding: '\r\n' });
  });

  test('one column or an empty input reads as comma', () => {
    expect(sniffDialect('operation\n')).toMatchObject({ delimiter: ',', delimiterFrom: 'default' });
    expect(sniffDialect('')).toMatchObject({ delimiter: ',', lineEnding: '\n', sepLine: false, delimiterFrom: 'default' });
  });

  test('--delimiter overrides detection', async () => {
    const { src, cells } = await load(`operation|payment_id|note\nrefund|${ID}|a,b;c\n`, 'file', { delimiter: 'pipe' });
    expect(src.dialect.delimiter).toBe('|');
    expect(cells).toEqual([['refund', ID, 'a,b;c']]);
    expect(describeDialect(src.dialect)).toBe('input: pipe-separated, LF, UTF-8');
  });

  test('--delimiter values', () => {
    expect(parseDelimiterOption(',')).toBe(',');
    expect(parseDelimiterOption('comma')).toBe(',');
    expect(parseDelimiterOption(';')).toBe(';');
    expect(parseDelimiterOption('Semicolon')).toBe(';');
    expect(parseDelimiterOption('tab')).toBe('\t');
    expect(parseDelimiterOption('TAB')).toBe('\t');
    expect(parseDelimiterOption('\\t')).toBe('\t');
    expect(parseDelimiterOption('\t')).toBe('\t');
    expect(parseDelimiterOption('|')).toBe('|');
    expect(() => parseDelimiterOption(':')).toThrow(UsageError);
    expect(() => parseDelimiterOption('')).toThrow(UsageError);
  });

  test('a bad --delimiter is refused before the input is touched', async () => {
    const err = await rejection(openBytes('whatever', 'file', { delimiter: 'space' }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/--delimiter "space"/);
  });
});

describe('line endings', () => {
  test('from the first line break', () => {
    expect(sniffDialect('a,b\r\nc,d\n').lineEnding).toBe('\r\n');
    expect(sniffDialect('a,b\nc,d\r\n').lineEnding).toBe('\n');
    expect(sniffDialect('a,b').lineEnding).toBe('\n');
    expect(sniffDialect('a,b\r', { complete: false })).toMatchObject({ lineEnding: '\r\n', crLineBreaks: false });
    expect(sniffDialect('a,b\rc,d\r')).toMatchObject({ lineEnding: '\r\n', crLineBreaks: true });
  });

  test('LF', async () => {
    const { src } = await load(`operation,payment_id\nrefund,${ID}\n`);
    expect(describeDialect(src.dialect)).toBe('input: comma-separated, LF, UTF-8');
  });

  test('a CRLF file with some LF lines (appended by another tool) reads every line', async () => {
    const { records } = await load(`operation,payment_id\r\nrefund,${ID}\nrefund,b\r\n`);
    expect(records).toEqual([
      { line: 2, cells: ['refund', ID] },
      { line: 3, cells: ['refund', 'b'] },
    ]);
  });

  test('old Mac line breaks (lone CR)', async () => {
    const { src, records } = await load(`operation,payment_id\rrefund,${ID}\r"multi\rline",x\rrefund,c\r`);
    expect(src.dialect.lineEnding).toBe('\r\n');
    expect(src.notices.join()).toMatch(/lone CR/);
    expect(records).toEqual([
      { line: 2, cells: ['refund', ID] },
      { line: 3, cells: ['multi\rline', 'x'] },
      { line: 5, cells: ['refund', 'c'] },
    ]);
  });
});

describe('describeDialect', () => {
  test('names each part', () => {
    expect(describeDialect({ delimiter: '\t', lineEnding: '\r\n', bom: true, encoding: 'utf-16le', sepLine: false })).toBe(
      'input: tab-separated, CRLF, UTF-16LE with BOM',
    );
    expect(describeDialect({ delimiter: ';', lineEnding: '\r\n', bom: false, encoding: 'windows-1252', sepLine: true })).toBe(
      'input: semicolon-separated, CRLF, Windows-1252, "sep=" line',
    );
  });
});
