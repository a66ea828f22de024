/**
 * Rows whose outcome is unknown are set aside for a lookup while the rest of
 * the file goes on, and still come out in input order (docs/exactly-once.md#lookups).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';

const ROWS = 1500; // more than the reorder window holds

describe('rows set aside for a lookup', () => {
  it('do not hold up the rest of the file, and keep their place in both outputs', async () => {
    const dir = tempDir();
    const seed = write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${pid(1)},DB,100000.00,EUR\n${pid(2)},DB,100000.00,EUR\n${pid(3)},DB,100.00,EUR\n`);
    const sim = await startSim(['--seed', seed, '--force-code', '13.03=900.100.300']);
    const lines = ['ticket,operation,payment_id,amount,currency'];
    // The unknown row on a payment of its own: the rows of its payment would wait for it (issue 10 point 5).
    for (let i = 0; i < ROWS; i++) lines.push(i === 1 ? `T${i},refund,${pid(3)},13.03,EUR` : `T${i},refund,${pid((i % 2) + 1)},1.00,EUR`);
    const input = write(dir, 'aside.csv', lines.join('\n') + '\n');
    const started = Date.now();
    const r = await runCli([
      'run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'),
      '--timeout', '6s', '--settle', '6s', '--lookup-interval', '100ms', '--max-attempts', '2', '--concurrency', '16',
    ]);
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(ROWS);
    const times = ledger.map((t) => Date.parse(t.timestamp));
    // Every row was sent while the unknown one waited out --settle.
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(6000);

    const results = readCsv(join(dir, 'aside.results.csv'));
    expect(results.map((x) => x.ticket)).toEqual(Array.from({ length: ROWS }, (_, i) => `T${i}`));
    expect(results[1]).toMatchObject({ status: 'unknown', result_code: '900.100.300' });
    // Issue 13: a row still unknown after its lookups must not be noted "found by lookup".
    expect(results[1]!.note).toMatch(/^looked up: the gateway has the transaction, still with 900\.100\.300/);
    expect(results.filter((x) => x.status === 'succeeded')).toHaveLength(ROWS - 1);
    const failed = readCsv(join(dir, 'aside.failed.csv'));
    expect(failed.map((f) => [f.ticket, f.last_status])).toEqual([['T1', 'unknown']]);
  });

  it('keep input order on stdout too, where no place can be kept', async () => {
    const dir = tempDir();
    const seed = write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${pid(1)},DB,1000.00,EUR\n${pid(2)},DB,1000.00,EUR\n`);
    const sim = await startSim(['--seed', seed, '--force-code', '13.03=900.100.300']);
    // B on a payment of its own: a later row of its payment would not be sent after it stays unknown.
    const input = write(dir, 'pipe.csv', `ticket,operation,payment_id,amount,currency\nA,refund,${pid(1)},1.00,EUR\nB,refund,${pid(2)},13.03,EUR\nC,refund,${pid(1)},2.00,EUR\n`);
    const r = await runCli([
      'run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), '--out', '-', '--failed', join(dir, 'pipe.failed.csv'),
      '--timeout', '1s', '--settle', '1s', '--lookup-interval', '10ms', '--max-attempts', '2',
    ]);
    expect(r.code).toBe(1);
    const out = write(dir, 'stdout.csv', r.stdout);
    expect(readCsv(out).map((x) => [x.ticket, x.status])).toEqual([
      ['A', 'succeeded'],
      ['B', 'unknown'],
      ['C', 'succeeded'],
    ]);
  });
});
