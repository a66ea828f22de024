/** The query API: by id (/v1/payments/{id}, /v1/query/{id}) and by merchant transaction id (/v1/query, /v3/query). */
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { ENTITY, get, op, pid, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const seed = [{ id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' }];
const TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

describe('query by id', () => {
  it.each(['/v1/payments/', '/v1/query/', '/v3/query/'])('%s{id} reports the transaction with its own result', async (prefix) => {
    const s = await sim({ seed });
    const cp = await op(s, PA, 'CP', '10.00', 'EUR', { merchantTransactionId: 'order-0001-cp' });
    const res = await get(s, `${prefix}${cp.json.id}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: cp.json.id,
      referencedId: PA,
      paymentType: 'CP',
      amount: '10.00',
      currency: 'EUR',
      merchantTransactionId: 'order-0001-cp',
      result: { code: SUCCESS },
    });
    expect(res.json.timestamp).toBe(cp.json.timestamp);
    expect(res.json.buildNumber).toEqual(expect.any(String));
    expect(res.json.ndc).toEqual(expect.any(String));
  });

  it('reports a seeded payment', async () => {
    const s = await sim({ seed });
    const res = await get(s, `/v1/query/${PA}`);
    expect(res.json).toMatchObject({ id: PA, paymentType: 'PA', amount: '50.00', currency: 'EUR', result: { code: SUCCESS } });
  });

  it('answers HTTP 404 with 700.400.580 for an unknown id', async () => {
    const s = await sim({ seed });
    const res = await get(s, `/v1/query/${pid(404)}`);
    expect(res.status).toBe(404);
    expect(res.json.result).toEqual({ code: '700.400.580', description: describeResultCode('700.400.580') });
    expect((await get(s, `/v1/payments/${pid(404)}`)).status).toBe(404);
  });

  it('requires the entityId and a well-formed id', async () => {
    const s = await sim({ seed });
    const noEntity = await get(s, `/v1/query/${PA}`, {});
    expect(noEntity.status).toBe(400);
    expect(noEntity.json.result.parameterErrors).toEqual([{ name: 'entityId', value: null, message: 'is required' }]);
    const badId = await get(s, '/v1/query/123');
    expect(badId.json.result.parameterErrors).toEqual([{ name: 'id', value: '123', message: 'must match ^[a-f0-9]{32}$' }]);
  });
});

describe('query by merchantTransactionId', () => {
  it.each(['/v1/query', '/v3/query'])('%s returns 000.000.100 and every matching transaction in order', async (path) => {
    const s = await sim({ seed });
    const mtid = 'batch-7-row-0001';
    const rejected = await op(s, PA, 'CP', '60.00', 'EUR', { merchantTransactionId: mtid });
    const ok = await op(s, PA, 'CP', '10.00', 'EUR', { merchantTransactionId: mtid });
    await op(s, PA, 'CP', '1.00', 'EUR', { merchantTransactionId: 'another-id-0002' });
    const res = await get(s, path, { entityId: ENTITY, merchantTransactionId: mtid, unknownFilter: 'x' });
    expect(res.status).toBe(200);
    expect(res.json.result).toEqual({ code: '000.000.100', description: describeResultCode('000.000.100') });
    expect(res.json.timestamp).toMatch(TS);
    expect(res.json.buildNumber).toEqual(expect.any(String));
    expect(res.json.ndc).toEqual(expect.any(String));
    expect(res.json.payments).toHaveLength(2);
    expect(res.json.payments[0]).toMatchObject({ id: rejected.json.id, referencedId: PA, paymentType: 'CP', amount: '60.00', currency: 'EUR', merchantTransactionId: mtid, result: { code: '700.400.100' } });
    expect(res.json.payments[1]).toMatchObject({ id: ok.json.id, amount: '10.00', result: { code: SUCCESS } });
    expect(res.json.payments[1].timestamp).toMatch(TS);
  });

  it('answers HTTP 404 with 700.400.580 when nothing matches', async () => {
    const s = await sim({ seed });
    const res = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'never-sent-0001' });
    expect(res.status).toBe(404);
    expect(res.json.result.code).toBe('700.400.580');
    expect(res.json.payments).toBeUndefined();
  });

  it('requires merchantTransactionId', async () => {
    const s = await sim({ seed });
    const res = await get(s, '/v1/query', { entityId: ENTITY });
    expect(res.status).toBe(400);
    expect(res.json.result.code).toBe('200.300.404');
    expect(res.json.result.parameterErrors[0].name).toBe('merchantTransactionId');
  });
});
