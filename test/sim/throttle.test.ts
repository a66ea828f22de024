/**
 * Issue 14, point 5: per-id throttling as the gateway documents it — at most
 * 2 requests a minute per id on GET /v1/query… and GET /v1/payments/{id},
 * 200 a minute per payment on backoffice POSTs; HTTP 429, 800.120.100, an id,
 * "Too many requests. Please try again later.", and sometimes no Retry-After.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GATEWAY_THROTTLE, PerIdThrottle } from '../../src/sim/throttle.js';
import { ENTITY, get, ledger, op, pid, post, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '80.00', currency: 'EUR' },
];

function expectThrottled(res: { status: number; json: { id?: string; result: { code: string; description: string } } }): void {
  expect(res.status).toBe(429);
  expect(res.json.id).toMatch(/^[0-9a-f]{32}$/);
  expect(res.json.result).toEqual({ code: '800.120.100', description: 'Too many requests. Please try again later.' });
}

describe('per-id throttling (point 5)', () => {
  it('is off unless asked for', async () => {
    const s = await sim({ seed });
    for (let i = 0; i < 5; i++) expect((await get(s, `/v1/query/${PA}`)).status).toBe(200);
  });

  it('has the gateway limits by default: 2 per minute per id on queries, 200 per payment on POSTs', () => {
    const t = new PerIdThrottle();
    expect([t.windowMs, t.queryLimit, t.postLimit]).toEqual([60_000, 2, 200]);
    expect(GATEWAY_THROTTLE).toMatchObject({ windowMs: 60_000, queryLimit: 2, postLimit: 200 });
  });

  it('answers the third GET /v1/query/{id} of a minute with 429; the first refusal has a Retry-After, the next none', async () => {
    const s = await sim({ seed, perIdThrottle: true });
    expect((await get(s, `/v1/query/${PA}`)).status).toBe(200);
    expect((await get(s, `/v1/query/${PA}`)).status).toBe(200);
    const third = await get(s, `/v1/query/${PA}`);
    expectThrottled(third);
    const seconds = Number(third.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    const fourth = await get(s, `/v1/query/${PA}`);
    expectThrottled(fourth);
    expect(fourth.headers['retry-after']).toBeUndefined();
    // another id has its own quota; so has GET /v1/payments/{id} for the same id
    expect((await get(s, `/v1/query/${DB}`)).status).toBe(200);
    expect((await get(s, `/v1/payments/${PA}`)).status).toBe(200);
    expect((await get(s, `/v1/payments/${PA}`)).status).toBe(200);
    expectThrottled(await get(s, `/v1/payments/${PA}`));
  });

  it('counts GET /v1/query?merchantTransactionId= per merchant transaction id', async () => {
    const s = await sim({ seed, perIdThrottle: true });
    await op(s, PA, 'CP', '1.00', 'EUR', { merchantTransactionId: 'order-0001' });
    const q = { entityId: ENTITY, merchantTransactionId: 'order-0001' };
    expect((await get(s, '/v1/query', q)).status).toBe(200);
    expect((await get(s, '/v1/query', q)).status).toBe(200);
    expectThrottled(await get(s, '/v1/query', q));
    expect((await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'order-0002' })).status).toBe(404);
  });

  it('refuses a backoffice POST over the per-payment limit without executing it; other payments and new payments go on', async () => {
    const s = await sim({ seed, perIdThrottle: { postLimit: 3 } });
    for (let i = 0; i < 3; i++) expect((await op(s, PA, 'CP', '1.00')).json.result.code).toBe(SUCCESS);
    const over = await op(s, PA, 'CP', '1.00');
    expectThrottled(over);
    expect(over.headers['retry-after']).toBeDefined();
    expect(await ledger(s)).toHaveLength(3);
    expect((await op(s, DB, 'RF', '1.00')).json.result.code).toBe(SUCCESS);
    const card = { paymentBrand: 'VISA', 'card.number': '4200000000000000', 'card.holder': 'Jane Doe', 'card.expiryMonth': '12', 'card.expiryYear': '2099' };
    for (let i = 0; i < 5; i++) expect((await post(s, '/v1/payments', { paymentType: 'DB', amount: '1.00', currency: 'EUR', ...card })).status).toBe(200);
  });

  it('lets an id through again once its window has passed (window configurable for tests)', async () => {
    const s = await sim({ seed, perIdThrottle: { windowMs: 300 } });
    await get(s, `/v1/query/${PA}`);
    await get(s, `/v1/query/${PA}`);
    let third = await get(s, `/v1/query/${PA}`);
    // On a slow machine the window may already have passed; either way, after it, a request passes.
    if (third.status === 429) expect(Number(third.headers['retry-after'])).toBe(1);
    await sleep(350);
    third = await get(s, `/v1/query/${PA}`);
    expect(third.status).toBe(200);
  });

  it('runs in O(1) per request with bounded memory: expired windows are dropped as requests come, and never more than maxIds', () => {
    const t = new PerIdThrottle({ windowMs: 1000, queryLimit: 2, maxIds: 100 });
    for (let i = 0; i < 1000; i++) expect(t.take(`id${i}`, 2, 0)).toBeUndefined();
    expect(t.size).toBe(100);
    // the newest 100 ids are remembered: id999 is at its limit after one more
    expect(t.take('id999', 2, 1)).toBeUndefined();
    expect(t.take('id999', 2, 2)).toEqual({ retryAfterSeconds: 1 });
    // after the window, each request drops up to two expired windows
    // (50 requests drop the 100 expired windows; the 60 requests' own windows stay)
    for (let i = 0; i < 60; i++) t.take(`later${i}`, 2, 5000);
    expect(t.size).toBe(60);
  });
});
