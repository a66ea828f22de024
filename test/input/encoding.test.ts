import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  decoderFor,
  detectBom,
  encodingDisplayName,
  resolveEncodingLabel,
  WINDOWS_1252_NOTICE,
} from '../../src/input/encoding.js';
import { firstInvalidUtf8 } from '../../src/input/utf8.js';
import { decodeWindows1252 } from '../../src/input/windows-1252.js';
import { encodeWindows1252 } from '../../src/output/encoding.js';
import { load, openBytes, readAll, rejection } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/input/${name}`, import.meta.url));
const ID = '8a82944a4cc25ebf014cc2c782423202';

describe('UTF-8', () => {
  test('with a BOM: the BOM is not part of the first header, and is reported', async () => {
    const { src, cells } = await load(`\uFEFFoperation,payment_id\nrefund,${ID}\n`);
    expect(src.header).toEqual(['operation', 'payment_id']);
    expect(src.dialect.bom).toBe(true);
    expect(src.dialect.encoding).toBe('utf-8');
    expect(cells).toEqual([['refund', ID]]);
    expect(src.notices).toEqual([]);
  });

  test('without a BOM, non-ASCII text reads as is', async () => {
    const { src, cells } = await load(`operation,payment_id,note\nrefund,${ID},Größe € 日本\n`);
    expect(src.dialect).toMatchObject({ bom: false, encoding: 'utf-8' });
    expect(cells[0]![2]).toBe('Größe € 日本');
  });

  test('a multi-byte character split across read chunks (stdin) reads whole', async () => {
    const prefix = `operation,payment_id,note\nrefund,${ID},`;
    const body = prefix + 'x'.repeat(16 * 1024 - Buffer.byteLength(prefix) - 1) + '€€€\n';
    const { cells } = await load(body, 'stdin');
    expect(cells[0]![2]!.endsWith('€€€')).toBe(true);
  });

  test('a second BOM (a tool that prepended one again) does not hide the first header', async () => {
    const { src } = await load(`\uFEFF\uFEFFoperation,payment_id\n`);
    expect(src.header).toEqual(['operation', 'payment_id']);
  });
});

describe('UTF-16 (Excel "Unicode Text")', () => {
  test('UTF-16LE with BOM, tab-separated, from the fixture', async () => {
    const { src, cells, lines } = await load(fixture('unicode-text.txt'));
    expect(src.dialect).toEqual({ delimiter: '\t', lineEnding: '\r\n', bom: true, encoding: 'utf-16le', sepLine: false });
    expect(src.header).toEqual(['operation', 'payment_id', 'amount', 'currency', 'note']);
    expect(cells).toEqual([
      ['refund', ID, '10.00', 'EUR', 'über €'],
      ['capture', '8a82944a4cc25ebf014cc2c782423203', '5.00', 'GBP', 'tab\there'],
    ]);
    expect(lines).toEqual([2, 3]);
  });

  test('UTF-16BE with BOM', async () => {
    const text = `operation\tpayment_id\r\nrefund\t${ID}\r\n`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.alloc(le.length + 2);
    be[0] = 0xfe;
    be[1] = 0xff;
    for (let i = 0; i < le.length; i += 2) (be[i + 2] = le[i + 1]!), (be[i + 3] = le[i]!);
    const { src, cells } = await load(be);
    expect(src.dialect).toMatchObject({ encoding: 'utf-16be', bom: true, delimiter: '\t' });
    expect(cells).toEqual([['refund', ID]]);
  });

  test('UTF-16LE through stdin, in odd-sized chunks', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`operation\tpayment_id\r\nrefund\t${ID}\r\n`, 'utf16le')]);
    const { Readable } = await import('node:stream');
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) parts.push(bytes.subarray(i, i + 7));
    const { openInput } = await import('../../src/input/open-input.js');
    const src = await openInput('-', { stdin: Readable.from(parts) });
    expect((await readAll(src)).map((r) => r.cells)).toEqual([['refund', ID]]);
  });

  test('UTF-16LE without a BOM is recognised, with a notice', async () => {
    const { src, cells } = await load(Buffer.from(`operation,payment_id\nrefund,${ID}\n`, 'utf16le'));
    expect(src.dialect).toMatchObject({ encoding: 'utf-16le', bom: false });
    expect(cells).toEqual([['refund', ID]]);
    expect(src.notices.join('\n')).toMatch(/looks like UTF-16LE/);
  });
});

describe('Windows-1252 (Excel "CSV" on Windows)', () => {
  test('bytes that are not UTF-8 read as Windows-1252, with the notice', async () => {
    const { src, cells } = await load(fixture('windows-1252.csv'));
    expect(src.dialect).toEqual({ delimiter: ';', lineEnding: '\r\n', bom: false, encoding: 'windows-1252', sepLine: false });
    expect(src.notices).toEqual([WINDOWS_1252_NOTICE]);
    expect(cells.map((c) => c[4])).toEqual(['Rückgabe 12 €', 'Bär']);
  });

  test('0x80 is € and 0xE4 is ä, through stdin too', async () => {
    const bytes = Buffer.concat([Buffer.from(`operation,payment_id,note\nrefund,${ID},`), Buffer.from([0x80, 0x20, 0xe4]), Buffer.from('\n')]);
    for (const via of ['file', 'stdin'] as const) {
      const { src, cells } = await load(bytes, via);
      expect(cells[0]![2]).toBe('€ ä');
      expect(src.notices).toEqual([WINDOWS_1252_NOTICE]);
    }
  });

  test("bytes 0x80–0x9F are the code page's characters, not C1 controls (nodejs/node#60888), in one go or streamed", async () => {
    // Node 20.18.3+ TextDecoder('windows-1252') gives U+0080 for 0x80 when not streaming; payops decodes with its own table.
    const high = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
    const expected =
      '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
      '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';
    expect(decodeWindows1252(high)).toBe(expected);
    for (const fatal of [false, true]) {
      expect(decoderFor({ encoding: 'windows-1252', fatal }).decode(high)).toBe(expected);
      expect(decoderFor({ encoding: 'windows-1252', fatal }).decode(high, { stream: true })).toBe(expected);
    }
    expect(decodeWindows1252(Buffer.from([0x80, 0x20, 0xe4, 0x20, 0xdf, 0x20, 0x41, 0xff]))).toBe('€ ä ß Aÿ');
    // Every byte comes back unchanged through the output encoder.
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect([...encodeWindows1252(decodeWindows1252(all))]).toEqual([...all]);
    // Through the reader, from a file and stdin, in one small chunk or byte by byte: € is U+20AC.
    const bytes = Buffer.concat([Buffer.from(`operation;payment_id;note\r\nrefund;${ID};`), high, Buffer.from('\r\n')]);
    for (const via of ['file', 'stdin'] as const) {
      const { cells } = await load(bytes, via);
      expect(cells[0]![2]).toBe(expected);
    }
    for (const encoding of ['windows-1252', 'cp1252', 'latin1']) {
      const { cells } = await load(bytes, 'file', { encoding });
      expect(cells[0]![2]).toBe(expected);
    }
  });

  test('invalid UTF-8 only after the first 64 KiB of a regular file: the whole file reads as Windows-1252', async () => {
    const header = `operation,payment_id,note\n`;
    const row = `refund,${ID},Ã¼ber\n`; // valid UTF-8 (mojibake of "über")
    let text = header;
    while (text.length < 100 * 1024) text += row;
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from(`refund,${ID},caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const { src, cells } = await load(bytes, 'file');
    expect(src.dialect.encoding).toBe('windows-1252');
    expect(src.notices).toEqual([WINDOWS_1252_NOTICE]);
    expect(cells[0]![2]).toBe('ÃƒÂ¼ber'); // the early rows too: one encoding for the whole file (0x83 is ƒ)
    expect(cells.at(-1)![2]).toBe('café');
  });

  test('the same from stdin: decided from the first 64 KiB, then a UsageError naming the line and --encoding', async () => {
    const header = `operation,payment_id,note\n`;
    let text = header;
    // Far enough past the first 64 KiB that the error comes from the records, not while reading the header.
    while (text.length < 1024 * 1024) text += `refund,${ID},ok\n`;
    const badLine = text.split('\n').length;
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from(`refund,${ID},caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const src = await openBytes(bytes, 'stdin');
    expect(src.dialect.encoding).toBe('utf-8');
    const err = await rejection(readAll(src));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(`line ${badLine}`);
    expect(err.message).toContain('--encoding windows-1252');
  });

  test('a UTF-8 BOM with invalid bytes later: UTF-8 anyway, the bad bytes as U+FFFD, with a notice', async () => {
    const bytes = Buffer.concat([Buffer.from(`\uFEFFoperation,payment_id,note\nrefund,${ID},caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const { src, cells } = await load(bytes);
    expect(src.dialect.encoding).toBe('utf-8');
    expect(cells[0]![2]).toBe('caf\uFFFD');
    expect(src.notices.join('\n')).toMatch(/byte order mark but has bytes that are not valid UTF-8 \(first on line 2\)/);
  });
});

describe('--encoding', () => {
  test('overrides detection', async () => {
    const bytes = Buffer.from(`operation,payment_id,note\nrefund,${ID},Ã¼\n`); // valid UTF-8
    const { src, cells } = await load(bytes, 'file', { encoding: 'latin1' });
    expect(src.dialect.encoding).toBe('windows-1252');
    expect(cells[0]![2]).toBe('ÃƒÂ¼');
    expect(src.notices).toEqual([]);
  });

  test('utf-16le without a BOM', async () => {
    const { cells } = await load(Buffer.from(`operation;payment_id\nrefund;${ID}\n`, 'utf16le'), 'file', { encoding: 'utf16le' });
    expect(cells).toEqual([['refund', ID]]);
  });

  test('utf-8 named explicitly: invalid bytes are a UsageError with the line (before any record, for a file)', async () => {
    const bytes = Buffer.concat([Buffer.from(`operation,payment_id\nrefund,${ID}\nrefund,x`), Buffer.from([0xff]), Buffer.from('\n')]);
    const err = await rejection(openBytes(bytes, 'file', { encoding: 'UTF-8' }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/not valid UTF-8 at line 3 \(byte \d+\)/);
  });

  test('an unknown name is a UsageError listing the usual ones', async () => {
    const err = await rejection(openBytes('operation,payment_id\n', 'file', { encoding: 'klingon' }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/unknown --encoding "klingon".*utf-8, utf-16le, utf-16be, windows-1252/);
  });

  test('labels', () => {
    expect(resolveEncodingLabel('UTF8')).toBe('utf-8');
    expect(resolveEncodingLabel('utf_16_be')).toBe('utf-16be');
    expect(resolveEncodingLabel('cp1252')).toBe('windows-1252');
    expect(resolveEncodingLabel('latin1')).toBe('windows-1252');
    expect(resolveEncodingLabel('ISO-8859-15')).toBe('iso-8859-15');
    expect(resolveEncodingLabel('windows-1250')).toBe('windows-1250');
    expect(resolveEncodingLabel('utf-16')).toBe('utf-16');
    expect(() => resolveEncodingLabel('utf-32')).toThrow(UsageError);
    expect(encodingDisplayName('windows-1252')).toBe('Windows-1252');
    expect(encodingDisplayName('utf-16le')).toBe('UTF-16LE');
  });
});

describe('helpers', () => {
  test('detectBom', () => {
    expect(detectBom(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toEqual({ encoding: 'utf-8', length: 3 });
    expect(detectBom(Buffer.from([0xff, 0xfe]))).toEqual({ encoding: 'utf-16le', length: 2 });
    expect(detectBom(Buffer.from([0xfe, 0xff]))).toEqual({ encoding: 'utf-16be', length: 2 });
    expect(detectBom(Buffer.from('abc'))).toBeUndefined();
    expect(detectBom(new Uint8Array(0))).toBeUndefined();
  });

  test('firstInvalidUtf8 agrees with a fatal TextDecoder', () => {
    const cases: number[][] = [
      [0x61],
      [0xc3, 0xa4],
      [0xc3],
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0x80],
      [0x61, 0xe2, 0x82],
    ];
    for (const c of cases) {
      const bytes = Uint8Array.from(c);
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        valid = false;
      }
      expect(firstInvalidUtf8(bytes) === -1, JSON.stringify(c)).toBe(valid);
    }
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x82]), 0, false)).toBe(-1); // may continue in the next chunk
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0x62, 0xff]))).toBe(2);
  });
});
