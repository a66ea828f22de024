/**
 * The exactly-once promise end to end (docs/exactly-once.md): reruns, renamed and
 * re-saved files, failed-rows reruns, identical rows, separate environments.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';

const DB = pid(2);
const DB2 = pid(3);
const SEED = `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n${DB2},DB,1000.00,EUR\n`;

async function setup(simArgs: string[] = []) {
  const dir = tempDir();
  const seed = write(dir, 'seed.csv', SEED);
  const sim = await startSim(['--seed', seed, ...simArgs]);
  return { dir, sim, state: join(dir, 'state') };
}

const run = (url: string, state: string, input: string, extra: string[] = []) =>
  runCli(['run', input, '--gateway', url, '--state-dir', state, ...extra]);

describe('exactly once', () => {
  it('a rerun of a finished file, or the same rows renamed and re-saved, sends nothing', async () => {
    const { dir, sim, state } = await setup();
    const rows = [`refund,${DB},1.00,EUR`, `refund,${DB},2.00,EUR`, `refund,${DB2},3.00,EUR`, `refund,${DB},9999.00,EUR`];
    const input = write(dir, 'refunds.csv', `operation,payment_id,amount,currency\n${rows.join('\n')}\n`);
    const first = await run(sim.url, state, input);
    expect(first.code).toBe(1);
    const sent = (await sim.transactions()).length;
    expect(sent).toBe(4);

    const again = await run(sim.url, state, input);
    expect(again.code).toBe(1);
    expect(await sim.transactions()).toHaveLength(sent);
    const results = readCsv(join(dir, 'refunds.results.csv'));
    expect(results.map((r) => r.attempts)).toEqual(['0', '0', '0', '0']);
    expect(results[0]!.note).toMatch(/^already done on \d{4}-\d{2}-\d{2} by refunds\.csv line 2$/);
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'rejected']);

    // Excel re-saved it: semicolons, CRLF, BOM, upper-case hex, "1,00" with --decimal-comma.
    const resaved = write(
      dir,
      'Refunds November (copy).csv',
      '\uFEFFOperation;Payment ID;Amount;Currency\r\n' +
        `Refund;${DB.toUpperCase()};1,00;eur\r\nREFUND;${DB};2,00;EUR\r\nrefund;${DB2};3;EUR\r\nrefund;${DB};9999,00;EUR\r\n`,
    );
    const renamed = await run(sim.url, state, resaved, ['--decimal-comma']);
    expect(renamed.code).toBe(1);
    expect(await sim.transactions()).toHaveLength(sent);
  });

  it('a failed-rows rerun sends exactly its rejected rows, under a new generation, and looks up its unknown ones', async () => {
    const { dir, sim, state } = await setup(['--force-code', '13.03=900.100.300']);
    const input = write(
      dir,
      'mixed.csv',
      `operation,payment_id,amount,currency\nrefund,${DB},5.00,EUR\nrefund,${DB},5000.00,EUR\nrefund,${DB},13.03,EUR\n`,
    );
    const first = await run(sim.url, state, input, ['--timeout', '2s', '--settle', '2s', '--lookup-interval', '10ms', '--max-attempts', '2']);
    expect(first.code).toBe(1);
    const failed = readCsv(join(dir, 'mixed.failed.csv'));
    expect(failed.map((f) => f.last_status)).toEqual(['rejected', 'unknown']);
    const before = await sim.transactions();

    const rerun = await run(sim.url, state, join(dir, 'mixed.failed.csv'), ['--timeout', '2s', '--settle', '2s', '--lookup-interval', '10ms', '--max-attempts', '2']);
    expect(rerun.code).toBe(1);
    const after = await sim.transactions();
    const added = after.slice(before.length);
    expect(added).toHaveLength(1);
    expect(added[0]!.amount).toBe('5000.00');
    expect(added[0]!.merchantTransactionId).toBe(failed[0]!.merchant_transaction_id.slice(0, 14) + '01');
    const results = readCsv(join(dir, 'mixed.failed.results.csv'));
    expect(results[1]!.status).toBe('unknown');
    expect(results[1]!.attempts).toBe('0');
    // Not deliberately sent again: a plain rerun of the original file sends nothing.
    await run(sim.url, state, input, ['--timeout', '2s', '--settle', '2s', '--lookup-interval', '10ms', '--max-attempts', '2']);
    expect((await sim.transactions()).filter((t) => t.amount !== '13.03')).toHaveLength(after.filter((t) => t.amount !== '13.03').length);
  });

  it('two identical rows of one file are each executed once', async () => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'twins.csv', `operation,payment_id,amount,currency\nrefund,${DB},7.00,EUR\nrefund,${DB},7.00,EUR\n`);
    expect((await run(sim.url, state, input)).code).toBe(0);
    expect((await run(sim.url, state, input)).code).toBe(0);
    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(2);
    expect(new Set(ledger.map((t) => t.merchantTransactionId)).size).toBe(2);
  });

  it('a rehearsal against one simulator does not mark rows done for another', async () => {
    const a = await setup();
    const b = await startSim(['--seed', write(a.dir, 'seed2.csv', SEED)]);
    const input = write(a.dir, 'rehearse.csv', `operation,payment_id,amount,currency\nrefund,${DB},4.00,EUR\n`);
    expect((await run(a.sim.url, a.state, input)).code).toBe(0);
    expect((await run(b.url, a.state, input)).code).toBe(0);
    expect(await a.sim.transactions()).toHaveLength(1);
    expect(await b.transactions()).toHaveLength(1);
  });

  it('--batch-id lets an identical operation run again; a reused own id for another operation is refused', async () => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'monthly.csv', `operation,payment_id,amount,currency\nrebill,${DB},9.99,EUR\n`);
    expect((await run(sim.url, state, input, ['--batch-id', '2026-10'])).code).toBe(0);
    expect((await run(sim.url, state, input, ['--batch-id', '2026-11'])).code).toBe(0);
    expect(await sim.transactions()).toHaveLength(2);
    const own = write(dir, 'own.csv', `operation,payment_id,amount,currency,merchant_transaction_id\nrefund,${DB},1.00,EUR,ticket-000123\n`);
    expect((await run(sim.url, state, own)).code).toBe(0);
    const other = write(dir, 'other.csv', `operation,payment_id,amount,currency,merchant_transaction_id\nrefund,${DB},2.00,EUR,ticket-000123\n`);
    const r = await run(sim.url, state, other);
    expect(r.code).toBe(1);
    const res = readCsv(join(dir, 'other.results.csv'));
    expect(res[0]!.status).toBe('failed');
    expect(res[0]!.error).toMatch(/merchant_transaction_id already used for refund of 1\.00 EUR on/);
    expect(await sim.transactions()).toHaveLength(3);
  });

  it('--dry-run shows what a run would do and sends nothing', async () => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'dry.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.50,EUR\n`);
    expect((await run(sim.url, state, input)).code).toBe(0);
    const more = write(dir, 'dry2.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.50,EUR\nrefund,${DB},2.50,EUR\nrefund,nope,1,EUR\n`);
    const dry = await run(sim.url, state, more, ['--dry-run']);
    expect(dry.stderr).toMatch(/line 2: skip: already done/);
    expect(dry.stderr).toMatch(/line 3: would send RF 2\.50 EUR/); // issue 13: "would send", with the amount
    expect(dry.stderr).toMatch(/line 4: invalid/);
    expect(await sim.transactions()).toHaveLength(1);
  });
});
