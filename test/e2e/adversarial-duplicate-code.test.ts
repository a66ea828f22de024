/**
 * Adversarial attack that held: the gateway's duplicate check (`sim
 * --duplicate-check`, 800.110.100) answers a resend under the same id (here
 * from a fresh state with --lookup-first inside the query lag). payops does
 * not take that as a rejection: it looks the row up after --settle, finds
 * the original, and neither the failed-rows file nor --retry-rejected sends
 * it under a new generation.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pid, runCli, startSim, tempDir, write } from './harness.js';
import { executedTwice } from './adversarial-helpers.js';

const DB = pid(19);

describe('the duplicate code proves an execution', () => {
  it('a row answered 800.110.100 is looked up and found, not sent again under a new generation', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`), '--duplicate-check', '--query-lag', '10s']);
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    expect((await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'host-a')])).code).toBe(0);
    const b = join(dir, 'host-b');
    await runCli(['run', input, '--gateway', sim.url, '--state-dir', b, '--lookup-first', '--timeout', '1s', '--settle', '12s', '--lookup-interval', '1s']);
    const codes = (await sim.transactions()).map((t) => t.resultCode);
    // With no send time known, an "absent" counts only when confirmed --settle later (past the query lag):
    // the lookup finds the original, and not even a refused duplicate leaves.
    expect(codes).toEqual(['000.100.110']);
    if (existsSync(join(dir, 'ops.failed.csv'))) await runCli(['run', join(dir, 'ops.failed.csv'), '--gateway', sim.url, '--state-dir', b, '--timeout', '1s', '--settle', '12s', '--lookup-interval', '1s']);
    await runCli(['run', input, '--gateway', sim.url, '--state-dir', b, '--retry-rejected', '--timeout', '1s', '--settle', '12s', '--lookup-interval', '1s']);
    const ledger = await sim.transactions();
    const refunds = ledger.filter((t) => t.paymentType === 'RF' && t.resultCode.startsWith('000.'));
    expect(refunds, JSON.stringify(ledger.map((t) => [t.merchantTransactionId, t.resultCode]))).toHaveLength(1);
    expect(executedTwice(ledger)).toEqual([]);
  }, 120_000);
});
