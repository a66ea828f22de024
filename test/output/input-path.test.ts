import { linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { createCsvWriter } from '../../src/output/csv-writer.js';
import { createFailedWriter } from '../../src/output/failed-writer.js';
import { createResultsWriter } from '../../src/output/results-writer.js';
import { layoutFor, tempDir, UTF8_LF } from './helpers.js';

function inputFile(): { dir: string; input: string } {
  const dir = tempDir();
  const input = join(dir, 'refunds.csv');
  writeFileSync(input, 'operation,payment_id\nrefund,8a82944a4cc25ebf014cc2c782423202\n');
  return { dir, input };
}

describe('an output never overwrites the input', () => {
  it('refuses the input path itself, with a usage error, and leaves the input alone', () => {
    const { dir, input } = inputFile();
    const layout = layoutFor(['operation', 'payment_id']);
    expect(() => createResultsWriter(input, layout, UTF8_LF, input)).toThrow(UsageError);
    expect(() => createResultsWriter(input, layout, UTF8_LF, input)).toThrow(/results file .*refunds\.csv is the input file/);
    expect(() => createFailedWriter(input, layout, UTF8_LF, { sourceFile: 'refunds.csv', inputPath: input })).toThrow(
      /failed-rows file .* is the input file/,
    );
    expect(readFileSync(input, 'utf8')).toContain('refund,');
    expect(readdirSync(dir)).toEqual(['refunds.csv']);
  });

  it('sees through relative paths, ./ and ..', () => {
    const { dir, input } = inputFile();
    mkdirSync(join(dir, 'sub'));
    const rel = relative(process.cwd(), join(dir, 'sub', '..', '.', 'refunds.csv'));
    expect(() => createCsvWriter(rel, UTF8_LF, { inputPath: input })).toThrow(UsageError);
  });

  it('sees through a symbolic link and a hard link', () => {
    const { dir, input } = inputFile();
    symlinkSync(input, join(dir, 'link.csv'));
    linkSync(input, join(dir, 'hard.csv'));
    expect(() => createCsvWriter(join(dir, 'link.csv'), UTF8_LF, { inputPath: input })).toThrow(UsageError);
    expect(() => createCsvWriter(join(dir, 'hard.csv'), UTF8_LF, { inputPath: input })).toThrow(UsageError);
  });

  it('accepts another path beside the input, and stdout, and any path when the input is stdin', async () => {
    const { dir, input } = inputFile();
    const w = createCsvWriter(join(dir, 'refunds.results.csv'), UTF8_LF, { inputPath: input, header: ['a'] });
    await w.commit();
    expect(() => createCsvWriter('-', UTF8_LF, { inputPath: input, lazy: true })).not.toThrow();
    expect(() => createCsvWriter(join(dir, 'x.csv'), UTF8_LF, { inputPath: '-', lazy: true })).not.toThrow();
  });
});

describe('the two outputs are different files', () => {
  it('refuses --out and --failed naming one file, or both stdout', async () => {
    const { refuseOutputClash } = await import('../../src/output/same-file.js');
    const { dir } = inputFile();
    const out = { path: join(dir, 'r.csv'), role: 'results file' };
    expect(() => refuseOutputClash(out, { path: join(dir, '.', 'r.csv'), role: 'failed-rows file' })).toThrow(
      /results file and the failed-rows file are both/,
    );
    expect(() => refuseOutputClash({ path: '-', role: 'results file' }, { path: '-', role: 'failed-rows file' })).toThrow(UsageError);
    expect(() => refuseOutputClash(out, { path: join(dir, 'f.csv'), role: 'failed-rows file' })).not.toThrow();
    expect(() => refuseOutputClash({ path: '-', role: 'results file' }, { path: join(dir, 'f.csv'), role: 'failed-rows file' })).not.toThrow();
  });
});
