/**
 * The CSV writer turns rows into text a chunk at a time (csv-writer.ts): the
 * file must be byte for byte what one record at a time gives, across chunk
 * boundaries, holes filled later, and every kind of awkward cell.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createCsvWriter, type OutputDialect } from '../../src/output/csv-writer.js';
import { csvLine, csvOptions } from '../../src/output/csv-text.js';
import { tempDir } from './helpers.js';

const AWKWARD = ['plain', '', 'a;b', 'a,b', 'say "hi"', 'two\r\nlines', 'lone\nLF', 'lone\rCR', '=1+2', '+49 30', '-5', '@SUM', "'quoted", 'Müller', 'x'.repeat(3000), ' pad '];

/** A pseudo-random row of `width` cells (a fixed sequence, so a failure repeats). */
function rows(count: number, width: number): string[][] {
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 0x7fffffff);
  return Array.from({ length: count }, (_, i) => Array.from({ length: width }, (_, c) => (c === 0 ? `row ${i}` : AWKWARD[next() % AWKWARD.length]!)));
}

describe('rows written a chunk at a time', () => {
  for (const dialect of [
    { delimiter: ';', lineEnding: '\r\n', bom: true, encoding: 'utf-8' },
    { delimiter: ',', lineEnding: '\n', bom: false, encoding: 'utf-16le' },
  ] satisfies OutputDialect[]) {
    it(`are the same bytes as one record at a time, holes included (${dialect.delimiter} ${dialect.encoding})`, async () => {
      const header = ['name', 'a', 'b', 'c', 'd', 'e'];
      const all = rows(4000, header.length);
      const path = join(tempDir(), 'out.csv');
      const w = createCsvWriter(path, dialect, { header });
      const holes = new Map<number, number>();
      for (const [i, r] of all.entries()) {
        // Every 97th row's place is kept and filled at the end, as a row waiting for a lookup is.
        if (i % 97 === 5) holes.set(i, w.hole());
        else await w.write(r);
      }
      for (const [i, h] of holes) w.fill(h, all[i]!);
      await w.commit();

      const options = csvOptions(dialect.delimiter, dialect.lineEnding);
      const expected = '\uFEFF'.repeat(dialect.bom || dialect.encoding !== 'utf-8' ? 1 : 0) + [header, ...all].map((r) => csvLine(r, options)).join('');
      const bytes = readFileSync(path);
      const text = dialect.encoding === 'utf-8' ? bytes.toString('utf8') : bytes.toString('utf16le');
      expect(text).toBe(expected);
      const back = parse(text.replace(/^\uFEFF/, ''), { delimiter: dialect.delimiter }) as string[][];
      expect(back).toHaveLength(all.length + 1);
      expect(back[1]![0]).toBe('row 0');
    });
  }
});
