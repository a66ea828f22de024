import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCsvWriter } from '../../src/output/csv-writer.js';
import { createRowFormatter } from '../../src/output/csv-format.js';
import { isFormulaLike, neutraliseFormula } from '../../src/output/formula.js';
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
    const fmt = createRowFormatter(',', '\n');
    expect(fmt(['=HYPERLINK("x")', '-5', 'plain', '@a,b'])).toBe(`"'=HYPERLINK(""x"")",'-5,plain,"'@a,b"\n`);
    const tab = createRowFormatter('\t', '\r\n');
    expect(tab(['\tx', 'y'])).toBe(`"'\tx"\ty\r\n`);
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
