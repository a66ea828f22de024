/**
 * Throttling, refused credentials, outages, signals and the lock, end to end
 * (docs/exactly-once.md#retries, #stopping, #signals; docs/state.md#lock).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';

const SEED_ROWS = 50;
function seed(dir: string): string {
  const lines = ['payment_id,payment_type,amount,currency'];
  for (let i = 0; i < SEED_ROWS; i++) lines.push(`${pid(i + 1)},DB,1000.00,EUR`);
  return write(dir, 'seed.csv', lines.join('\n') + '\n');
}
function refunds(dir: string, name: string, n: number): string {
  const lines = ['operation,payment_id,amount,currency'];
  for (let i = 0; i < n; i++) lines.push(`refund,${pid((i % SEED_ROWS) + 1)},${(1 + (i % 97) / 100).toFixed(2)},EUR`);
  return write(dir, name, lines.join('\n') + '\n');
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

describe('stopping and slowing down', () => {
  it('throttling pauses every worker, not just the one throttled', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', seed(dir), '--throttle-rate', '0.05', '--fault-seed', '3']);
    const input = refunds(dir, 'throttle.csv', 200);
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), '--concurrency', '8', '--max-attempts', '10']);
    expect(r.code).toBe(0);
    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(200);
    const times = ledger.map((t) => Date.parse(t.timestamp)).sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // The simulator asks for Retry-After: 1 (second); with a shared pause no
    // worker sends during it, so the ledger shows at least one such gap.
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(900);
  });

  it('refused credentials stop the run after at most --concurrency requests, exit 3', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', seed(dir)]);
    const input = refunds(dir, 'creds.csv', 100);
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), '--concurrency', '4'], {
      env: { OPPWA_ACCESS_TOKEN: 'not-the-token' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused the access token/);
    const results = readCsv(join(dir, 'creds.results.csv'));
    expect(results).toHaveLength(100);
    const sends = results.reduce((n, row) => n + Number(row.attempts), 0);
    expect(sends).toBeGreaterThan(0);
    expect(sends).toBeLessThanOrEqual(4);
  });

  it('an unreachable gateway ends with exit 3 after --max-outage', async () => {
    const dir = tempDir();
    const port = await new Promise<number>((res) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const input = refunds(dir, 'outage.csv', 20);
    const started = Date.now();
    const r = await runCli(['run', input, '--gateway', `http://127.0.0.1:${port}`, '--state-dir', join(dir, 'state'), '--max-outage', '1500ms', '--max-attempts', '1000']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--max-outage/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(readCsv(join(dir, 'outage.results.csv'))).toHaveLength(20);
  });

  it('SIGINT finishes requests in flight, exits 130, and a rerun completes the file', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', seed(dir), '--latency', '20']);
    const input = refunds(dir, 'sigint.csv', 300);
    const state = join(dir, 'state');
    const args = ['run', input, '--gateway', sim.url, '--state-dir', state, '--concurrency', '4'];
    const r = await runCli(args, {
      onSpawn: (child) => {
        void until(async () => (await sim.transactions()).length >= 20).then(() => child.kill('SIGINT'));
      },
    });
    expect(r.code).toBe(130);
    const partial = readCsv(join(dir, 'sigint.results.csv'));
    expect(partial).toHaveLength(300);
    const done = partial.filter((x) => x.status === 'succeeded').length;
    expect(done).toBeGreaterThanOrEqual(20);
    expect(done).toBeLessThan(300);
    const again = await runCli(args);
    expect(again.code).toBe(0);
    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(300);
    expect(new Set(ledger.map((t) => t.merchantTransactionId)).size).toBe(300);
  });

  it('a second run on the same state exits 3 naming the holder and changes nothing', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', seed(dir), '--latency', '30']);
    const state = join(dir, 'state');
    const first = refunds(dir, 'first.csv', 200);
    const second = refunds(dir, 'second.csv', 5);
    let secondResult: Awaited<ReturnType<typeof runCli>> | undefined;
    const r1 = await runCli(['run', first, '--gateway', sim.url, '--state-dir', state, '--concurrency', '2'], {
      onSpawn: () => {
        void until(async () => (await sim.transactions()).length >= 2).then(async () => {
          secondResult = await runCli(['run', second, '--gateway', sim.url, '--state-dir', state]);
        });
      },
    });
    expect(r1.code).toBe(0);
    await until(async () => secondResult !== undefined);
    expect(secondResult!.code).toBe(3);
    expect(secondResult!.stderr).toMatch(/holds the state lock .*pid \d+ on .*started/);
    expect(existsSync(join(dir, 'second.results.csv'))).toBe(false);
    expect(existsSync(join(dir, 'second.failed.csv'))).toBe(false);
    expect(await sim.transactions()).toHaveLength(200);
  });
});
