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
 *
 * Second case: host A cut off from the database but not from the gateway
 * (a relay that stops passing bytes, no error to either side). Its lease
 * renewal hangs without a timeout, so A never learns it lost the lease, and
 * a row whose intent it recorded before the cut, waiting for its turn
 * (--rate), is sent after host B took over, looked it up (absent) and sent
 * it: executed twice, with the same --timeout on both hosts.
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres.js';
import { pid, runCli, startSim, tempDir, write } from './harness.js';
import pg from 'pg';
import { executedTwice, type GateRequest, startGate, startRelay, until } from './adversarial-helpers.js';

const postgres = usePostgres();

const DB = pid(7);
const DB2 = pid(8);

describe('a lease taken over from a paused holder', () => {
  it('waits for the holder\'s --timeout, not the taker\'s: the row in flight is executed once', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
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

  it('a holder cut off from the database (not from the gateway) sends no row whose intent it recorded before its lease was taken over', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const direct = await postgres.cluster.database();
    const relay = await startRelay(Number(new URL(direct).port));
    const viaRelay = Object.assign(new URL(direct), { port: String(relay.port) }).toString();
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n${DB2},DB,1000.00,EUR\n`)]);
    const gate = await startGate(sim.url);
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\nrefund,${DB2},2.00,EUR\n`);
    const common = ['run', input, '--gateway', gate.url, '--concurrency', '1', '--timeout', '1s', '--settle', '1s', '--lookup-interval', '300ms'];
    // Host A paces its requests 10 s apart: the second row's intent is recorded, then it waits for its turn.
    let aChild: ChildProcess | undefined;
    const aDone = runCli([...common, '--state-url', viaRelay, '--rate', '0.1', '--out', join(dir, 'a.csv'), '--failed', join(dir, 'af.csv')], {
      env: { PAYOPS_HOSTNAME: 'cron-host', PAYOPS_STATE_LEASE: '2s' },
      timeoutMs: 60_000,
      onSpawn: (c) => (aChild = c),
    });
    const db = new pg.Client(direct);
    await db.connect();
    const recorded = async () => {
      const r = await db.query(`SELECT count(*) FILTER (WHERE k = 'i') AS i, count(*) FILTER (WHERE k = 'o') AS o FROM payops_records`).catch(() => ({ rows: [{ i: 0, o: 0 }] }));
      return { i: Number(r.rows[0].i), o: Number(r.rows[0].o) };
    };
    await until(async () => {
      const r = await recorded();
      return r.i >= 2 && r.o >= 1;
    }, 'host A to record both intents and the first outcome');
    const t0 = Date.now();
    // The network between host A and the database fails; A still reaches the gateway.
    relay.cut();

    const bArgs = [...common, '--state-url', direct, '--out', join(dir, 'b.csv'), '--failed', join(dir, 'bf.csv')];
    const hostB = { PAYOPS_HOSTNAME: 'web-host', PAYOPS_STATE_LEASE: '2s' };
    let b = await runCli(bArgs, { env: hostB, timeoutMs: 60_000 });
    for (let i = 0; i < 40 && b.code === 3 && /holds the state lease/.test(b.stderr); i++) b = await runCli(bArgs, { env: hostB, timeoutMs: 60_000 });
    expect(b.stderr).toMatch(/taking over the state lease of pid \d+ on cron-host/);
    expect(b.code).toBe(0);
    // Host A's pace lets its second request go 10 s after the first: wait until then (or until it went).
    await until(() => gate.log.filter((r) => r.method === 'POST').length >= 3 || Date.now() > t0 + 12_000, 'host A\'s turn to pass', 20_000);
    aChild?.kill('SIGKILL');
    await aDone;
    await db.end();
    const ledger = await sim.transactions();
    expect(executedTwice(ledger)).toEqual([]);
    expect(ledger).toHaveLength(2);
  }, 90_000);
});
