/**
 * Issue 14, point 4: the gateway's response shapes, as recorded answers of the
 * test gateway show them (activemerchant test/unit/gateways/cardprocess_test.rb).
 */
import { describe, expect, it } from 'vitest';
import { ENTITY, get, ledger, op, pid, post, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '80.00', currency: 'EUR' },
];
const CARD = { paymentBrand: 'VISA', 'card.number': '4200000000000000', 'card.holder': 'Jane Doe', 'card.expiryMonth': '12', 'card.expiryYear': '2099' };
const BUILD_NUMBER = /^[0-9a-f]{40}@\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

describe('response shapes (point 4)', () => {
  it('a full reversal echoes the amount and currency it reversed, also in query results', async () => {
    const s = await sim({ seed });
    await op(s, DB, 'RF', '30.00');
    const rv = await op(s, PA, 'RV', undefined, 'EUR', { merchantTransactionId: 'full-rv-0001' });
    expect(rv.json).toMatchObject({ paymentType: 'RV', amount: '50.00', currency: 'EUR', result: { code: SUCCESS } });
    const partial = await op(s, DB, 'RV', '20.00');
    expect(partial.json).toMatchObject({ amount: '20.00', currency: 'EUR' });
    const q = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'full-rv-0001' });
    expect(q.json.payments[0]).toMatchObject({ id: rv.json.id, amount: '50.00', currency: 'EUR' });
  });

  it('a successful answer has shortId, resultDetails, risk.score, and the gateway buildNumber and timestamp formats', async () => {
    const s = await sim({ seed });
    const cp = await op(s, PA, 'CP', '10.00');
    expect(cp.json.shortId).toMatch(/^\d{4}\.\d{4}\.\d{4}$/);
    expect(cp.json.descriptor.startsWith(cp.json.shortId)).toBe(true);
    expect(cp.json.resultDetails).toMatchObject({ ExtendedDescription: cp.json.result.description });
    expect(cp.json.risk).toEqual({ score: '0' });
    expect(cp.json.buildNumber).toMatch(BUILD_NUMBER);
    expect(cp.json.timestamp).toMatch(TIMESTAMP);
    const db = await post(s, '/v1/payments', { paymentType: 'DB', amount: '5.00', currency: 'EUR', ...CARD });
    expect(db.json.risk).toEqual({ score: '100' });
  });

  it('a declined payment is answered without an id; its record is still queryable', async () => {
    const s = await sim({ seed, forceCodes: { '7.77': '800.100.151' } });
    const res = await post(s, '/v1/payments', { paymentType: 'PA', amount: '7.77', currency: 'EUR', merchantTransactionId: 'declined-0001', ...CARD });
    expect(res.status).toBe(400);
    expect(res.json.id).toBeUndefined();
    expect(res.json).toMatchObject({ paymentType: 'PA', paymentBrand: 'VISA', result: { code: '800.100.151' } });
    const q = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'declined-0001' });
    expect(q.json.payments[0].id).toBe((await ledger(s))[0]!.id);
  });

  it('a rejected operation shows no amount, currency or descriptor (cardprocess_test.rb failed_capture_response)', async () => {
    const s = await sim({ seed });
    const res = await op(s, PA, 'CP', '60.00');
    expect(res.json.result.code).toBe('700.400.100');
    expect(res.json.id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.json).not.toHaveProperty('amount');
    expect(res.json).not.toHaveProperty('currency');
    expect(res.json).not.toHaveProperty('descriptor');
    expect(res.json.risk).toEqual({ score: '0' });
  });

  it('a query result may lack referencedId (an unknown reference) or amount (a rejected full reversal)', async () => {
    const s = await sim({ seed });
    await op(s, pid(999), 'RF', '1.00', 'EUR', { merchantTransactionId: 'order-0001' });
    await op(s, DB, 'RF', '80.00', 'EUR', { merchantTransactionId: 'order-0001' });
    await op(s, DB, 'RV', undefined, 'EUR', { merchantTransactionId: 'order-0001' }); // refunded in full: refused
    const q = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'order-0001' });
    const [unknownRef, refund, reversal] = q.json.payments;
    expect(unknownRef).not.toHaveProperty('referencedId');
    expect(unknownRef).toMatchObject({ paymentType: 'RF', amount: '1.00', result: { code: '700.400.520' } });
    expect(refund).toMatchObject({ referencedId: DB, amount: '80.00' });
    expect(reversal).toMatchObject({ referencedId: DB, result: { code: '700.400.300' } });
    expect(reversal).not.toHaveProperty('amount');
  });

  it('parameterErrors[].value is null for a parameter not sent', async () => {
    const s = await sim({ seed });
    const res = await post(s, `/v1/payments/${PA}`, { amount: '1.00' });
    expect(res.json.result.parameterErrors).toEqual([
      { name: 'paymentType', value: null, message: 'is required' },
      { name: 'currency', value: null, message: 'is required with amount' },
    ]);
  });

  it('success is 000.100.110 in integrator test mode (the default), 000.100.112 in connector test mode, 000.000.000 with --mode live', async () => {
    const integrator = await sim({ seed });
    expect((await op(integrator, PA, 'CP', '1.00')).json.result).toEqual({ code: '000.100.110', description: "Request successfully processed in 'Merchant in Integrator Test Mode'" });
    expect((await op(integrator, PA, 'CP', '1.00', 'EUR', { testMode: 'EXTERNAL' })).json.result.code).toBe('000.100.112');
    const connector = await sim({ seed, mode: 'connector' });
    expect((await op(connector, PA, 'CP', '1.00')).json.result).toEqual({ code: '000.100.112', description: "Request successfully processed in 'Merchant in Connector Test Mode'" });
    const live = await sim({ seed, mode: 'live' });
    const res = await op(live, PA, 'CP', '1.00');
    expect(res.status).toBe(200);
    expect(res.json.result).toEqual({ code: '000.000.000', description: 'Transaction succeeded' });
    expect((await ledger(live))[0]!.resultCode).toBe('000.000.000');
  });

  it('refuses a testMode other than INTERNAL or EXTERNAL', async () => {
    const s = await sim({ seed });
    const res = await op(s, PA, 'CP', '1.00', 'EUR', { testMode: 'LIVE' });
    expect(res.json.result.parameterErrors).toEqual([{ name: 'testMode', value: 'LIVE', message: 'must be one of INTERNAL, EXTERNAL' }]);
  });
});
