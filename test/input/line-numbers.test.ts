/**
 * `line` is the physical line where a record starts in the original file:
 * counting a sep= line, the header, blank lines, and every line break inside
 * quoted cells (a CRLF is one line break).
 */
import { describe, expect, test } from 'vitest';
import { openInput } from '../../src/input/open-input.js';
import { load, readAll, streamOf } from './helpers.js';

const H = 'operation,payment_id,note';

async function linesOf(text: string): Promise<number[]> {
  const fromFile = (await load(text)).lines;
  // The same bytes from stdin, one byte per chunk: a CRLF or a quote split between chunks must not matter.
  const src = await openInput('-', { stdin: streamOf(Buffer.from(text), 1) });
  const fromStdin = (await readAll(src)).map((r) => r.line);
  expect(fromStdin).toEqual(fromFile);
  return fromFile;
}

describe('multi-line quoted cells', () => {
  test('LF file, LF inside a quoted cell', async () => {
    expect(await linesOf(`${H}\nrefund,a,"one\ntwo\nthree"\nrefund,b,x\nrefund,c,y\n`)).toEqual([2, 5, 6]);
  });

  test('CRLF file, CRLF inside quoted cells counts once per line break', async () => {
    expect(await linesOf(`${H}\r\nrefund,a,"one\r\ntwo"\r\nrefund,b,"x\r\ny\r\nz"\r\nrefund,c,y\r\n`)).toEqual([2, 4, 7]);
  });

  test('CRLF file, LF inside a quoted cell (Excel writes Alt+Enter as LF)', async () => {
    const { records } = await load(`${H}\r\nrefund,a,"one\ntwo"\r\nrefund,b,x\r\n`);
    expect(records).toEqual([
      { line: 2, cells: ['refund', 'a', 'one\ntwo'] },
      { line: 4, cells: ['refund', 'b', 'x'] },
    ]);
  });

  test('a lone CR inside a quoted cell of a CRLF file is not a line break', async () => {
    const { records } = await load(`${H}\r\nrefund,a,"one\rtwo"\r\nrefund,b,x\r\n`);
    expect(records).toEqual([
      { line: 2, cells: ['refund', 'a', 'one\rtwo'] },
      { line: 3, cells: ['refund', 'b', 'x'] },
    ]);
  });

  test('several multi-line cells in one row, and quotes doubled inside them', async () => {
    const text = `${H},more\nrefund,"a\n""b""","c\n\nd","e\nf"\nrefund,b,x,y\n`;
    const { records } = await load(text);
    expect(records).toEqual([
      { line: 2, cells: ['refund', 'a\n"b"', 'c\n\nd', 'e\nf'] },
      { line: 7, cells: ['refund', 'b', 'x', 'y'] },
    ]);
    expect(await linesOf(text)).toEqual([2, 7]);
  });

  test('a multi-line header', async () => {
    expect(await linesOf(`operation,payment_id,"note\n(free text)"\nrefund,a,x\n`)).toEqual([3]);
    expect((await load(`operation,payment_id,"note\n(free text)"\nrefund,a,x\n`)).src.headerLine).toBe(1);
  });

  test('a quoted cell ending exactly at the end of the file (no final line break)', async () => {
    expect(await linesOf(`${H}\nrefund,a,"x\ny"`)).toEqual([2]);
  });
});

describe('blank lines', () => {
  test('in the middle, at the end, several in a row', async () => {
    expect(await linesOf(`${H}\n\nrefund,a,x\n\n\nrefund,b,y\n\n\n`)).toEqual([3, 6]);
  });

  test('whitespace-only lines and rows of empty cells are skipped but counted', async () => {
    expect(await linesOf(`${H}\n   \nrefund,a,x\n\t\n,,\n , ,\n"",""\nrefund,b,y\n`)).toEqual([3, 8]);
  });

  test('before the header', async () => {
    const { src, lines } = await load(`\n\n,,\n${H}\nrefund,a,x\n`);
    expect(src.headerLine).toBe(4);
    expect(lines).toEqual([5]);
  });

  test('CRLF blank lines', async () => {
    expect(await linesOf(`${H}\r\n\r\nrefund,a,x\r\n\r\n\r\nrefund,b,y\r\n`)).toEqual([3, 6]);
  });

  test('after a sep= line', async () => {
    const { src, lines } = await load(`sep=,\r\n\r\n${H}\r\n\r\nrefund,a,x\r\n`);
    expect(src.headerLine).toBe(3);
    expect(lines).toEqual([5]);
    expect(await linesOf(`sep=,\r\n\r\n${H}\r\n\r\nrefund,a,x\r\n`)).toEqual([5]);
  });

  test('a blank line inside a quoted cell is part of the cell', async () => {
    const { records } = await load(`${H}\nrefund,a,"x\n\ny"\nrefund,b,z\n`);
    expect(records).toEqual([
      { line: 2, cells: ['refund', 'a', 'x\n\ny'] },
      { line: 5, cells: ['refund', 'b', 'z'] },
    ]);
  });
});

describe('with a BOM and UTF-16', () => {
  test('UTF-8 BOM + sep line + multi-line cell', async () => {
    expect(await linesOf(`\uFEFFsep=;\r\noperation;payment_id;note\r\nrefund;a;"x\r\ny"\r\nrefund;b;z\r\n`)).toEqual([3, 5]);
  });

  test('UTF-16LE', async () => {
    const text = `operation\tpayment_id\tnote\r\nrefund\ta\t"x\r\ny"\r\n\r\nrefund\tb\tz\r\n`;
    const { lines } = await load(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect(lines).toEqual([2, 5]);
  });
});
