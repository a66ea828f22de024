import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultOutputPath } from '../../src/cli/paths.js';

describe('defaultOutputPath: <input stem>.<kind>.csv beside the input', () => {
  it.each([
    ['refunds.csv', 'results', 'refunds.results.csv'],
    ['refunds.csv', 'failed', 'refunds.failed.csv'],
    ['refunds.CSV', 'results', 'refunds.results.csv'],
    ['export.txt', 'results', 'export.results.csv'],
    ['export.tsv', 'failed', 'export.failed.csv'],
    ['results.csv', 'reconciled', 'results.reconciled.csv'],
    ['refunds.csv', 'validated', 'refunds.validated.csv'],
    ['refunds', 'results', 'refunds.results.csv'],
    ['refunds.2026-11.csv', 'results', 'refunds.2026-11.results.csv'],
    ['data.xlsx', 'results', 'data.results.xlsx'],
    ['Book.XLSX', 'failed', 'Book.failed.xlsx'],
    ['book.results.xlsx', 'reconciled', 'book.results.reconciled.csv'],
  ] as const)('%s (%s) → %s', (input, kind, output) => {
    expect(defaultOutputPath(input, kind)).toBe(output);
  });

  it('a rerun of the failed-rows file writes new files, never its own input', () => {
    const first = join('/data', 'refunds.csv');
    const failed = defaultOutputPath(first, 'failed');
    expect(failed).toBe(join('/data', 'refunds.failed.csv'));
    expect(defaultOutputPath(failed, 'results')).toBe(join('/data', 'refunds.failed.results.csv'));
    expect(defaultOutputPath(failed, 'failed')).toBe(join('/data', 'refunds.failed.failed.csv'));
    for (const kind of ['results', 'failed', 'reconciled', 'validated'] as const) {
      for (const input of [first, failed, join('/data', 'x.results.csv'), join('/data', 'x')]) {
        expect(defaultOutputPath(input, kind)).not.toBe(input);
      }
    }
  });

  it('stays in the input directory, with spaces and dots in names', () => {
    expect(defaultOutputPath(join('/srv/finance team', 'Nov. refunds.csv'), 'results')).toBe(join('/srv/finance team', 'Nov. refunds.results.csv'));
    expect(defaultOutputPath(join('..', 'in', 'a.csv'), 'failed')).toBe(join('..', 'in', 'a.failed.csv'));
  });
});
