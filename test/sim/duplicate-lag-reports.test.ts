/**
 * Issue 14, points 6 and 7: --duplicate-check (800.110.100), --query-lag and
 * --no-reports.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ENTITY, get, ledger, op, OTHER_ENTITY, pid, post, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '80.00', currency: 'EUR' },
];

describe('--duplicate-check (point 6)', () => {
  it('refuses a second transaction with the same merchant transaction id and amount with 800.110.100, executing nothing', async () => {
    const s = await sim({ seed, duplicateCheck: true });
    expect((await op(s, DB, 'RF', '10.00', 'EUR', { merchantTransactionId: 'refund-0001' })).json.result.code).toBe(SUCCESS);
    const dup = await op(s, DB, 'RF', '10.00', 'EUR', { merchantTransactionId: 'refund-0001' });
    expect(dup.status).toBe(400);
    expect(dup.json.result).toEqual({ code: '800.110.100', description: 'duplicate transaction' });
    // nothing was refunded by it: 70.00 is still left
    expect((await op(s, DB, 'RF', '70.00')).json.result.code).toBe(SUCCESS);
    expect((await ledger(s)).map((t) => t.resultCode)).toEqual([SUCCESS, '800.110.100', SUCCESS]);
  });

  it('lets through another amount, another type, or a retry after a rejection', async () => {
    const s = await sim({ seed, duplicateCheck: true });
    await op(s, PA, 'CP', '10.00', 'EUR', { merchantTransactionId: 'order-0001' });
    expect((await op(s, PA, 'CP', '11.00', 'EUR', { merchantTransactionId: 'order-0001' })).json.result.code).toBe(SUCCESS);
    expect((await op(s, PA, 'RV', '10.00', 'EUR', { merchantTransactionId: 'order-0001' })).json.result.code).toBe(SUCCESS);
    expect((await op(s, PA, 'CP', '99.00', 'EUR', { merchantTransactionId: 'order-0002' })).json.result.code).toBe('700.400.100');
    expect((await op(s, PA, 'CP', '99.00', 'EUR', { merchantTransactionId: 'order-0002' })).json.result.code).toBe('700.400.100');
  });

  it('is off by default: the same id and amount executes twice', async () => {
    const s = await sim({ seed });
    await op(s, DB, 'RF', '10.00', 'EUR', { merchantTransactionId: 'refund-0001' });
    expect((await op(s, DB, 'RF', '10.00', 'EUR', { merchantTransactionId: 'refund-0001' })).json.result.code).toBe(SUCCESS);
  });
});

describe('--query-lag (point 7)', () => {
  it('a new transaction is absent from GET /v1/query… until the lag has passed; GET /v1/payments/{id} and referencing see it at once', async () => {
    const s = await sim({ seed, queryLagMs: 60_000 });
    const cp = await op(s, PA, 'CP', '10.00', 'EUR', { merchantTransactionId: 'lagged-0001' });
    expect(cp.json.result.code).toBe(SUCCESS);
    const q = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'lagged-0001' });
    expect(q.status).toBe(404);
    expect(q.json.result.code).toBe('700.400.580');
    expect((await get(s, `/v1/query/${cp.json.id}`)).json.result.code).toBe('700.400.580');
    expect((await get(s, `/v1/payments/${cp.json.id}`)).json.id).toBe(cp.json.id);
    expect((await op(s, cp.json.id, 'RF', '10.00')).json.result.code).toBe(SUCCESS);
    // seeded payments were made before the simulator started
    expect((await get(s, `/v1/query/${PA}`)).status).toBe(200);
  });

  it('shows it once the lag is over', async () => {
    const s = await sim({ seed, queryLagMs: 200 });
    const cp = await op(s, PA, 'CP', '10.00', 'EUR', { merchantTransactionId: 'lagged-0002' });
    await sleep(250);
    const q = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'lagged-0002' });
    expect(q.status).toBe(200);
    expect(q.json.payments.map((p: { id: string }) => p.id)).toEqual([cp.json.id]);
  });
});

describe('--no-reports (point 7)', () => {
  it('an entity without transaction reports gets 800.900.301 (HTTP 403) on queries, and still operates', async () => {
    const s = await sim({ seed: [...seed, { id: pid(3), paymentType: 'DB', amount: '5.00', currency: 'EUR', entityId: OTHER_ENTITY }], noReports: [OTHER_ENTITY.toUpperCase()] });
    const rf = await post(s, `/v1/payments/${pid(3)}`, { entityId: OTHER_ENTITY, paymentType: 'RF', amount: '1.00', currency: 'EUR', merchantTransactionId: 'noreport-01' });
    expect(rf.json.result.code).toBe(SUCCESS);
    const q = await get(s, '/v1/query', { entityId: OTHER_ENTITY, merchantTransactionId: 'noreport-01' });
    expect(q.status).toBe(403);
    expect(q.json.result.code).toBe('800.900.301');
    expect((await get(s, `/v1/query/${rf.json.id}`, { entityId: OTHER_ENTITY })).json.result.code).toBe('800.900.301');
    // the default entity still has its reports
    expect((await get(s, `/v1/query/${PA}`)).status).toBe(200);
  });
});
