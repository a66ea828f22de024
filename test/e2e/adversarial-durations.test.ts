/**
 * Adversarial: a --settle so long that Node's timers cannot hold it
 * (above 2^31-1 ms, about 24.8 days) fires at once (TimeoutOverflowWarning:
 * the timer is set to 1 ms). A user who raises --settle to be safe against a
 * gateway's query lag gets lookups right after the request ended instead:
 * two "absent" answers inside the lag, and the row is sent again. Also
 * --lookup-interval 0, accepted, makes the second "absent" worthless.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pid, runCli, startSim, tempDir, write } from './harness.js';
import { executedTwice, startGate } from './adversarial-helpers.js';

const DB = pid(15);

describe('durations beyond what a timer holds', () => {
  it('--settle 1000h under a 1 min query lag: the row whose answer was lost is not sent again', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`), '--query-lag', '1m']);
    let posts = 0;
    // The gateway executes the refund; its answer is lost (the connection closes).
    const gate = await startGate(sim.url, {
      hold: (r) => {
        if (r.method !== 'POST') return false;
        void r.release(posts++ > 0);
        return true;
      },
    });
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    const res = await runCli(['run', input, '--gateway', gate.url, '--state-dir', join(dir, 'state'), '--timeout', '1s', '--settle', '1000h', '--lookup-interval', '1s'], {
      timeoutMs: 20_000,
    });
    // A fixed run either refuses the duration (exit 2) or waits (killed by the harness after 20 s): neither sends twice.
    void res;
    expect(executedTwice(await sim.transactions())).toEqual([]);
  }, 30_000);
});

describe('a second "absent" that proves nothing', () => {
  it('--lookup-interval 0: two lookups in the same instant do not make a resend safe (refused like --settle 0, or the row is not sent twice)', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`)]);
    let first: import('./adversarial-helpers.js').GateRequest | undefined;
    // The refund is queued in front of the gateway and executes 4 s after it arrived (3 s after the client gave up),
    // or just before a second request of it, whichever comes first.
    const gate = await startGate(sim.url, {
      hold: (r) => {
        if (r.method !== 'POST') return false;
        if (!first) {
          first = r;
          setTimeout(() => void r.release(), 4_000);
        } else void first.release().then(() => r.release());
        return true;
      },
    });
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    await runCli(['run', input, '--gateway', gate.url, '--state-dir', join(dir, 'state'), '--timeout', '1s', '--settle', '1s', '--lookup-interval', '0']);
    await first?.release();
    expect(executedTwice(await sim.transactions())).toEqual([]);
  }, 30_000);
});
