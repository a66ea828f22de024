/**
 * Adversarial: the gateway's query lag (`sim --query-lag`) against lookups
 * that payops makes without waiting --settle: --lookup-first with a fresh
 * state, and a failed-rows file run with a state that lost the row. The
 * README promises never twice when the query lag is shorter than --settle
 * (the default 5m covers a lag of up to 5 minutes); here the lag is 10 s and
 * --settle 12 s.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';
import { executedTwice, startGate } from './adversarial-helpers.js';

const DB = pid(9);
const SEED = `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`;

describe('query lag and lookups that do not wait --settle', () => {
  it('--lookup-first with a fresh state right after a run elsewhere: the row is not executed again', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', SEED), '--query-lag', '10s']);
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\nrefund,${DB},2.00,EUR\n`);
    expect((await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'host-a')])).code).toBe(0);
    // Another machine (its state knows nothing) runs the same file, as the README says: with --lookup-first.
    // --settle 12s is longer than the 10 s lag: the README's condition for never twice.
    const b = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'host-b'), '--lookup-first', '--timeout', '1s', '--settle', '12s', '--lookup-interval', '1s']);
    const ledger = await sim.transactions();
    expect(executedTwice(ledger)).toEqual([]);
    expect(ledger).toHaveLength(2);
    void b;
  }, 60_000);

  it('a failed-rows file whose unknown row the state does not know: two "absent" answers inside the lag are no proof', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', SEED), '--query-lag', '10s']);
    // The gateway executes the refund but the answer is lost: the row is unknown.
    const gate = await startGate(sim.url, {
      hold: (r) => {
        if (r.method === 'POST') void r.release(false);
        return r.method === 'POST';
      },
    });
    void gate;
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    // First run: answer lost (the gate forwards the POST and never answers), --timeout 1s; stopped with SIGINT while it waits --settle.
    const first = await runCli(['run', input, '--gateway', gate.url, '--state-dir', join(dir, 'lost-state'), '--timeout', '1s'], {
      onSpawn: (child) => {
        void (async () => {
          while ((await sim.transactions()).length < 1) await new Promise((r) => setTimeout(r, 20));
          await new Promise((r) => setTimeout(r, 1500)); // past --timeout: the row is set aside
          child.kill('SIGINT');
        })();
      },
    });
    expect(first.code).toBe(130);
    const failed = readCsv(join(dir, 'ops.failed.csv'));
    expect(failed.map((r) => r.last_status)).toEqual(['unknown']);
    // The state is lost; the failed-rows file is run against the gateway directly with --lookup-first, as the README says for a state that is not the one the file ran with; --settle 12s, longer than the lag.
    const rerun = await runCli(['run', join(dir, 'ops.failed.csv'), '--gateway', sim.url, '--state-dir', join(dir, 'new-state'), '--lookup-first', '--timeout', '1s', '--settle', '12s', '--lookup-interval', '1s']);
    void rerun;
    const ledger = await sim.transactions();
    expect(executedTwice(ledger)).toEqual([]);
    expect(ledger).toHaveLength(1);
  }, 60_000);
});
