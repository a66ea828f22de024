/**
 * Properties of reading input:
 * - whatever the bytes, the only error is a UsageError (never a crash);
 * - a table written in any dialect reads back with identical cells and the
 *   right line numbers.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { openInput, type OpenInputOptions } from '../../src/input/open-input.js';
import type { InputRecord } from '../../src/rows/types.js';
import { streamOf, tempFile } from './helpers.js';

async function readBytes(bytes: Uint8Array, via: 'file' | 'stdin', chunk: number, opts: OpenInputOptions = {}) {
  const src =
    via === 'file' ? await openInput(tempFile(bytes), opts) : await openInput('-', { ...opts, stdin: streamOf(bytes, chunk) });
  const records: InputRecord[] = [];
  for await (const r of src.records) records.push(r);
  return { src, records };
}

describe('any bytes', () => {
  const token = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(',', ';', '\t', '|', '"', '""', '\r', '\n', '\r\n', ' ', 'a', 'refund', '12,50', '€', 'ä', '日本') },
    { weight: 2, arbitrary: fc.constantFrom('operation', 'payment_id', 'Payment ID', 'op', 'reference_id', 'registration_id', 'cvv', 'sep=', 'sep=;', '\uFEFF') },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => Buffer.from(b).toString('latin1')) },
  );
  const prefix = fc.constantFrom(
    '',
    'operation,payment_id\n',
    'operation;payment_id;note\r\n',
    'sep=;\r\noperation;payment_id\r\n',
    '\uFEFFoperation\tpayment_id\r\n',
    'PK\u0003\u0004',
    '%PDF-',
  );
  const input = fc.record({
    prefix,
    tokens: fc.array(token, { maxLength: 60 }),
    latin1: fc.boolean(),
    utf16: fc.boolean(),
    via: fc.constantFrom('file' as const, 'stdin' as const),
    chunk: fc.integer({ min: 1, max: 64 }),
    encoding: fc.option(fc.constantFrom('utf-8', 'windows-1252', 'utf-16le', 'utf-16be', 'latin1'), { nil: undefined }),
    delimiter: fc.option(fc.constantFrom(',', ';', 'tab', '|'), { nil: undefined }),
  });

  test('never throw anything but a UsageError', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (x) => {
        const text = x.prefix + x.tokens.join('');
        let bytes: Buffer;
        if (x.utf16) bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
        else bytes = Buffer.from(text, x.latin1 ? 'latin1' : 'utf8');
        try {
          const { records, src } = await readBytes(bytes, x.via, x.chunk, { encoding: x.encoding, delimiter: x.delimiter });
          // What comes out is well-formed.
          let last = src.headerLine;
          for (const r of records) {
            expect(r.line).toBeGreaterThan(last);
            expect(r.cells).toHaveLength(src.header.length);
            last = r.line;
          }
          expect(src.sha256()).toMatch(/^[0-9a-f]{64}$/);
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          expect(err.message.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 300) },
    );
  });
});

describe('a generated table, written in any dialect', () => {
  const cellText = fc
    .array(fc.constantFrom('a', 'B', '7', ' ', ',', ';', '\t', '"', '\n', '\r\n', '\r', 'ä', '€', '日', "'", '=', '.'), { maxLength: 8 })
    .map((parts) => parts.join(''));
  const nonBlank = fc.tuple(fc.constantFrom('refund', 'CP', 'x', '"q"', 'ä'), cellText).map(([a, b]) => a + b);

  const table = fc
    .integer({ min: 0, max: 4 })
    .chain((userColumns) =>
      fc.record({
        userColumns: fc.constant(userColumns),
        rows: fc.array(
          fc.tuple(nonBlank, fc.array(cellText, { minLength: userColumns + 1, maxLength: userColumns + 1 })).map(([op, rest]) => [op, ...rest]),
          { maxLength: 8 },
        ),
        blanksBefore: fc.array(fc.constantFrom(0, 0, 0, 1, 2), { minLength: 9, maxLength: 9 }),
        blankText: fc.constantFrom('', ' ', '  '),
        quoteAll: fc.boolean(),
        quoteSeed: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
      }),
    );
  const dialect = fc.record({
    delimiter: fc.constantFrom(',', ';', '\t'),
    lineEnding: fc.constantFrom('\r\n', '\n'),
    bom: fc.boolean(),
    utf16: fc.boolean(),
    sepLine: fc.boolean(),
    passDelimiter: fc.boolean(),
    finalLineBreak: fc.boolean(),
    via: fc.constantFrom('file' as const, 'stdin' as const),
    chunk: fc.integer({ min: 1, max: 300 }),
  });

  test('reads back identical cells and correct line numbers', async () => {
    await fc.assert(
      fc.asyncProperty(table, dialect, async (t, d) => {
        const header = ['operation', 'payment_id', ...Array.from({ length: t.userColumns }, (_, i) => `note ${i + 1}`)];
        let q = 0;
        const write = (cell: string) => {
          const must = cell.includes(d.delimiter) || /[\r\n]/.test(cell) || cell.startsWith('"');
          const quote = must || t.quoteAll || (t.quoteSeed[q++ % t.quoteSeed.length] ?? false);
          return quote ? `"${cell.replace(/"/g, '""')}"` : cell;
        };
        let text = '';
        let line = 1;
        if (d.sepLine) {
          text += `sep=${d.delimiter}${d.lineEnding}`;
          line++;
        }
        const headerLine = line;
        text += header.map(write).join(d.delimiter);
        line++;
        const expected: InputRecord[] = [];
        t.rows.forEach((cells, i) => {
          for (let b = 0; b < (t.blanksBefore[i] ?? 0); b++) {
            text += d.lineEnding + t.blankText;
            line++;
          }
          text += d.lineEnding + cells.map(write).join(d.delimiter);
          expected.push({ line, cells });
          line += 1 + cells.join('').split('\n').length - 1;
        });
        if (d.finalLineBreak) text += d.lineEnding;

        let bytes: Buffer;
        if (d.utf16) bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
        else bytes = Buffer.from((d.bom ? '\uFEFF' : '') + text, 'utf8');

        const { src, records } = await readBytes(bytes, d.via, d.chunk, d.passDelimiter ? { delimiter: d.delimiter } : {});
        expect(src.dialect).toEqual({
          delimiter: d.delimiter,
          lineEnding: /[\r\n]/.test(text) ? d.lineEnding : '\n',
          bom: d.utf16 || d.bom,
          encoding: d.utf16 ? 'utf-16le' : 'utf-8',
          sepLine: d.sepLine,
        });
        expect(src.header).toEqual(header);
        expect(src.headerLine).toBe(headerLine);
        expect(records).toEqual(expected);
        expect(src.notices).toEqual([]);
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 300) },
    );
  });
});
