/**
 * Adversarial attack that held: SIGTERM twice while a refund is held in
 * front of the gateway (the second signal exits at once, the request still
 * queued); the gateway then executes it; the rerun looks it up and finds it.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';
import { executedTwice, type GateRequest, startGate, until } from './adversarial-helpers.js';

const DB = pid(23);

describe('two signals', () => {
  it('SIGTERM twice with a request in flight, then a rerun: executed once, found by lookup', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`)]);
    const held: GateRequest[] = [];
    let holding = true;
    const gate = await startGate(sim.url, {
      hold: (r) => {
        if (r.method === 'POST' && holding) held.push(r);
        return r.method === 'POST' && holding;
      },
    });
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    const args = ['run', input, '--gateway', gate.url, '--state-dir', join(dir, 'state'), '--timeout', '1s', '--settle', '1s', '--lookup-interval', '200ms'];
    const first = await runCli(args, {
      onSpawn: (child) => {
        void (async () => {
          await until(() => held.length === 1, 'the refund to be sent');
          child.kill('SIGTERM');
          child.kill('SIGTERM');
        })();
      },
    });
    expect(first.code).not.toBe(0);
    holding = false;
    await held[0]!.release();
    expect((await runCli(args)).code).toBe(0);
    expect(readCsv(join(dir, 'ops.results.csv')).map((r) => r.note)).toEqual([expect.stringMatching(/found by lookup/)]);
    const ledger = await sim.transactions();
    expect(executedTwice(ledger)).toEqual([]);
    expect(ledger).toHaveLength(1);
  }, 30_000);
});
