/**
 * State that lasts: a JSONL journal written by payops 0.1.0 (the fixture was
 * made by that version against its simulator) is imported and its file rerun
 * sends nothing; `payops state stats|export|prune` on the SQLite store, and
 * a pruned row is still never executed again.
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyGatewayUrl } from '../../src/gateway/environment.js';
import { partitionSlug } from '../../src/plan/state-dir.js';
import { parseCsv, pid, readCsv, ROOT, runCli, startSim, tempDir, write } from './harness.js';

const FIXTURE = join(ROOT, 'test/e2e/fixtures/journal-0.1.0');

function partitionDir(stateDir: string, simUrl: string): string {
  // The run's own rule (loopback spellings are one partition), not a copy of it.
  return join(stateDir, partitionSlug(classifyGatewayUrl(simUrl).partition));
}

describe('a JSONL journal of payops 0.1.0', () => {
  it('is imported on first open (torn tail ignored, file kept renamed): a rerun of its file sends nothing', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', join(FIXTURE, 'seed.csv')]);
    const input = join(dir, 'refunds.csv');
    cpSync(join(FIXTURE, 'refunds.csv'), input);
    const stateDir = join(dir, 'state');
    const part = partitionDir(stateDir, sim.url);
    mkdirSync(part, { recursive: true });
    cpSync(join(FIXTURE, 'journal.jsonl'), join(part, 'journal.jsonl'));
    appendFileSync(join(part, 'journal.jsonl'), '{"k":"i","key":"tornrecordtorn","gen":0,"id":"tornrec'); // a torn last line
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', stateDir]);
    expect(r.code).toBe(1); // one row was rejected in 0.1.0's run, and stays so
    expect(await sim.transactions()).toEqual([]);
    const results = readCsv(join(dir, 'refunds.results.csv'));
    expect(results).toHaveLength(22);
    expect(results.filter((x) => x.status === 'succeeded' && /^already done on/.test(x.note!))).toHaveLength(21);
    expect(results.filter((x) => x.status === 'rejected')).toHaveLength(1);
    expect(existsSync(join(part, 'journal.jsonl'))).toBe(false);
    expect(readdirSync(part).filter((f) => /^journal\.jsonl\.imported-.*\.bak$/.test(f))).toHaveLength(1);
    // And again, from the database alone.
    const again = await runCli(['run', input, '--gateway', sim.url, '--state-dir', stateDir]);
    expect(again.code).toBe(1);
    expect(await sim.transactions()).toEqual([]);
  });
});

describe('payops state (SQLite)', () => {
  it('stats, export (CSV and JSONL) and prune; a pruned row is still not executed again', async () => {
    const dir = tempDir();
    const lines = ['payment_id,payment_type,amount,currency'];
    for (let i = 0; i < 10; i++) lines.push(`${pid(i + 1)},DB,100.00,EUR`);
    const sim = await startSim(['--seed', write(dir, 'seed.csv', lines.join('\n') + '\n')]);
    const ops = ['operation,payment_id,amount,currency'];
    for (let i = 0; i < 30; i++) ops.push(`refund,${pid((i % 10) + 1)},${(1 + i / 100).toFixed(2)},EUR`);
    ops.push(`refund,${pid(1)},=1+1,EUR`); // invalid: never recorded
    const input = write(dir, 'ops.csv', ops.join('\n') + '\n');
    const stateDir = join(dir, 'state');
    const first = await runCli(['run', input, '--gateway', sim.url, '--state-dir', stateDir]);
    expect(first.code).toBe(1);
    expect(await sim.transactions()).toHaveLength(30);

    const stats = await runCli(['state', 'stats', '--state-dir', stateDir, '--json']);
    expect(stats.code).toBe(0);
    const [s] = JSON.parse(stats.stdout) as Array<{ rows: number; records: number; byStatus: Record<string, number>; byMonth: Array<{ month: string; rows: number }>; bytes: number }>;
    expect(s!.rows).toBe(30);
    expect(s!.records).toBe(60);
    expect(s!.byStatus).toEqual({ succeeded: 30 });
    expect(s!.byMonth).toEqual([{ month: new Date().toISOString().slice(0, 7), rows: 30, byStatus: { succeeded: 30 } }]);
    expect(s!.bytes).toBeGreaterThan(0);
    const text = await runCli(['state', 'stats', '--state-dir', stateDir]);
    expect(text.stdout).toMatch(/rows: 30 \(60 records\), [\d.]+ MB on disk/);

    const csv = join(dir, 'export.csv');
    const ex = await runCli(['state', 'export', '--state-dir', stateDir, '--format', 'csv', '--out', csv]);
    expect(ex.code).toBe(0);
    // 60 records of rows, and the one of the failed-rows file the run wrote (its SHA-256: never overwritten once corrected).
    expect(ex.stderr).toContain('61 records');
    const rows = parseCsv(readFileSync(csv, 'utf8'), ',').rows;
    expect(rows[0]).toEqual(['partition', 'k', 'key', 'id', 'gen', 'type', 'ref', 'amount', 'currency', 'entity', 's', 'sent', 'c', 'd', 'n', 'note', 'at', 'src', 'line']);
    expect(rows.slice(1).filter((r) => r[1] === 'i')).toHaveLength(30);
    // Never overwritten.
    expect((await runCli(['state', 'export', '--state-dir', stateDir, '--format', 'csv', '--out', csv])).code).toBe(2);
    const jl = await runCli(['state', 'export', '--state-dir', stateDir]);
    const recs = jl.stdout.trim().split('\n').map((l) => JSON.parse(l) as { k: string; s: string | null });
    expect(recs).toHaveLength(61);
    expect(recs.filter((r) => r.k === 'o' && r.s !== 'written').every((r) => r.s === 'succeeded')).toBe(true);
    expect(recs.filter((r) => r.s === 'written')).toHaveLength(1);

    // Nothing is older than 2000: nothing pruned.
    const none = await runCli(['state', 'prune', '--state-dir', stateDir, '--before', '2000-01-01']);
    expect(none.stderr).toContain('0 rows before 2000-01-01');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const pr = await runCli(['state', 'prune', '--state-dir', stateDir, '--before', tomorrow]);
    expect(pr.code).toBe(0);
    expect(pr.stderr).toContain(`30 rows before ${tomorrow} kept as id and final status (30 records removed)`);
    const after = JSON.parse((await runCli(['state', 'stats', '--state-dir', stateDir, '--json'])).stdout) as Array<{ rows: number; records: number }>;
    expect(after[0]).toMatchObject({ rows: 30, records: 30 });
    expect((await runCli(['state', 'prune', '--state-dir', stateDir])).code).toBe(2);

    // The old file run again: recognised, never executed twice.
    const rerun = await runCli(['run', input, '--gateway', sim.url, '--state-dir', stateDir]);
    expect(rerun.code).toBe(1);
    expect(await sim.transactions()).toHaveLength(30);
    const results = readCsv(join(dir, 'ops.results.csv'));
    expect(results.filter((x) => x.status === 'succeeded' && /^already done on/.test(x.note!))).toHaveLength(30);
  });

  it('a state directory without a database is a clear error (exit 2)', async () => {
    const dir = tempDir();
    const r = await runCli(['state', 'stats', '--state-dir', join(dir, 'nothing')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`there is no state directory ${join(dir, 'nothing')}`);
  });
});
