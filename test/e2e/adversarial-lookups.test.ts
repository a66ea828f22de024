/**
 * Adversarial: lookups that cannot prove anything. A refund whose answer is
 * lost (the gateway executed it) is looked up; the answers below must never
 * count as "absent".
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ENTITY, pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';
import { executedTwice, startGate } from './adversarial-helpers.js';

const DB = pid(11);
const SEED = `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`;

async function lostAnswer(simArgs: string[], runArgs: string[] = []) {
  const dir = tempDir();
  const sim = await startSim(['--seed', write(dir, 'seed.csv', SEED), ...simArgs]);
  let posts = 0;
  const gate = await startGate(sim.url, {
    hold: (r) => {
      if (r.method !== 'POST') return false;
      void r.release(posts++ > 0);
      return true;
    },
  });
  const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
  const res = await runCli(['run', input, '--gateway', gate.url, '--state-dir', join(dir, 'state'), '--timeout', '1s', '--settle', '1s', '--lookup-interval', '200ms', ...runArgs]);
  return { res, ledger: await sim.transactions(), results: readCsv(join(dir, 'ops.results.csv')) };
}

describe('lookups that cannot prove absence', () => {
  it('an entity without transaction reports (800.900.301): unknown, not sent again', async () => {
    const { ledger, results } = await lostAnswer(['--no-reports', ENTITY]);
    expect(executedTwice(ledger)).toEqual([]);
    expect(results.map((r) => r.status)).toEqual(['unknown']);
  });

  it('queries throttled per id (2 per window): unknown or found, not sent again', async () => {
    const { ledger } = await lostAnswer(['--per-id-throttle', '--throttle-window', '60s', '--query-limit', '1']);
    expect(executedTwice(ledger)).toEqual([]);
  });
});
