/**
 * Two "hosts" (PAYOPS_HOSTNAME) on one PostgreSQL state: one run at a time
 * per partition, the other exits 3 naming the holder; a holder killed with
 * -9 is taken over once its lease expires, and its rows in flight are looked
 * up before anything is resent. Also `payops state` against PostgreSQL.
 */
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres.js';
import { type LedgerTx, pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';

const postgres = usePostgres();

function twice(ledger: LedgerTx[]): string[] {
  const n = new Map<string, number>();
  for (const t of ledger) if (t.resultCode.startsWith('000.')) n.set(t.merchantTransactionId!, (n.get(t.merchantTransactionId!) ?? 0) + 1);
  return [...n].filter(([, c]) => c > 1).map(([id]) => id);
}

function files(dir: string, rows: number) {
  const seed = ['payment_id,payment_type,amount,currency'];
  for (let i = 0; i < 40; i++) seed.push(`${pid(i + 1)},DB,100000.00,EUR`);
  const ops = ['operation,payment_id,amount,currency'];
  for (let i = 0; i < rows; i++) ops.push(`refund,${pid((i % 40) + 1)},${(0.01 + (i % 400) / 100).toFixed(2)},EUR`);
  return { seed: write(dir, 'seed.csv', seed.join('\n') + '\n'), input: write(dir, 'ops.csv', ops.join('\n') + '\n') };
}

describe('two hosts on one PostgreSQL state', () => {
  it('one run per partition; the other exits 3 naming the holder; a holder killed -9 is taken over after its lease expires, with lookups before any resend', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const dir = tempDir();
    const { seed, input } = files(dir, 400);
    const sim = await startSim(['--seed', seed, '--latency', '20-40']);
    const base = ['run', input, '--gateway', sim.url, '--state-url', url, '--concurrency', '4', '--timeout', '1s', '--settle', '1s', '--lookup-interval', '500ms'];
    const hostA = { PAYOPS_HOSTNAME: 'cron-host', PAYOPS_STATE_LEASE: '3s' };
    const hostB = { PAYOPS_HOSTNAME: 'web-host', PAYOPS_STATE_LEASE: '3s' };
    const outB = (n: number) => ['--out', join(dir, `b${n}.csv`), '--failed', join(dir, `bf${n}.csv`)];

    let whileRunning: Awaited<ReturnType<typeof runCli>> | undefined;
    let afterKill: Awaited<ReturnType<typeof runCli>> | undefined;
    const a = await runCli(base, {
      env: hostA,
      timeoutMs: 60_000,
      onSpawn: (child) => {
        void (async () => {
          while ((await sim.transactions()).length < 30) await new Promise((r) => setTimeout(r, 10));
          whileRunning = await runCli([...base, ...outB(1)], { env: hostB });
          child.kill('SIGKILL');
        })();
      },
    });
    expect(a.signal).toBe('SIGKILL');
    expect(whileRunning?.code).toBe(3);
    expect(whileRunning?.stderr).toMatch(/holds the state lease of \S+ in postgres:\/\/\S+: pid \d+ on cron-host, started \S+, lease until \S+/);

    // Right after the kill the lease has not expired: the other host still may not take it.
    afterKill = await runCli([...base, ...outB(2)], { env: hostB });
    expect(afterKill.code).toBe(3);
    expect(afterKill.stderr).toContain('a crashed run is taken over once its lease expires');

    // What the dead holder left in flight: intents without an outcome.
    const c = new pg.Client(url);
    await c.connect();
    const inflight = (
      await c.query(`SELECT id FROM payops_records r WHERE k = 'i' AND NOT EXISTS (SELECT 1 FROM payops_records o WHERE o.k = 'o' AND o.key = r.key AND o.id = r.id AND o.seq > r.seq)`)
    ).rows.map((r) => r.id as string);
    await c.end();
    expect(inflight.length).toBeGreaterThan(0);
    const executedBefore = new Set((await sim.transactions()).map((t) => t.merchantTransactionId));

    // Once the lease expired, host B takes over and finishes.
    let b = await runCli([...base, ...outB(3)], { env: hostB, timeoutMs: 60_000 });
    for (let i = 0; i < 20 && b.code === 3; i++) b = await runCli([...base, ...outB(3)], { env: hostB, timeoutMs: 60_000 });
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/taking over the state lease of pid \d+ on cron-host/);
    const ledger = await sim.transactions();
    expect(twice(ledger)).toEqual([]);
    expect(new Set(ledger.map((t) => t.merchantTransactionId)).size).toBe(400);
    // Rows the dead holder had sent and the gateway executed were found by lookup, not sent again.
    const results = new Map(readCsv(join(dir, 'b3.csv')).map((r) => [r.merchant_transaction_id, r]));
    for (const id of inflight.filter((x) => executedBefore.has(x))) expect(results.get(id)?.note).toMatch(/found by lookup/);
    // The others had not reached the gateway: looked up (absent), then sent once.
    for (const id of inflight.filter((x) => !executedBefore.has(x))) expect(results.get(id)?.status).toBe('succeeded');
  }, 240_000);

  it('payops state stats, export and prune with --state-url; a pruned row is not executed again', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const dir = tempDir();
    const { seed, input } = files(dir, 20);
    const sim = await startSim(['--seed', seed]);
    const run = ['run', input, '--gateway', sim.url, '--state-url', url];
    expect((await runCli(run)).code).toBe(0);
    const stats = JSON.parse((await runCli(['state', 'stats', '--state-url', url, '--json'])).stdout) as Array<{ rows: number; records: number; byStatus: Record<string, number> }>;
    expect(stats).toHaveLength(1);
    expect(stats[0]).toMatchObject({ rows: 20, records: 40, byStatus: { succeeded: 20 } });
    const ex = await runCli(['state', 'export', '--state-url', url, '--format', 'jsonl']);
    expect(ex.stdout.trim().split('\n')).toHaveLength(40);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const pr = await runCli(['state', 'prune', '--state-url', url, '--before', tomorrow]);
    expect(pr.code).toBe(0);
    expect(pr.stderr).toContain('20 rows before');
    const after = JSON.parse((await runCli(['state', 'stats', '--state-url', url, '--json'])).stdout) as Array<{ records: number }>;
    expect(after[0]!.records).toBe(20);
    const rerun = await runCli(run);
    expect(rerun.code).toBe(0);
    expect(await sim.transactions()).toHaveLength(20);
    expect(readCsv(join(dir, 'ops.results.csv')).every((r) => /^already done on/.test(r.note!))).toBe(true);
  }, 120_000);
});
