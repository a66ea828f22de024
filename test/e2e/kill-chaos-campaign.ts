/**
 * The promise under fire: a run killed with SIGKILL at random moments, over
 * and over, against a simulator that drops, fails, throttles and stalls;
 * then rerun until it finishes. No merchant transaction id may execute twice
 * and every row must end with a known status. Shared by the SQLite and the
 * PostgreSQL campaign (two files, so that they can run side by side).
 */
import { expect } from 'vitest';
import { join } from 'node:path';
import { mulberry32 } from '../../src/sim/faults.js';
import { killOnceFlowing } from './chaos-helpers.js';
import { pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';

export interface Campaign {
  rows: number;
  payments: number;
  kills: number;
  /** `--state-url …` for PostgreSQL; none for the default SQLite store. */
  stateArgs: string[];
}

export async function killCampaign({ rows: ROWS, payments: PAYMENTS, kills: KILLS, stateArgs }: Campaign): Promise<void> {
  const dir = tempDir();
  const seedLines = ['payment_id,payment_type,amount,currency'];
  for (let i = 0; i < PAYMENTS; i++) seedLines.push(`${pid(i + 1)},DB,100000.00,EUR`);
  const seed = write(dir, 'seed.csv', seedLines.join('\n') + '\n');
  const sim = await startSim([
    '--seed', seed,
    '--drop-rate', '0.02', '--fail-rate', '0.02', '--throttle-rate', '0.02', '--stall-rate', '0.01', '--stall-ms', '400',
    '--latency', '0-5', '--fault-seed', '11',
    // The gateway's per-id limits (issue 14), with a window short enough for the test: 2 queries per id, 200 POSTs per payment.
    '--per-id-throttle', '--throttle-window', '500ms',
  ]);
  const lines = ['operation,payment_id,amount,currency'];
  for (let i = 0; i < ROWS; i++) lines.push(`refund,${pid((i % PAYMENTS) + 1)},${(0.01 + (i % 500) / 100).toFixed(2)},EUR`);
  const input = write(dir, 'chaos.csv', lines.join('\n') + '\n');
  const args = [
    'run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'),
    '--concurrency', '16', '--timeout', '250ms', '--settle', '300ms', '--lookup-interval', '100ms', '--max-attempts', '8',
    '--break-lock', ...stateArgs,
  ];
  const random = mulberry32(20261124); // seeded, so a failure can be replayed
  let killed = 0;
  for (let k = 0; k < KILLS; k++) {
    const delay = Math.floor(random() * 400);
    const before = (await sim.transactions()).length;
    // Kill once requests are flowing (the ledger grows), a random moment later.
    const r = await runCli(args, { onSpawn: killOnceFlowing(sim, before, delay) });
    // Killed, or (rarely) finished before the kill.
    expect([0, 1, null]).toContain(r.code);
    if (r.signal === 'SIGKILL') killed++;
  }
  // The kills really landed while work was under way.
  expect(killed).toBeGreaterThanOrEqual(KILLS - 2);
  const afterKills = await sim.transactions();
  expect(afterKills.length).toBeGreaterThan(0);
  let final: Awaited<ReturnType<typeof runCli>> | undefined;
  for (let i = 0; i < 6; i++) {
    final = await runCli(args);
    expect(final.code === 0 || final.code === 1).toBe(true);
    const results = readCsv(join(dir, 'chaos.results.csv'));
    if (results.every((r) => r.status !== 'unknown')) break;
  }
  const results = readCsv(join(dir, 'chaos.results.csv'));
  expect(results).toHaveLength(ROWS);
  expect(results.filter((r) => r.status === 'unknown')).toEqual([]);
  expect(results.every((r) => r.status === 'succeeded')).toBe(true);

  const ledger = await sim.transactions();
  const executed = new Map<string, number>();
  for (const t of ledger) {
    if (!t.resultCode.startsWith('000.')) continue;
    executed.set(t.merchantTransactionId!, (executed.get(t.merchantTransactionId!) ?? 0) + 1);
  }
  const twice = [...executed].filter(([, n]) => n > 1);
  expect(twice).toEqual([]);
  expect(executed.size).toBe(ROWS);
  for (const r of results) expect(executed.get(r.merchant_transaction_id)).toBe(1);
}
