/**
 * Adversarial attacks that held: the same row as a spreadsheet re-spells it
 * (amount without decimals, lower-case currency, the operation's code, an
 * upper-case payment id, spaces, the default entity written out, a decimal
 * comma with semicolons, BOM and CRLF) is recognised as already done, and a
 * results file with one of its own columns deleted is still not run.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ENTITY, pid, runCli, startSim, tempDir, write } from './harness.js';

const DB = pid(13);

describe('one row, spelt otherwise, is one operation', () => {
  it('a rerun of the row re-spelt nine ways executes nothing', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`)]);
    const state = join(dir, 'state');
    const run = (name: string, text: string, extra: string[] = []) => runCli(['run', write(dir, name, text), '--gateway', sim.url, '--state-dir', state, ...extra]);
    expect((await run('a.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`)).code).toBe(0);
    const variants = [
      `refund,${DB},1,EUR`,
      `refund,${DB},1.0,EUR`,
      `refund,${DB},1.00,eur`,
      `RF,${DB},1.00,EUR`,
      `Refund,${DB},1.00,EUR`,
      `refund,${DB.toUpperCase()},1.00,EUR`,
      `refund, ${DB} ,1.00,EUR`,
      `refund,${DB},01.00,EUR`,
    ];
    for (const [i, v] of variants.entries()) {
      const r = await run(`v${i}.csv`, `operation,payment_id,amount,currency\n${v}\n`);
      expect(r.code, v).toBe(0);
    }
    expect((await run('e.csv', `operation,payment_id,amount,currency,entity_id\nrefund,${DB},1.00,EUR,${ENTITY}\n`)).code).toBe(0);
    expect((await run('c.csv', `\ufeffoperation;payment_id;amount;currency\r\nrefund;${DB};1,00;EUR\r\n`, ['--decimal-comma'])).code).toBe(0);
    expect(await sim.transactions()).toHaveLength(1);
  }, 60_000);
});
