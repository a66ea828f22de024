/**
 * `payops run` end to end: the built CLI against `payops sim` in its own
 * process, checking what the simulator received and what the files say.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENTITY, pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';

const PA = pid(1);
const DB = pid(2);
const DB2 = pid(3);
const PA2 = pid(4);
const RG = pid(5);
const PA3 = pid(6);

const SEED = `payment_id,payment_type,amount,currency
${PA},PA,100.00,EUR
${DB},DB,200.00,EUR
${DB2},DB,80.00,EUR
${PA2},PA,50.00,EUR
${RG},RG,0.00,EUR
${PA3},PA,60.00,EUR
`;

async function setup(simArgs: string[] = []) {
  const dir = tempDir();
  const seed = write(dir, 'seed.csv', SEED);
  const sim = await startSim(['--seed', seed, ...simArgs]);
  return { dir, sim };
}

function runArgs(sim: { url: string }, dir: string, input: string, extra: string[] = []): string[] {
  return ['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), ...extra];
}

describe('payops run against the simulator', () => {
  it('sends every operation with the right parameters and reports each in input order', async () => {
    const { dir, sim } = await setup();
    const input = write(
      dir,
      'ops.csv',
      `ticket,operation,payment_id,registration_id,amount,currency,card_number,card_holder,card_expiry_month,card_expiry_year,payment_brand
T1,capture,${PA},,40.00,EUR,,,,,
T2,refund,${DB},,12.5,eur,,,,,
T3,reversal,${PA2},,,,,,,,
T4,reversal,${DB2},,20.00,EUR,,,,,
T5,rebill,${DB2},,15.00,EUR,,,,,
T6,receipt,${PA3},,10.00,EUR,,,,,
T7,credit,,${RG},5.00,EUR,,,,,
T8,credit,,,7.00,EUR,4111111111111111,Jane Doe,12,2031,VISA
`,
    );
    const r = await runCli(runArgs(sim, dir, input, ['--allow-card-data']));
    expect(r.stderr).not.toContain('4111111111111111');
    expect(r.code).toBe(0);
    const rows = readCsv(join(dir, 'ops.results.csv'));
    expect(Object.keys(rows[0]!)).toEqual([
      'ticket', 'operation', 'payment_id', 'registration_id', 'amount', 'currency', 'card_number', 'card_holder',
      'card_expiry_month', 'card_expiry_year', 'payment_brand',
      'line', 'status', 'result_code', 'result_description', 'new_payment_id', 'merchant_transaction_id',
      'payment_type', 'attempts', 'processed_at', 'error', 'note',
    ]);
    expect(rows.map((r) => r.ticket)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8']);
    expect(rows.map((r) => r.line)).toEqual(['2', '3', '4', '5', '6', '7', '8', '9']);
    expect(rows.every((r) => r.status === 'succeeded' && r.result_code === '000.100.110')).toBe(true);
    expect(rows.map((r) => r.payment_type)).toEqual(['CP', 'RF', 'RV', 'RV', 'RB', 'RC', 'CD', 'CD']);
    expect(rows[7]!.card_number).toBe('411111******1111');

    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(8);
    for (const row of rows) {
      const tx = ledger.find((t) => t.id === row.new_payment_id);
      expect(tx, `ledger has ${row.ticket}`).toBeDefined();
      expect(tx!.merchantTransactionId).toBe(row.merchant_transaction_id);
      expect(tx!.paymentType).toBe(row.payment_type);
      expect(tx!.entityId).toBe(ENTITY);
      expect(row.merchant_transaction_id).toMatch(/^[0-9a-z]{16}$/);
      expect(row.attempts).toBe('1');
    }
    const byTicket = (t: string) => ledger.find((x) => x.id === rows.find((r) => r.ticket === t)!.new_payment_id)!;
    expect(byTicket('T1')).toMatchObject({ referencedId: PA, amount: '40.00', currency: 'EUR' });
    expect(byTicket('T2')).toMatchObject({ referencedId: DB, amount: '12.50', currency: 'EUR' });
    expect(byTicket('T3').referencedId).toBe(PA2);
    expect(byTicket('T4')).toMatchObject({ referencedId: DB2, amount: '20.00' });
    expect(byTicket('T7')).toMatchObject({ amount: '5.00', currency: 'EUR' });
    expect(existsSync(join(dir, 'ops.failed.csv'))).toBe(false);
  });

  it('classifies each status from result.code and writes the failed-rows file', async () => {
    const { dir, sim } = await setup([
      '--force-code', '13.01=000.400.000',
      '--force-code', '13.02=000.200.000',
      '--force-code', '13.03=900.100.300',
      '--force-code', '13.04=800.100.151',
      '--force-code', '13.05=000.400.030',
    ]);
    const input = write(
      dir,
      'statuses.csv',
      `operation;payment_id;amount;currency;ticket\r\nrefund;${DB};13.01;EUR;review\r\nrefund;${DB};13.02;EUR;pending\r\nrefund;${DB2};13.03;EUR;unknown\r\nrefund;${DB};13.04;EUR;rejected\r\nrefund;${DB};13.05;EUR;manual\r\nrefund;${DB};abc;EUR;invalid\r\n`,
    );
    // The unknown row on a payment of its own: later rows of its payment would not be sent after it (issue 10 point 5).
    const r = await runCli(runArgs(sim, dir, input, ['--timeout', '2s', '--settle', '2s', '--lookup-interval', '10ms', '--max-attempts', '2']));
    expect(r.code).toBe(1);
    const rows = readCsv(join(dir, 'statuses.results.csv'), ';');
    expect(rows.map((x) => [x.ticket, x.status])).toEqual([
      ['review', 'review'],
      ['pending', 'pending'],
      ['unknown', 'unknown'],
      ['rejected', 'rejected'],
      ['manual', 'unknown'],
      ['invalid', 'invalid'],
    ]);
    expect(rows[4]!.note).toContain('manual action required');
    expect(rows[5]!.error).toContain('amount');
    const raw = readFileSync(join(dir, 'statuses.results.csv'), 'utf8');
    expect(raw).toContain('\r\n');
    const failed = readCsv(join(dir, 'statuses.failed.csv'), ';');
    expect(failed.map((f) => [f.ticket, f.last_status])).toEqual([
      ['unknown', 'unknown'],
      ['rejected', 'rejected'],
      ['manual', 'unknown'],
      ['invalid', 'invalid'],
    ]);
    expect(failed.every((f) => f.source_file === 'statuses.csv')).toBe(true);
    expect(failed.map((f) => f.source_line)).toEqual(['4', '5', '6', '7']);
  });

  it('sends rows for one payment one at a time, in file order', async () => {
    const { dir, sim } = await setup(['--latency', '0-30', '--fault-seed', '7']);
    const lines = ['operation,payment_id,amount,currency'];
    for (let i = 0; i < 5; i++) lines.push(`capture,${PA},10.00,EUR`);
    lines.push(`reversal,${PA},50.00,EUR`);
    for (let i = 0; i < 20; i++) lines.push(`refund,${DB},1.00,EUR`);
    const input = write(dir, 'order.csv', lines.join('\n') + '\n');
    const r = await runCli(runArgs(sim, dir, input, ['--concurrency', '16']));
    expect(r.code).toBe(0);
    const ledger = await sim.transactions();
    expect(ledger.filter((t) => t.referencedId === PA).map((t) => t.paymentType)).toEqual(['CP', 'CP', 'CP', 'CP', 'CP', 'RV']);
    expect(ledger.filter((t) => t.referencedId === DB)).toHaveLength(20);
  });

  it("a long run of rows for one payment does not hold up the other payments' rows behind it", async () => {
    const { dir, sim } = await setup(['--latency', '10']);
    const lines = ['operation,payment_id,amount,currency'];
    for (let i = 0; i < 150; i++) lines.push(`refund,${DB},0.01,EUR`);
    for (let i = 0; i < 5; i++) lines.push(`refund,${DB2},1.00,EUR`);
    const input = write(dir, 'chain.csv', lines.join('\n') + '\n');
    const r = await runCli(runArgs(sim, dir, input, ['--concurrency', '4']));
    expect(r.code).toBe(0);
    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(155);
    // DB's refunds go one at a time (1.5 s at 10 ms each); DB2's are read and
    // sent meanwhile, not after most of DB's chain.
    const positions = ledger.flatMap((t, i) => (t.referencedId === DB2 ? [i] : []));
    expect(positions).toHaveLength(5);
    expect(Math.max(...positions)).toBeLessThan(20);
  });

  it('writes a failed-rows file that runs again as input', async () => {
    const { dir, sim } = await setup();
    const input = write(dir, 'refunds.csv', `operation,payment_id,amount,currency\nrefund,${DB},150.00,EUR\nrefund,${DB},100.00,EUR\nrefund,${DB},1.00,EUR\n`);
    const first = await runCli(runArgs(sim, dir, input));
    expect(first.code).toBe(1);
    const failed = readCsv(join(dir, 'refunds.failed.csv'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ amount: '100.00', last_status: 'rejected', last_result_code: '700.400.200', source_line: '3' });
    // Refund something else first so the rejected refund now fits.
    const second = await runCli(runArgs(sim, dir, join(dir, 'refunds.failed.csv'), ['--out', join(dir, 'rerun.results.csv'), '--failed', join(dir, 'rerun.failed.csv')]));
    expect(second.code).toBe(1);
    const rerun = readCsv(join(dir, 'rerun.results.csv'));
    expect(rerun[0]!.status).toBe('rejected');
    expect(rerun[0]!.merchant_transaction_id.slice(0, 14)).toBe(failed[0]!.merchant_transaction_id.slice(0, 14));
    expect(rerun[0]!.merchant_transaction_id.slice(14)).toBe('01');
    const again = readCsv(join(dir, 'rerun.failed.csv'));
    expect(again[0]).toMatchObject({ source_file: 'refunds.csv', source_line: '3', last_status: 'rejected' });
    expect(Object.keys(again[0]!).filter((k) => k === 'last_status')).toHaveLength(1);
  });

  it('exits 2 for usage errors and sends nothing', async () => {
    const { dir, sim } = await setup();
    const input = write(dir, 'x.csv', `operation,amount\nrefund,1.00\n`);
    const missing = await runCli(runArgs(sim, dir, input));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/payment_id/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const ok = write(dir, 'y.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    const noToken = await runCli(runArgs(sim, dir, ok), { env: { OPPWA_ACCESS_TOKEN: undefined } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/OPPWA_ACCESS_TOKEN/);
    const live = await runCli(['run', ok, '--gateway', 'live', '--state-dir', join(dir, 'state')]);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/--live/);
    const badFlag = await runCli(runArgs(sim, dir, ok, ['--concurrency', 'lots']));
    expect(badFlag.code).toBe(2);
    const tokenFlag = await runCli(runArgs(sim, dir, ok, ['--token', 'abc']));
    expect(tokenFlag.code).toBe(2);
    expect(await sim.transactions()).toHaveLength(0);
  });

  it('exits 3 when the gateway refuses the access token', async () => {
    const { dir, sim } = await setup();
    const lines = ['operation,payment_id,amount,currency'];
    for (let i = 0; i < 50; i++) lines.push(`refund,${DB},1.00,EUR`);
    const input = write(dir, 'bad-token.csv', lines.join('\n') + '\n');
    const r = await runCli(runArgs(sim, dir, input, ['--concurrency', '4']), { env: { OPPWA_ACCESS_TOKEN: 'wrong-token' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused the access token/);
    expect(r.stderr).not.toContain('wrong-token');
    const ledger = await sim.transactions();
    expect(ledger.filter((t) => t.resultCode === '000.100.110')).toHaveLength(0);
  });
});
