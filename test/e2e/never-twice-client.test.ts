/**
 * Issue 14, client points 9-11: what the real gateway does that the client
 * must survive — own ids shared by an order's transactions, answers that
 * spell amounts otherwise or lack fields, throttles for one id. Real HTTP
 * against `payops sim` (per-id throttling on, as in every simulator the
 * harness starts); a proxy alters answers the simulator does not give: a
 * throttle answer whose `id` names the payment (the simulator's 429 carries a
 * fresh id of its own, so the client takes it for an account-wide throttle).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ENTITY, TOKEN, pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';
import { editQueryPayments, startProxy, throttleAnswer } from './proxy.js';

const PA = pid(1, 'a');
const SEED_LINES = ['payment_id,payment_type,amount,currency', `${PA},PA,100.00,EUR`];
for (let i = 0; i < 40; i++) SEED_LINES.push(`${pid(100 + i)},DB,100.00,EUR`);
const SEED = SEED_LINES.join('\n') + '\n';

async function setup(simArgs: string[] = []) {
  const dir = tempDir();
  const sim = await startSim(['--seed', write(dir, 'seed.csv', SEED), ...simArgs]);
  return { dir, sim, state: join(dir, 'state') };
}

const run = (url: string, state: string, input: string, extra: string[] = []) =>
  runCli(['run', input, '--gateway', url, '--state-dir', state, ...extra]);

const HEADER = 'operation,payment_id,amount,currency,merchant_transaction_id';

describe('9. own ids that are order ids', () => {
  it('a refund under the id of the order, whose capture is at the gateway under it: not a conflict, sent once', async () => {
    const { dir, sim, state } = await setup();
    const cp = write(dir, 'cp.csv', `${HEADER}\ncapture,${PA},100.00,EUR,ORDER-0001\n`);
    expect((await run(sim.url, state, cp)).code).toBe(0);
    const capture = readCsv(join(dir, 'cp.results.csv'))[0]!.new_payment_id;
    // Another machine (nothing in its state): every row is looked up first.
    const rf = write(dir, 'rf.csv', `${HEADER}\nrefund,${capture},40.00,EUR,ORDER-0001\n`);
    // The refund is absent: it is sent once a second lookup --settle after the first still finds nothing (--lookup-first's cost).
    const r = await run(sim.url, join(dir, 'elsewhere'), rf, ['--lookup-first', '--timeout', '1s', '--settle', '1s', '--lookup-interval', '1s']);
    expect(r.code, r.stderr).toBe(0);
    expect(readCsv(join(dir, 'rf.results.csv'))[0]!.status).toBe('succeeded');
    const ledger = await sim.transactions();
    expect(ledger.map((t) => [t.paymentType, t.merchantTransactionId])).toEqual([
      ['CP', 'ORDER-0001'],
      ['RF', 'ORDER-0001'],
    ]);
    // Run again there: the refund is found (same type, same reference), not sent again.
    expect((await run(sim.url, join(dir, 'elsewhere-2'), rf, ['--lookup-first'])).code).toBe(0);
    expect(await sim.transactions()).toHaveLength(2);
  });

  it('the same type on the same reference for another amount is a conflict: not sent', async () => {
    const { dir, sim, state } = await setup();
    expect((await run(sim.url, state, write(dir, 'a.csv', `${HEADER}\ncapture,${PA},30.00,EUR,ORDER-0002\n`))).code).toBe(0);
    const r = await run(sim.url, join(dir, 'elsewhere'), write(dir, 'b.csv', `${HEADER}\ncapture,${PA},20.00,EUR,ORDER-0002\n`), ['--lookup-first']);
    expect(r.code).toBe(1);
    expect(readCsv(join(dir, 'b.results.csv'))[0]!.error).toMatch(/used at the gateway by another operation/);
    expect(await sim.transactions()).toHaveLength(1);
  });
});

describe('10. amounts compare as numbers; a missing field never widens a match', () => {
  it('the gateway answering 30 for the row\'s 30.00 is the row: found, not a conflict and not sent again', async () => {
    const { dir, sim, state } = await setup();
    const input = write(dir, 'a.csv', `${HEADER}\ncapture,${PA},30.00,EUR,ORDER-0003\n`);
    expect((await run(sim.url, state, input)).code).toBe(0);
    const proxy = await startProxy(sim.url, {
      transform: (req, a) => (req.method === 'GET' ? editQueryPayments(a, (p) => ({ ...p, amount: String(Number(p.amount)) })) : a),
    });
    const r = await run(proxy.url, join(dir, 'elsewhere'), input, ['--lookup-first']);
    expect(r.code, r.stderr).toBe(0);
    expect(readCsv(join(dir, 'a.results.csv'))[0]).toMatchObject({ status: 'succeeded', note: expect.stringMatching(/found by lookup/) });
    expect(await sim.transactions()).toHaveLength(1);
  });

  it('a transaction under the id whose answer lacks its type and reference cannot confirm the row: looked up again, left unknown, not sent', async () => {
    const { dir, sim, state } = await setup();
    expect((await run(sim.url, state, write(dir, 'cp.csv', `${HEADER}\ncapture,${PA},30.00,EUR,ORDER-0004\n`))).code).toBe(0);
    const capture = readCsv(join(dir, 'cp.results.csv'))[0]!.new_payment_id;
    const proxy = await startProxy(sim.url, {
      transform: (req, a) =>
        req.method === 'GET'
          ? editQueryPayments(a, (p) => {
              const { paymentType: _t, referencedId: _r, ...rest } = p;
              return rest;
            })
          : a,
    });
    // A refund of that capture under the order's id: the capture found under it, stripped, could be this refund.
    const rf = write(dir, 'rf.csv', `${HEADER}\nrefund,${capture},30.00,EUR,ORDER-0004\n`);
    const r = await run(proxy.url, join(dir, 'elsewhere'), rf, ['--lookup-first', '--lookup-interval', '50ms', '--max-attempts', '3']);
    expect(r.code).toBe(1);
    const res = readCsv(join(dir, 'rf.results.csv'))[0]!;
    expect(res.status).toBe('unknown');
    expect(res.error).toMatch(/lacks the fields to confirm/);
    expect(proxy.log.filter((x) => x.method === 'GET')).toHaveLength(3);
    expect(proxy.log.filter((x) => x.method === 'POST')).toHaveLength(0);
    expect(await sim.transactions()).toHaveLength(1);
  });
});

describe('11. one busy id does not stall the file', () => {
  it('a throttle naming one payment (no Retry-After) delays only its rows; the other payments go on', async () => {
    const { dir, sim, state } = await setup();
    let throttled = 0;
    const proxy = await startProxy(sim.url, {
      intercept: (req) => {
        if (req.method === 'POST' && req.path.endsWith(PA) && throttled < 4) {
          throttled++;
          return throttleAnswer(PA);
        }
        return undefined;
      },
    });
    const lines = [`ticket,${HEADER}`, `busy1,capture,${PA},10.00,EUR,`, `busy2,capture,${PA},20.00,EUR,`];
    for (let i = 0; i < 40; i++) lines.push(`other${i},refund,${pid(100 + i)},1.00,EUR,`);
    const input = write(dir, 'mixed.csv', lines.join('\n') + '\n');
    const r = await run(proxy.url, state, input, ['--concurrency', '2', '--max-attempts', '8']);
    expect(r.code, r.stderr).toBe(0);
    expect(throttled).toBe(4);
    const ledger = await sim.transactions();
    const firstBusy = ledger.findIndex((t) => t.referencedId === PA);
    // Every other payment's refund went through while the busy payment backed off (4 backoffs: 1.75 s at least).
    expect(ledger.slice(0, firstBusy).filter((t) => t.paymentType === 'RF')).toHaveLength(40);
    // The busy payment's rows in file order, each once.
    expect(ledger.filter((t) => t.referencedId === PA).map((t) => t.amount)).toEqual(['10.00', '20.00']);
    expect(readCsv(join(dir, 'mixed.results.csv')).every((x) => x.status === 'succeeded')).toBe(true);
  }, 60_000);

  it('a throttle for the whole account (no id) pauses every worker for its Retry-After', async () => {
    const { dir, sim, state } = await setup();
    let throttledAt = 0;
    const proxy = await startProxy(sim.url, {
      intercept: (req) => {
        if (req.method === 'POST' && req.path.endsWith(pid(105)) && throttledAt === 0) {
          throttledAt = Date.now();
          return throttleAnswer(undefined, 2);
        }
        return undefined;
      },
    });
    const lines = [HEADER];
    for (let i = 0; i < 40; i++) lines.push(`refund,${pid(100 + i)},1.00,EUR,`);
    const r = await run(proxy.url, state, write(dir, 'all.csv', lines.join('\n') + '\n'), ['--concurrency', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(throttledAt).toBeGreaterThan(0);
    const posts = proxy.log.filter((x) => x.method === 'POST');
    // Once the answer was in, at most the request already in flight on the other connection left within the pause.
    const during = posts.filter((x) => x.at > throttledAt && x.at < throttledAt + 1900);
    expect(during.length).toBeLessThanOrEqual(1);
    expect(await sim.transactions()).toHaveLength(40);
  }, 60_000);
});

describe('12. the simulator\'s own limits and refusals', () => {
  it('the gateway\'s per-id query limit: a lookup throttled (HTTP 429 800.120.100) is asked again later, the row found, never sent twice', async () => {
    // 1 query per merchant transaction id per 1.5 s window.
    const { dir, sim, state } = await setup(['--query-limit', '1', '--throttle-window', '1500ms']);
    let dropped = false;
    let other: Promise<number> | undefined;
    const proxy = await startProxy(sim.url, {
      transform: (req, a) => {
        if (req.method === 'POST' && !dropped) {
          dropped = true;
          // Someone else queries the id first (a backoffice script): the window's one query is used up.
          other = fetch(`${sim.url}/v1/query?merchantTransactionId=LOST-0001&entityId=${ENTITY}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((x) => x.status);
          return 'drop';
        }
        return a;
      },
    });
    const input = write(dir, 'rf.csv', `${HEADER}\nrefund,${pid(101)},5.00,EUR,LOST-0001\n`);
    const r = await run(proxy.url, state, input, ['--timeout', '1s', '--settle', '1s', '--lookup-interval', '50ms', '--max-attempts', '8']);
    expect(await other).toBe(200);
    expect(r.code, r.stderr).toBe(0);
    expect(readCsv(join(dir, 'rf.results.csv'))[0]).toMatchObject({ status: 'succeeded', note: expect.stringMatching(/found by lookup/) });
    const gets = proxy.log.filter((x) => x.method === 'GET');
    // The first lookup came inside the window and was throttled; a later one found the refund.
    expect(gets.length).toBeGreaterThanOrEqual(2);
    expect(proxy.log.filter((x) => x.method === 'POST')).toHaveLength(1);
    expect(await sim.transactions()).toHaveLength(1);
  }, 60_000);

  it('an entity without transaction reports (403 800.900.301 on queries): the row whose answer was lost stays unknown, the run goes on, nothing is sent twice', async () => {
    const { dir, sim, state } = await setup(['--no-reports', ENTITY]);
    let dropped = false;
    const proxy = await startProxy(sim.url, {
      transform: (req, a) => {
        if (req.method === 'POST' && !dropped) {
          dropped = true;
          return 'drop';
        }
        return a;
      },
    });
    const input = write(dir, 'rf.csv', `${HEADER}\nrefund,${pid(101)},5.00,EUR,\nrefund,${pid(102)},6.00,EUR,\n`);
    const r = await run(proxy.url, state, input, ['--concurrency', '1', '--timeout', '1s', '--settle', '1s', '--lookup-interval', '50ms']);
    // Not "credentials refused" for the run: the payments themselves went through.
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/refused the access token/);
    const res = readCsv(join(dir, 'rf.results.csv'));
    expect(res.map((x) => x.status)).toEqual(['unknown', 'succeeded']);
    expect(res[0]!.error).toMatch(/refused the lookup \(800\.900\.301/);
    expect(proxy.log.filter((x) => x.method === 'POST')).toHaveLength(2);
    expect(await sim.transactions()).toHaveLength(2);
  }, 60_000);
});
