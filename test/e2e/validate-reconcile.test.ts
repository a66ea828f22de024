/** `payops validate` and `payops reconcile`, end to end. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ENTITY, jsonLines, pid, readCsv, runCli, startSim, tempDir, TOKEN, write } from './harness.js';

const DB = pid(2);

describe('payops validate', () => {
  it('lists invalid rows with their line, writes the annotated file, exits 1; a clean file exits 0', async () => {
    const dir = tempDir();
    const input = write(
      dir,
      'check.csv',
      `operation,payment_id,amount,currency,note\nrefund,${DB},1.00,EUR,"two\nlines"\nrefund,${DB},"12,50",EUR,x\ncapture,zz,1.00,EUR,y\n`,
    );
    const r = await runCli(['validate', input, '--out', join(dir, 'check.validated.csv')], { env: { OPPWA_ACCESS_TOKEN: undefined } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 4: amount "12,50" is ambiguous/);
    expect(r.stderr).toMatch(/line 5: payment_id "zz"/);
    const rows = readCsv(join(dir, 'check.validated.csv'));
    expect(rows.map((x) => [x.line, x.status])).toEqual([
      ['2', 'valid'],
      ['4', 'invalid'],
      ['5', 'invalid'],
    ]);
    const clean = write(dir, 'clean.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    expect((await runCli(['validate', clean])).code).toBe(0);
  });

  it("sums the valid rows exactly per operation and currency in its JSON summary (what the web page's preview shows)", async () => {
    const dir = tempDir();
    const input = write(
      dir,
      'sums.csv',
      'operation,payment_id,amount,currency\n' +
        `refund,${DB},0.10,EUR\nrefund,${DB},0.20,eur\nrefund,${DB},1254.19,EUR\nrefund,${DB},5,USD\n` +
        `reverse,${DB},,\nreverse,${DB},2.50,EUR\ncapture,${DB},abc,EUR\nrefund,zz,9.99,EUR\n`,
    );
    const r = await runCli(['validate', input, '--log-format', 'json'], { env: { OPPWA_ACCESS_TOKEN: undefined } });
    expect(r.code).toBe(1);
    const summary = jsonLines(r.stderr).at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', rows: 8, valid: 6, invalid: 2 });
    // 0.10 + 0.20 + 1254.19 is exactly 1254.49; the invalid capture and refund are in neither figure.
    expect(summary.valid_by_operation).toEqual({ RF: 4, RV: 2 });
    expect(summary.valid_amounts).toEqual({
      RF: { EUR: { rows: 3, total: '1254.49' }, USD: { rows: 1, total: '5.00' } },
      RV: { EUR: { rows: 1, total: '2.50' } },
    });
  });

  it('a total that looks like a card number (12 digits passing Luhn) is a total, not masked', async () => {
    const dir = tempDir();
    const input = write(dir, 'idr.csv', `operation,payment_id,amount,currency\ncapture,${DB},50000000004.00,IDR\ncapture,${DB},50000000004.00,IDR\n`);
    const r = await runCli(['validate', input, '--log-format', 'json'], { env: { OPPWA_ACCESS_TOKEN: undefined } });
    expect(jsonLines(r.stderr).at(-1)!.valid_amounts).toEqual({ CP: { IDR: { rows: 2, total: '100000000008.00' } } });
  });
});

describe('payops reconcile', () => {
  it('looks up unknown and pending rows and writes an updated results file, sending no operation', async () => {
    const dir = tempDir();
    const seed = write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,100.00,EUR\n`);
    const sim = await startSim(['--seed', seed]);
    // A refund that reached the gateway although its answer was lost.
    const body = new URLSearchParams({ entityId: ENTITY, paymentType: 'RF', amount: '3.00', currency: 'EUR', merchantTransactionId: 'lostanswer00000a' });
    const sent = await fetch(`${sim.url}/v1/payments/${DB}`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(sent.status).toBe(200);
    const header = 'operation,payment_id,amount,currency,line,status,result_code,result_description,new_payment_id,merchant_transaction_id,payment_type,attempts,processed_at,error,note';
    const results = write(
      dir,
      'day.results.csv',
      [
        header,
        `refund,${DB},3.00,EUR,2,unknown,,,,lostanswer00000a,RF,1,2026-11-23T10:00:00.000Z,no answer within --timeout,`,
        `refund,${DB},4.00,EUR,3,unknown,,,,neversent0000000,RF,1,2026-11-23T10:00:00.000Z,connection lost,`,
        `refund,${DB},5.00,EUR,4,succeeded,000.100.110,ok,abc,done000000000000,RF,1,2026-11-23T10:00:00.000Z,,`,
      ].join('\n') + '\n',
    );
    const r = await runCli(['reconcile', results, '--gateway', sim.url]);
    expect(r.code).toBe(1); // a row is still unknown
    const out = readCsv(join(dir, 'day.results.reconciled.csv'));
    expect(out[0]).toMatchObject({ status: 'succeeded', result_code: '000.100.110' });
    expect(out[0]!.note).toMatch(/found by reconcile/);
    // One "absent" proves nothing (the query may lag): the row stays unknown, and the user is told not to resend it by hand.
    expect(out[1]).toMatchObject({ status: 'unknown' });
    expect(out[1]!.note).toMatch(/not found at the gateway yet .*do not enter this row again by hand/);
    expect(out[2]).toMatchObject({ status: 'succeeded', new_payment_id: 'abc' });
    expect(await sim.transactions()).toHaveLength(1);
  });
});
