import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCsvWriter } from '../../src/output/csv-writer.js';
import { csvLine, csvOptions, isFormulaLike, neutraliseFormula } from '../../src/output/csv-text.js';
import { tempDir, UTF8_LF } from './helpers.js';

describe('neutraliseFormula', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+49 30 1234', "'+49 30 1234"],
    ['-12.50', "'-12.50"],
    ['@cmd', "'@cmd"],
    ['\tindented', "'\tindented"],
    ['\rcarriage', "'\rcarriage"],
  ])('prefixes %j with a quote', (cell, expected) => {
    expect(isFormulaLike(cell)).toBe(true);
    expect(neutraliseFormula(cell)).toBe(expected);
  });

  it.each(['', 'refund', '12.50', ' =1', "'=1", 'a=b', '\n=1', '﻿=1'])('leaves %j alone', (cell) => {
    expect(neutraliseFormula(cell)).toBe(cell);
  });

  it('does not add a second quote to a cell payops escaped before (a rerun of its own output)', () => {
    expect(neutraliseFormula(neutraliseFormula('=1'))).toBe("'=1");
  });
});

describe('formula safety in written CSV', () => {
  it('escapes every cell, header included, and quotes what needs it', () => {
    const comma = csvOptions(',', '\n');
    expect(csvLine(['=HYPERLINK("x")', '-5', 'plain', '@a,b'], comma)).toBe(`"'=HYPERLINK(""x"")",'-5,plain,"'@a,b"\n`);
    const tab = csvOptions('\t', '\r\n');
    expect(csvLine(['\tx', 'y'], tab)).toBe(`"'\tx"\ty\r\n`);
  });

  it("leaves full-width ＝ ＋ － ＠ alone (csv-stringify's escape_formulas would prefix them; the input side would not drop that ')", () => {
    expect(csvLine(['\uFF1D1', '\uFF0B1', '\uFF0D1', '\uFF201'], csvOptions(',', '\n'))).toBe('\uFF1D1,\uFF0B1,\uFF0D1,\uFF201\n');
  });

  it('quotes a lone LF or CR whatever the line ending (csv-stringify would not, given a record_delimiter)', () => {
    const cells = ['a\nb', 'c\rd', 'e\r\nf', ''];
    expect(csvLine(cells, csvOptions(';', '\r\n'))).toBe('"a\nb";"c\rd";"e\r\nf";\r\n');
    expect(csvLine(cells, csvOptions(';', '\n'))).toBe('"a\nb";"c\rd";"e\r\nf";\n');
  });

  it('writes the file a spreadsheet will not evaluate', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    const w = createCsvWriter(path, UTF8_LF, { header: ['=bad header', 'note'] });
    await w.write(['=1+1', '+SUM(A1)']);
    await w.write(['@x', '-']);
    await w.write(["'=1", 'fine']);
    await w.commit();
    expect(readFileSync(path, 'utf8')).toBe(`'=bad header,note\n'=1+1,'+SUM(A1)\n'@x,'-\n'=1,fine\n`);
  });
});
