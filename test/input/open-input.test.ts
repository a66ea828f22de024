import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { readError } from '../../src/input/byte-source.js';
import { openInput } from '../../src/input/open-input.js';
import { load, openBytes, readAll, rejection, tempDir, tempFile } from './helpers.js';

const ID = '8a82944a4cc25ebf014cc2c782423202';
const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('cells', () => {
  test('padded with "" to the header length; extra empty cells dropped', async () => {
    const { cells } = await load(`operation,payment_id,amount,note\nrefund,${ID}\nrefund,${ID},1.00,n,,,\n`);
    expect(cells).toEqual([
      ['refund', ID, '', ''],
      ['refund', ID, '1.00', 'n'],
    ]);
  });

  test("Excel's trailing empty columns (;;;) are dropped silently", async () => {
    const { src, cells } = await load(`operation;payment_id;;;\r\nrefund;${ID};;;\r\n;;;;\r\n`);
    expect(src.header).toEqual(['operation', 'payment_id']);
    expect(cells).toEqual([['refund', ID]]);
    expect(src.notices).toEqual([]);
  });

  test('a value in a column without a header: dropped, with one notice naming the first line', async () => {
    const { src, cells } = await load(`operation,,payment_id\nrefund,,a\nrefund,lost,b\nrefund,also lost,c\nrefund,a,b,extra\n`);
    expect(src.header).toEqual(['operation', 'payment_id']);
    expect(cells).toEqual([
      ['refund', 'a'],
      ['refund', 'b'],
      ['refund', 'c'],
      ['refund', 'b'],
    ]);
    expect(src.notices).toHaveLength(1);
    expect(src.notices[0]).toMatch(/^column 2 has no header but has a value on line 3; .*not carried/);
  });

  test('a value beyond the header: the same notice', async () => {
    const { src, cells } = await load(`operation,payment_id\nrefund,a\nrefund,b,extra\n`);
    expect(cells).toEqual([
      ['refund', 'a'],
      ['refund', 'b'],
    ]);
    expect(src.notices).toEqual([expect.stringMatching(/^column 3 has no header but has a value on line 3/)]);
  });

  test('the notice is complete when a regular file is opened, and is not repeated while reading', async () => {
    const src = await openBytes(`operation,payment_id\nrefund,a\nrefund,b,extra\n`);
    expect(src.notices).toHaveLength(1);
    await readAll(src);
    expect(src.notices).toHaveLength(1);
  });

  test('cells are raw: spaces, quotes and leading apostrophes untouched', async () => {
    const { cells } = await load(`operation,payment_id,note\n refund ," ${ID} ","'=1+2"\n`);
    expect(cells).toEqual([[' refund ', ` ${ID} `, "'=1+2"]]);
  });

  test('a quote inside an unquoted cell is a character', async () => {
    const { cells } = await load(`operation,payment_id,note\nrefund,${ID},12"5 screen\nrefund,b,ok\n`);
    expect(cells).toEqual([
      ['refund', ID, '12"5 screen'],
      ['refund', 'b', 'ok'],
    ]);
  });

  test('RFC 4180 quoting: delimiters, doubled quotes, line breaks', async () => {
    const { cells } = await load(`operation,payment_id,note\r\n"refund","a,b","say ""hi"", then\r\nleave"\r\n`);
    expect(cells).toEqual([['refund', 'a,b', 'say "hi", then\r\nleave']]);
  });
});

describe('empty inputs', () => {
  test('an empty file has no header: a UsageError (exit 2), not a green run of 0 rows', async () => {
    await expect(load('')).rejects.toThrow(/is empty \(0 bytes\): there is no header row/);
  });

  test('only blank lines, or only a BOM: a UsageError saying which', async () => {
    await expect(load('\r\n\r\n  \r\n')).rejects.toThrow(/holds only blank lines/);
    await expect(load('\uFEFF')).rejects.toThrow(/holds only a byte order mark/);
  });

  test('header only, with or without a final line break', async () => {
    for (const text of ['operation;payment_id\r\n', 'operation;payment_id']) {
      const { src, records } = await load(text);
      expect(src.header).toEqual(['operation', 'payment_id']);
      expect(src.headerLine).toBe(1);
      expect(records).toEqual([]);
    }
  });

  test('empty stdin is refused too', async () => {
    await expect(load('', 'stdin')).rejects.toThrow(/^stdin is empty \(0 bytes\)/);
  });
});

describe('unreadable inputs', () => {
  test('a missing file', async () => {
    const path = join(tempDir(), 'nope.csv');
    const err = await rejection(openInput(path));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`input file not found: ${path}`);
  });

  test('a directory', async () => {
    const dir = tempDir();
    const err = await rejection(openInput(dir));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`${dir} is a directory, not a CSV file`);
  });

  test('a path through a file', async () => {
    const path = join(tempFile('x'), 'more.csv');
    const err = await rejection(openInput(path));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^input file not found: .*more\.csv \(a part of the path is not a directory\)$/);
  });

  test('read errors become UsageErrors naming the path', () => {
    const errno = (code: string) => Object.assign(new Error(`${code}: boom`), { code });
    expect(readError('a.csv', errno('EACCES')).message).toBe('cannot read a.csv: permission denied');
    expect(readError('a.csv', errno('EISDIR')).message).toBe('a.csv is a directory, not a CSV file');
    expect(readError('a.csv', errno('EIO'))).toBeInstanceOf(UsageError);
    expect(readError('a.csv', errno('EIO')).message).toBe('cannot read a.csv: EIO: boom');
  });

  test.skipIf(process.getuid?.() === 0)('a file without read permission', async () => {
    const path = tempFile('operation,payment_id\n');
    chmodSync(path, 0o000);
    const err = await rejection(openInput(path));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`cannot read ${path}: permission denied`);
  });
});

describe('the source', () => {
  test('name, sizes, record count, SHA-256 of the original bytes (a file)', async () => {
    const bytes = Buffer.from(`\uFEFFsep=;\r\noperation;payment_id\r\nrefund;${ID}\r\n\r\nrefund;b\r\n`);
    const path = tempFile(bytes);
    const src = await openInput(path);
    expect(src.name).toBe(path);
    expect(src.totalBytes).toBe(bytes.length);
    expect(src.recordCount).toBe(2);
    expect(src.sha256()).toBe(sha(bytes)); // known up front for a file
    expect(src.bytesRead()).toBeLessThanOrEqual(bytes.length);
    await readAll(src);
    expect(src.bytesRead()).toBe(bytes.length);
    expect(src.sha256()).toBe(sha(bytes));
  });

  test('SHA-256 of stdin: after the records are exhausted', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`operation\tpayment_id\r\nrefund\t${ID}\r\n`, 'utf16le')]);
    const src = await openBytes(bytes, 'stdin');
    expect(src.totalBytes).toBeUndefined();
    expect(src.recordCount).toBeUndefined();
    await readAll(src);
    expect(src.sha256()).toBe(sha(bytes));
    expect(src.bytesRead()).toBe(bytes.length);
  });

  test('SHA-256 of stdin asked too early is an error, not a wrong answer', async () => {
    const bytes = Buffer.from(`operation,payment_id\n` + `refund,${ID}\n`.repeat(50_000));
    const src = await openBytes(bytes, 'stdin');
    expect(() => src.sha256()).toThrow(/only after its records were read/);
    expect((await readAll(src)).length).toBe(50_000);
    expect(src.sha256()).toBe(sha(bytes));
  });

  test('records can be iterated once', async () => {
    const src = await openBytes(`operation,payment_id\nrefund,a\n`);
    await readAll(src);
    await expect(readAll(src)).rejects.toThrow(/only once/);
  });

  test('stopping early and close() release the file', async () => {
    const src = await openBytes(`operation,payment_id\nrefund,a\nrefund,b\n`);
    for await (const r of src.records) {
      expect(r.cells).toEqual(['refund', 'a']);
      break;
    }
    src.close();
    src.close();
    const other = await openBytes(`operation,payment_id\nrefund,a\n`);
    other.close(); // never iterated
  });

  test('prescan: false reads a regular file once', async () => {
    const bytes = Buffer.from(`operation,payment_id\nrefund,a\n`);
    const src = await openInput(tempFile(bytes), { prescan: false });
    expect(src.recordCount).toBeUndefined();
    expect(await readAll(src)).toEqual([{ line: 2, cells: ['refund', 'a'] }]);
    expect(src.sha256()).toBe(sha(bytes));
  });

  test.skipIf(process.platform === 'win32')('a FIFO reads like stdin', async () => {
    const path = join(tempDir(), 'fifo.csv');
    execFileSync('mkfifo', [path]);
    const opening = openInput(path);
    createWriteStream(path).end(`operation,payment_id\nrefund,a\n`);
    const src = await opening;
    expect(src.name).toBe(path);
    expect(src.totalBytes).toBeUndefined();
    expect(await readAll(src)).toEqual([{ line: 2, cells: ['refund', 'a'] }]);
  });
});

describe('issue 13: an input that changes while it is read', () => {
  test('changed between the read-through and the records: refused at the changed block, exit 2', async () => {
    const rows = ['operation,payment_id,amount,currency'];
    for (let i = 0; i < 5000; i++) rows.push(`refund,${'b'.repeat(32)},1.00,EUR`);
    const path = tempFile(rows.join('\n') + '\n');
    const src = await openInput(path);
    expect(src.recordCount).toBe(5000);
    // Another program rewrites the end of the file after payops read it through.
    const { appendFileSync } = await import('node:fs');
    appendFileSync(path, `refund,${'c'.repeat(32)},9.99,EUR\n`);
    const err = await rejection(readAll(src));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/changed while payops read it \(is it still being written\?\)/);
  });

  test('a NUL character far from the start is refused naming its line', async () => {
    const rows = ['operation,payment_id'];
    for (let i = 0; i < 3000; i++) rows.push(`refund,${'b'.repeat(32)}`);
    rows.push('refund,x\u0000y');
    await expect(openInput(tempFile(rows.join('\n') + '\n'))).rejects.toThrow(/line 3002: holds a NUL character/);
  });

  test('a row with fewer cells than the header says how many', async () => {
    const { records } = await load('operation,payment_id,amount,currency,a,b\nrefund,x\n');
    expect(records[0]!.short).toEqual({ cells: 2, header: 6 });
  });
});
