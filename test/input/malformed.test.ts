/**
 * Malformed CSV: recover where the intent is clear; where it is not (a quote
 * that is never closed), a UsageError naming the line — never a stack trace —
 * and, for a regular file, before a single record is handed out.
 */
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { MAX_RECORD_BYTES } from '../../src/input/csv-records.js';
import type { InputRecord } from '../../src/rows/types.js';
import { load, openBytes, rejection } from './helpers.js';

const H = 'operation,payment_id,note\n';

describe('a quote that is never closed', () => {
  test('at the end of a file: UsageError at open, naming the line where that row starts', async () => {
    const text = `${H}refund,a,x\nrefund,b,y\n\nrefund,c,"oops\nmore text\n`;
    const err = await rejection(openBytes(text));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/line 5: a quoted cell in the row starting on this line is never closed/);
    expect(err.message).toMatch(/must be doubled \(""\)/);
  });

  test('after a multi-line cell and CRLF line breaks, the line is still right', async () => {
    const text = `operation;payment_id;note\r\nrefund;a;"two\r\nlines"\r\n\r\nrefund;b;"never closed\r\n`;
    const err = await rejection(openBytes(text));
    expect(err.message).toMatch(/line 5:/);
  });

  test('from stdin: the rows before come out, then the UsageError', async () => {
    const rows = `refund,ok,x\n`.repeat(20_000);
    const text = `${H}${rows}refund,c,"oops\n`;
    const src = await openBytes(text, 'stdin');
    const got: InputRecord[] = [];
    const err = await rejection(
      (async () => {
        for await (const r of src.records) got.push(r);
      })(),
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/line 20002:/);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThanOrEqual(20_000);
  });

  test('a runaway quote that would swallow more than 1 MiB stops at that size', async () => {
    const rows = `refund,ok,x\n`.repeat(Math.ceil((MAX_RECORD_BYTES * 1.2) / 12));
    const err = await rejection(openBytes(`${H}refund,c,"oops\n${rows}`));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/line 2: the row starting on this line is longer than 1 MiB/);
  });

  test('in the header', async () => {
    const err = await rejection(openBytes(`operation,"payment_id\n`));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/line 1:/);
  });
});

describe('recovered', () => {
  test('a quote inside an unquoted cell is kept as a character', async () => {
    const { cells } = await load(`${H}refund,a,5" disk\nrefund,b,ok\n`);
    expect(cells).toEqual([
      ['refund', 'a', '5" disk'],
      ['refund', 'b', 'ok'],
    ]);
  });

  test('text after a closing quote is kept, and the next row is unharmed', async () => {
    const { cells, lines } = await load(`${H}refund,a,"quoted"tail\nrefund,b,ok\n`);
    expect(cells[1]).toEqual(['refund', 'b', 'ok']);
    expect(cells[0]![2]).toContain('quoted');
    expect(cells[0]![2]).toContain('tail');
    expect(lines).toEqual([2, 3]);
  });

  test('rows with more or fewer cells than the header', async () => {
    const { cells } = await load(`${H}refund\nrefund,a,b,c,d\n`);
    expect(cells).toEqual([
      ['refund', '', ''],
      ['refund', 'a', 'b'],
    ]);
  });
});
