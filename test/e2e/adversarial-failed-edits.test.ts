/**
 * Adversarial attacks that held: a failed-rows file edited by hand. A refund
 * rejected for its amount is corrected (amount changed, id kept), the file
 * is renamed and run again, its rows reordered, the id cleared, last_status
 * edited; the corrected refund is executed once, the rejected one never.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';
import { executedTwice } from './adversarial-helpers.js';

const DB = pid(21);
const DB2 = pid(22);

describe('a failed-rows file edited by hand', () => {
  it('the corrected row is executed once however the file is edited, renamed or re-run', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n${DB2},DB,1000.00,EUR\n`)]);
    const state = join(dir, 'state');
    const run = (file: string, extra: string[] = []) =>
      runCli(['run', file, '--gateway', sim.url, '--state-dir', state, '--lookup-interval', '100ms', '--timeout', '1s', '--settle', '1s', ...extra]);
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB2},3.00,EUR\nrefund,${DB},2000.00,EUR\n`);
    expect((await run(input)).code).toBe(1);
    const failedText = readFileSync(join(dir, 'ops.failed.csv'), 'utf8');
    const [failed] = readCsv(join(dir, 'ops.failed.csv'));
    expect(failed!.last_status).toBe('rejected');
    const id = failed!.merchant_transaction_id!;
    const header = failedText.split(/\r?\n/)[0]!;
    const cols = header.replace(/^\ufeff/, '').split(',');
    const line = (over: Record<string, string>) => cols.map((c) => over[c] ?? failed![c] ?? '').join(',');

    // Corrected amount, id kept: sent once under a fresh id.
    const corrected = write(dir, 'corrected.csv', `${header}\n${line({ amount: '500.00' })}\n`);
    expect((await run(corrected)).code).toBe(0);
    // The same file renamed, and run again.
    copyFileSync(corrected, join(dir, 'renamed.csv'));
    expect((await run(join(dir, 'renamed.csv'))).code).toBe(0);
    expect((await run(corrected)).code).toBe(0);
    // Rows reordered with another row first; id cleared; last_status edited to unknown or succeeded.
    write(dir, 'reordered.csv', `${header}\n${line({ payment_id: DB2, amount: '3.00', merchant_transaction_id: '', last_status: '' })}\n${line({ amount: '500.00' })}\n`);
    await run(join(dir, 'reordered.csv'));
    write(dir, 'cleared.csv', `${header}\n${line({ amount: '500.00', merchant_transaction_id: '', last_status: '' })}\n`);
    await run(join(dir, 'cleared.csv'));
    for (const status of ['unknown', 'succeeded', 'Rejected ', '']) {
      write(dir, 'status.csv', `${header}\n${line({ amount: '500.00', last_status: status })}\n`);
      await run(join(dir, 'status.csv'));
    }
    const ledger = await sim.transactions();
    expect(executedTwice(ledger)).toEqual([]);
    const executed = ledger.filter((t) => t.resultCode.startsWith('000.')).map((t) => [t.referencedId, t.amount]);
    expect(executed.sort()).toEqual([[DB, '500.00'], [DB2, '3.00']].sort());
    expect(ledger.some((t) => t.merchantTransactionId === id && t.resultCode.startsWith('000.'))).toBe(false);
  }, 60_000);
});
