/**
 * Issue 14, points 1 and 2: the entity as `authentication.entityId`, and
 * empty parameters treated as not sent — as clients written for the real
 * gateway send them (activemerchant's opp.rb).
 */
import { describe, expect, it } from 'vitest';
import { ENTITY, get, ledger, OTHER_ENTITY, pid, postRaw, sim, SUCCESS, TOKEN } from './helpers.js';
import { request } from 'undici';

const PA = pid(1);
const DB = pid(2);
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '80.00', currency: 'EUR' },
];

describe('authentication.entityId (point 1)', () => {
  it('accepts the entity as authentication.entityId on a backoffice POST, as opp.rb sends it', async () => {
    const s = await sim({ seed });
    const res = await postRaw(s, `/v1/payments/${PA}`, `authentication.entityId=${ENTITY}&paymentType=CP&amount=10.00&currency=EUR&merchantTransactionId=auth-entity-01`);
    expect(res.status).toBe(200);
    expect(res.json.result.code).toBe(SUCCESS);
    expect(res.json.ndc.startsWith(`${ENTITY}_`)).toBe(true);
    expect((await ledger(s))[0]).toMatchObject({ entityId: ENTITY, paymentType: 'CP', amount: '10.00' });
  });

  it('accepts it on queries too', async () => {
    const s = await sim({ seed });
    await postRaw(s, `/v1/payments/${PA}`, `authentication.entityId=${ENTITY}&paymentType=CP&amount=10.00&currency=EUR&merchantTransactionId=auth-entity-02`);
    const byMtid = await get(s, '/v1/query', { 'authentication.entityId': ENTITY, merchantTransactionId: 'auth-entity-02' });
    expect(byMtid.status).toBe(200);
    expect(byMtid.json.payments).toHaveLength(1);
    expect((await get(s, `/v1/query/${PA}`, { 'authentication.entityId': ENTITY })).json.id).toBe(PA);
  });

  it('refuses an unknown authentication.entityId like an unknown entityId (403, 800.900.301)', async () => {
    const s = await sim({ seed });
    const res = await postRaw(s, `/v1/payments/${PA}`, `authentication.entityId=${OTHER_ENTITY}&paymentType=CP&amount=1.00&currency=EUR`);
    expect(res.status).toBe(403);
    expect(res.json.result.code).toBe('800.900.301');
    expect(await ledger(s)).toEqual([]);
  });

  it('does not take the legacy authentication.userId/password pair for a token (README: not built)', async () => {
    const s = await sim({ seed });
    const body = `authentication.userId=8a8294174e735d0c014e78beb6c5154f&authentication.password=${TOKEN}&authentication.entityId=${ENTITY}&paymentType=CP&amount=1.00&currency=EUR`;
    const res = await postRaw(s, `/v1/payments/${PA}`, body, null);
    expect(res.status).toBe(401);
    expect(res.json.result.code).toBe('800.900.300');
  });
});

describe('empty parameters are absent (point 2)', () => {
  it('a full reversal sent as amount=&currency= reverses the whole payment', async () => {
    const s = await sim({ seed });
    const res = await postRaw(s, `/v1/payments/${PA}`, `entityId=${ENTITY}&paymentType=RV&amount=&currency=`);
    expect(res.status).toBe(200);
    expect(res.json.result.code).toBe(SUCCESS);
    expect(res.json).toMatchObject({ paymentType: 'RV', amount: '50.00', currency: 'EUR' });
    expect((await ledger(s))[0]).toMatchObject({ paymentType: 'RV', amount: null, currency: null, resultCode: SUCCESS });
  });

  it('an empty descriptor, merchantTransactionId or testMode is not sent', async () => {
    const s = await sim({ seed });
    const res = await postRaw(s, `/v1/payments/${DB}`, `entityId=${ENTITY}&paymentType=RF&amount=5.00&currency=EUR&descriptor=&merchantTransactionId=&testMode=`);
    expect(res.json.result.code).toBe(SUCCESS);
    expect(res.json.merchantTransactionId).toBeUndefined();
    expect((await ledger(s))[0]!.merchantTransactionId).toBeNull();
  });

  it('an empty entityId beside authentication.entityId leaves the latter', async () => {
    const s = await sim({ seed });
    const res = await postRaw(s, `/v1/payments/${DB}`, `entityId=&authentication.entityId=${ENTITY}&paymentType=RF&amount=5.00&currency=EUR`);
    expect(res.json.result.code).toBe(SUCCESS);
  });

  it('amount= without a currency on a refund is "no amount" (100.550.300), not a malformed amount', async () => {
    const s = await sim({ seed });
    const res = await postRaw(s, `/v1/payments/${DB}`, `entityId=${ENTITY}&paymentType=RF&amount=`);
    expect(res.status).toBe(400);
    expect(res.json.result.code).toBe('100.550.300');
  });

  it('an empty query parameter is a missing one: merchantTransactionId= is required', async () => {
    const s = await sim({ seed });
    const res = await request(`${s.url}/v1/query?entityId=${ENTITY}&merchantTransactionId=`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const json = (await res.body.json()) as { result: { code: string; parameterErrors: unknown[] } };
    expect(res.statusCode).toBe(400);
    expect(json.result.parameterErrors).toEqual([{ name: 'merchantTransactionId', value: null, message: 'is required' }]);
  });
});
