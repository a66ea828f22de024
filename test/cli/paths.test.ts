import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkOutputPaths, defaultOutputPath } from '../../src/cli/paths.js';

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

describe('checkOutputPaths: every output against the input and the others (issue 10 point 6)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'payops-paths-'));
  const input = join(dir, 'ops.csv');
  writeFileSync(input, 'operation\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const outs = (extra: Array<{ name: string; path: string }> = []) => [
    { name: '--out', path: join(dir, 'ops.results.csv') },
    { name: '--failed', path: join(dir, 'ops.failed.csv') },
    ...extra,
  ];

  it('distinct outputs beside the input pass; stdin as input clashes with nothing', () => {
    expect(() => checkOutputPaths(input, outs([{ name: '--summary-json', path: join(dir, 's.json') }, { name: '--report', path: join(dir, 'r.html') }]))).not.toThrow();
    expect(() => checkOutputPaths('-', [{ name: '--out', path: '-' }, { name: '--failed', path: join(dir, 'f.csv') }])).not.toThrow();
  });

  it.each([
    ['--summary-json on the input', [{ name: '--summary-json', path: input }], /--summary-json .* is the input file/],
    ['--report on the results', [{ name: '--report', path: join(dir, 'ops.results.csv') }], /--out and the --report are both/],
    ['--report through another spelling of the failed rows', [{ name: '--report', path: join(dir, '.', 'ops.failed.csv') }], /--failed and the --report/],
    ['two outputs on stdout', [{ name: '--summary-json', path: '-' }, { name: '--report', path: '-' }], /both -/],
  ] as const)('%s → UsageError', (_name, extra, message) => {
    expect(() => checkOutputPaths(input, outs([...extra]))).toThrow(UsageError);
    expect(() => checkOutputPaths(input, outs([...extra]))).toThrow(message);
  });
});
