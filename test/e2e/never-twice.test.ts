/**
 * Issue 10: the ways an adversarial tester made the gateway execute a row
 * twice, or break a payment's file order. Each case runs the built CLI
 * against `payops sim` over loopback (with a small proxy where the simulator
 * cannot do it), and the simulator's ledger says what was executed.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { IdDeriver, withGeneration } from '../../src/plan/txid.js';
import { ENTITY, type LedgerTx, pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';
import { startProxy } from './proxy.js';

const DB = pid(2);
const PA = pid(3, 'a');
const SEED = `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n${PA},PA,100.00,EUR\n`;

async function setup(simArgs: string[] = []) {
  const dir = tempDir();
  const sim = await startSim(['--seed', write(dir, 'seed.csv', SEED), ...simArgs]);
  return { dir, sim, state: join(dir, 'state') };
}

const run = (url: string, state: string, input: string, extra: string[] = [], env?: Record<string, string>) =>
  runCli(['run', input, '--gateway', url, '--state-dir', state, ...extra], env ? { env } : {});

/** Executed transactions (success-group codes) per merchant transaction id. */
function executions(ledger: LedgerTx[]): Map<string, LedgerTx[]> {
  const m = new Map<string, LedgerTx[]>();
  for (const t of ledger) {
    if (!/^000\.(000|100|200|300|400|600)/.test(t.resultCode)) continue;
    const list = m.get(t.merchantTransactionId ?? '') ?? [];
    list.push(t);
    m.set(t.merchantTransactionId ?? '', list);
  }
  return m;
}

/** The derived id a first run with no --batch-id gives the n-th identical refund row. */
function derivedId(paymentId: string, amount: string, occurrence = 0, type: 'RF' | 'CP' = 'RF'): string {
  const d = new IdDeriver({ batchId: '', defaultEntityId: ENTITY, cardKey: Buffer.alloc(32) });
  let base = '';
  for (let i = 0; i <= occurrence; i++) base = d.nextBase({ type, paymentId, amount, currency: 'EUR' });
  return withGeneration(base, 0);
}

describe('1. ids of the derived shape are recognised wherever they come from', () => {
  it('a results file given as input is refused (exit 2), naming the failed-rows file; nothing is sent', async () => {
    const { dir, sim, state } = await setup();
    // `paymentType` as the operation's column: the results file then reads back without a duplicate column.
    const input = write(dir, 'ops.csv', `paymentType,payment_id,amount,currency\nrefund,${DB},1.00,EUR\nrefund,${DB},2.00,EUR\n`);
    expect((await run(sim.url, state, input)).code).toBe(0);
    expect(await sim.transactions()).toHaveLength(2);
    const again = await run(sim.url, state, join(dir, 'ops.results.csv'));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/results file of an earlier run/);
    expect(again.stderr).toMatch(/failed-rows file/);
    // Also with a state that knows nothing.
    expect((await run(sim.url, join(dir, 'other-state'), join(dir, 'ops.results.csv'))).code).toBe(2);
    expect(await sim.transactions()).toHaveLength(2);
  });

  it('ids copied from the results into a sheet (no last_status) are found: not sent again, with this state or a fresh one', async () => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\nrefund,${DB},2.00,EUR\n`);
    expect((await run(sim.url, state, input)).code).toBe(0);
    const ids = readCsv(join(dir, 'ops.results.csv')).map((r) => r.merchant_transaction_id);
    const sheet = write(
      dir,
      'sheet.csv',
      `operation,payment_id,amount,currency,merchant_transaction_id\nrefund,${DB},1.00,EUR,${ids[0]}\nrefund,${DB},2.00,EUR,${ids[1]}\n`,
    );
    const same = await run(sim.url, state, sheet);
    expect(same.code).toBe(0);
    expect(readCsv(join(dir, 'sheet.results.csv')).map((r) => r.note)).toEqual([expect.stringMatching(/^already done/), expect.stringMatching(/^already done/)]);
    const fresh = await run(sim.url, join(dir, 'fresh-state'), sheet, ['--lookup-interval', '50ms']);
    expect(fresh.code).toBe(0);
    expect(readCsv(join(dir, 'sheet.results.csv')).map((r) => [r.status, r.note])).toEqual([
      ['succeeded', expect.stringMatching(/found by lookup/)],
      ['succeeded', expect.stringMatching(/found by lookup/)],
    ]);
    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(2);
    for (const [, txs] of executions(ledger)) expect(txs).toHaveLength(1);
  });
});

describe('2. a failed-rows file whose rows the state does not know', () => {
  it('a rejected row, amount corrected, run three times with the state lost each time: executed once, under a fresh id base', async () => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'refunds.csv', `operation,payment_id,amount,currency\nrefund,${DB},5000.00,EUR\n`);
    expect((await run(sim.url, state, input)).code).toBe(1);
    const failedPath = join(dir, 'refunds.failed.csv');
    const failed = readCsv(failedPath);
    expect(failed[0]!.last_status).toBe('rejected');
    const oldId = failed[0]!.merchant_transaction_id;
    // The user corrects the amount in the failed-rows file.
    write(dir, 'refunds.failed.csv', readFileSync(failedPath, 'utf8').replace('5000.00', '50.00'));
    for (let i = 0; i < 3; i++) {
      rmSync(state, { recursive: true, force: true });
      // The state knows nothing: an "absent" is confirmed by a second lookup --settle later (the row may have just been sent elsewhere).
      const r = await run(sim.url, state, failedPath, ['--timeout', '1s', '--settle', '1s', '--lookup-interval', '50ms']);
      expect(r.code, r.stderr).toBe(0);
      expect(readCsv(join(dir, 'refunds.failed.results.csv'))[0]!.status).toBe('succeeded');
    }
    const executed = (await sim.transactions()).filter((t) => t.resultCode.startsWith('000.'));
    expect(executed.map((t) => t.amount)).toEqual(['50.00']);
    expect(executed[0]!.merchantTransactionId!.slice(0, 14)).not.toBe(oldId.slice(0, 14));
  });

  it.each(['unknown', 'failed'])('a row with last_status %s that did execute is found, not sent again', async (lastStatus) => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'r.csv', `operation,payment_id,amount,currency\nrefund,${DB},3.00,EUR\n`);
    expect((await run(sim.url, join(dir, 'lost'), input)).code).toBe(0);
    const id = readCsv(join(dir, 'r.results.csv'))[0]!.merchant_transaction_id;
    const rerun = write(dir, 'r.failed.csv', `operation,payment_id,amount,currency,merchant_transaction_id,last_status\nrefund,${DB},3.00,EUR,${id},${lastStatus}\n`);
    expect((await run(sim.url, state, rerun, ['--lookup-interval', '50ms'])).code).toBe(0);
    expect(await sim.transactions()).toHaveLength(1);
  });
});

describe('3. no two rows of one run go under one merchant transaction id', () => {
  it('a fresh copy of a row, then the same row from a failed-rows file (unknown, never executed): one execution', async () => {
    const { dir, sim, state } = await setup();
    const id = derivedId(DB, '7.00');
    const input = write(
      dir,
      'both.csv',
      `operation,payment_id,amount,currency,merchant_transaction_id,last_status\nrefund,${DB},7.00,EUR,,\nrefund,${DB},7.00,EUR,${id},unknown\n`,
    );
    const r = await run(sim.url, state, input, ['--lookup-interval', '50ms']);
    expect(r.code).toBe(1);
    const ledger = await sim.transactions();
    expect(ledger.map((t) => t.merchantTransactionId)).toEqual([id]);
    const results = readCsv(join(dir, 'both.results.csv'));
    expect(results[0]!.status).toBe('succeeded');
    expect(results[1]!.status).toBe('failed');
    expect(results[1]!.error).toMatch(/used by an earlier row of this run/);
  });
});

describe('4. absent is proven only once the original can no longer be executing', () => {
  it('--settle below --timeout, 0 included, is refused before any row', async () => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'r.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    for (const extra of [['--settle', '0'], ['--settle', '500ms', '--timeout', '1s']]) {
      const r = await run(sim.url, state, input, extra);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--settle .* is shorter than --timeout/);
    }
    expect(await sim.transactions()).toHaveLength(0);
  });

  it('POSTs held 4 s in front of the gateway, --timeout 1s --settle 2s: the second lookup finds the original; executed once', async () => {
    const { dir, sim, state } = await setup();
    const proxy = await startProxy(sim.url, { delayMs: (r) => (r.method === 'POST' ? 4000 : 0) });
    const input = write(dir, 'slow.csv', `operation,payment_id,amount,currency\nrefund,${DB},4.00,EUR\n`);
    const r = await run(proxy.url, state, input, ['--timeout', '1s', '--settle', '2s', '--lookup-interval', '3s', '--max-attempts', '4']);
    expect(r.code, r.stderr).toBe(0);
    const results = readCsv(join(dir, 'slow.results.csv'));
    expect(results[0]).toMatchObject({ status: 'succeeded' });
    expect(results[0]!.note).toMatch(/found by lookup/);
    expect(await sim.transactions()).toHaveLength(1);
    expect(proxy.log.filter((x) => x.method === 'POST')).toHaveLength(1);
  }, 30_000);

  // Issue 14 point 12, scaled down: a transaction shows in query results
  // only `lag` after it was executed; a lag shorter than --settle plus
  // --lookup-interval never leads to a second execution.
  it('a query lag: an answer lost after execution, lookups that see nothing for 2.5 s: executed once', async () => {
    // The simulator's own query lag: its queries show a transaction only 2.5 s after it was executed.
    const { dir, sim, state } = await setup(['--query-lag', '2500ms']);
    let dropped = false;
    const proxy = await startProxy(sim.url, {
      transform: (req, answer) => {
        if (req.method === 'POST' && !dropped) {
          dropped = true;
          return 'drop'; // executed, and the client never hears of it
        }
        return answer;
      },
    });
    const input = write(dir, 'lag.csv', `operation,payment_id,amount,currency\nrefund,${DB},6.00,EUR\n`);
    const r = await run(proxy.url, state, input, ['--timeout', '1s', '--settle', '1s', '--lookup-interval', '2s', '--max-attempts', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(readCsv(join(dir, 'lag.results.csv'))[0]!.status).toBe('succeeded');
    // The lookup inside the lag saw nothing, and the row was not sent again.
    expect(proxy.log.filter((x) => x.method === 'GET').length).toBeGreaterThanOrEqual(2);
    expect(proxy.log.filter((x) => x.method === 'POST')).toHaveLength(1);
    expect(await sim.transactions()).toHaveLength(1);
  }, 30_000);
});

describe('5. rows of one payment wait while an earlier row of it is set aside', () => {
  it('PA 100.00, capture 60.00 answered HTTP 500, then a full reversal: the capture is settled first, the reversal after it', async () => {
    const { dir, sim, state } = await setup();
    let failedOnce = false;
    const proxy = await startProxy(sim.url, {
      intercept: (req) => {
        if (req.method === 'POST' && req.params.get('paymentType') === 'CP' && !failedOnce) {
          failedOnce = true;
          return { status: 500, body: JSON.stringify({ result: { code: '900.100.100', description: 'unexpected communication error with connector/acquirer' } }) };
        }
        return undefined;
      },
    });
    const input = write(dir, 'pa.csv', `ticket,operation,payment_id,amount,currency\nA,capture,${PA},60.00,EUR\nB,reversal,${PA},,\nC,refund,${DB},1.00,EUR\n`);
    const r = await run(proxy.url, state, input, ['--timeout', '1s', '--settle', '1s', '--lookup-interval', '100ms']);
    const results = readCsv(join(dir, 'pa.results.csv'));
    expect(results.map((x) => [x.ticket, x.status])).toEqual([
      ['A', 'succeeded'],
      ['B', 'rejected'],
      ['C', 'succeeded'],
    ]);
    expect(r.code).toBe(1);
    const onPa = (await sim.transactions()).filter((t) => t.referencedId === PA);
    expect(onPa.map((t) => [t.paymentType, t.resultCode.startsWith('000.') ? 'ok' : 'refused'])).toEqual([
      ['CP', 'ok'],
      ['RV', 'refused'],
    ]);
    // The refund on another payment did not wait for the capture's lookup.
    const posts = proxy.log.filter((x) => x.method === 'POST');
    expect(posts.findIndex((x) => x.params.get('paymentType') === 'RF')).toBeLessThan(posts.findIndex((x) => x.params.get('paymentType') === 'RV'));
  }, 30_000);
});

describe('6. outputs checked against the input and each other before anything is sent', () => {
  it.each([
    ['--summary-json on the input', (d: string) => ['--summary-json', join(d, 'ops.csv')]],
    ['--summary-json on the results', (d: string) => ['--summary-json', join(d, 'ops.results.csv')]],
    ['--summary-json on the failed rows', (d: string) => ['--summary-json', join(d, 'ops.failed.csv')]],
    ['--out and --failed on one file', (d: string) => ['--out', join(d, 'x.csv'), '--failed', join(d, 'x.csv')]],
    ['--failed on the input', (d: string) => ['--failed', join(d, 'ops.csv')]],
    ['--out and --summary-json on one file', (d: string) => ['--out', join(d, 'y.csv'), '--summary-json', join(d, 'y.csv')]],
  ])('%s: exit 2, nothing sent, the input intact', async (_name, flags) => {
    const { dir, sim, state } = await setup();
    const text = `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`;
    const input = write(dir, 'ops.csv', text);
    const r = await run(sim.url, state, input, flags(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the input file|give them different paths/);
    expect(readFileSync(input, 'utf8')).toBe(text);
    expect(await sim.transactions()).toHaveLength(0);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });
});

describe('7. a malformed token is a configuration error', () => {
  it.each([
    ['a line break', 'sim-\r\ntoken', /line break/],
    ['a character outside Latin-1', 'sim-tokenĀ', /not Latin-1/],
    ['a control character', 'sim-\u0001token', /control character/],
  ])('%s: exit 2 before any row, nothing sent, the token not shown', async (_name, token, message) => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    const r = await run(sim.url, state, input, [], { OPPWA_ACCESS_TOKEN: token });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('sim-');
    expect(existsSync(join(dir, 'ops.results.csv'))).toBe(false);
    expect(await sim.transactions()).toHaveLength(0);
    const file = write(dir, 'token.txt', `${token}\n`);
    const viaFile = await run(sim.url, state, input, ['--token-file', file]);
    expect(viaFile.code).toBe(2);
    expect(await sim.transactions()).toHaveLength(0);
  });
});

describe('8. one gateway, one state partition, however its host is spelt', () => {
  it('127.0.0.1, localhost, LOCALHOST. and [::1]-free spellings of one simulator share the journal', async () => {
    const { dir, sim, state } = await setup();
    const port = new URL(sim.url).port;
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    for (const url of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `HTTP://LOCALHOST.:${port}/`, `http://127.1:${port}`]) {
      const r = await run(url, state, input);
      expect(r.code, `${url}: ${r.stderr}`).toBe(0);
    }
    expect(await sim.transactions()).toHaveLength(1);
  });
});

describe('9. --lookup-first', () => {
  it('a fresh state directory: rows done elsewhere are found, not sent again; the others are sent once', async () => {
    const { dir, sim, state } = await setup();
    const first = write(dir, 'a.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\nrefund,${DB},2.00,EUR\n`);
    expect((await run(sim.url, state, first)).code).toBe(0);
    const more = write(dir, 'b.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\nrefund,${DB},2.00,EUR\nrefund,${DB},3.00,EUR\n`);
    // The third row is absent: sent once a second lookup --settle after the first still finds nothing.
    const r = await run(sim.url, join(dir, 'new-machine'), more, ['--lookup-first', '--timeout', '1s', '--settle', '1s', '--lookup-interval', '1s']);
    expect(r.code, r.stderr).toBe(0);
    const results = readCsv(join(dir, 'b.results.csv'));
    expect(results.map((x) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(results[0]!.note).toMatch(/found by lookup/);
    expect(results[2]!.attempts).toBe('1');
    const ledger = await sim.transactions();
    expect(ledger.map((t) => t.amount)).toEqual(['1.00', '2.00', '3.00']);
  });
});
