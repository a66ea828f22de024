/**
 * Adversarial: two "hosts" on one PostgreSQL state. Host A sends a refund;
 * its request is queued in front of the gateway (the gate holds it) and A
 * stops (SIGSTOP: a paused VM, a host cut off from the database but not from
 * the gateway), so its lease runs out. Host B takes the lease over. The
 * takeover waits "until the old holder's requests cannot be in flight" —
 * but counts B's own --timeout (1s), not A's (8s): B looks the row up while
 * A's request, well inside A's timeout, has not executed yet, finds it
 * absent twice, and sends it again. The gate lets A's request through at the
 * latest 7s after it arrived (inside A's --timeout, so within what the
 * contract allows for a request in flight) or as soon as B resends, so the
 * ledger's count does not depend on timing: executed twice exactly when B
 * resent before A's request could no longer be in flight.
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { pid, runCli, startSim, tempDir, write } from './harness.js';
import { executedTwice, type GateRequest, startGate, until } from './adversarial-helpers.js';

let cluster: PgCluster | undefined;
let skip = '';
beforeAll(async () => {
  const c = await startPostgres();
  if ('skip' in c) skip = c.skip;
  else cluster = c;
}, 120_000);
afterAll(() => cluster?.stop());

const DB = pid(7);

describe('a lease taken over from a paused holder', () => {
  it('waits for the holder\'s --timeout, not the taker\'s: the row in flight is executed once', async (ctx) => {
    if (!cluster) return ctx.skip(skip);
    const url = await cluster.database();
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`)]);
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    let a: ChildProcess | undefined;
    let first: GateRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    const gate = await startGate(sim.url, {
      hold: (r) => {
        if (r.method !== 'POST') return false;
        if (!first) {
          first = r;
          a?.kill('SIGSTOP');
          timer = setTimeout(() => void r.release(), 7_000);
          return true;
        }
        // A second POST of the row: let A's go first, then this one.
        clearTimeout(timer);
        void first.release().then(() => r.release());
        return true;
      },
    });
    const common = ['run', input, '--gateway', gate.url, '--state-url', url, '--concurrency', '1'];
    const aDone = runCli([...common, '--timeout', '8s', '--settle', '8s', '--out', join(dir, 'a.csv'), '--failed', join(dir, 'af.csv')], {
      env: { PAYOPS_HOSTNAME: 'cron-host', PAYOPS_STATE_LEASE: '2s' },
      timeoutMs: 60_000,
      onSpawn: (child) => (a = child),
    });
    await until(() => first !== undefined, 'host A to send its refund');

    const bArgs = [...common, '--timeout', '1s', '--settle', '1s', '--lookup-interval', '500ms', '--out', join(dir, 'b.csv'), '--failed', join(dir, 'bf.csv')];
    const hostB = { PAYOPS_HOSTNAME: 'web-host', PAYOPS_STATE_LEASE: '2s' };
    let b = await runCli(bArgs, { env: hostB, timeoutMs: 60_000 });
    for (let i = 0; i < 40 && b.code === 3 && /holds the state lease/.test(b.stderr); i++) b = await runCli(bArgs, { env: hostB, timeoutMs: 60_000 });
    expect(b.stderr).toMatch(/taking over the state lease of pid \d+ on cron-host/);
    await first!.release();
    a!.kill('SIGKILL');
    await aDone;

    const ledger = await sim.transactions();
    expect(executedTwice(ledger)).toEqual([]);
    expect(ledger.filter((t) => t.paymentType === 'RF')).toHaveLength(1);
  }, 90_000);
});
