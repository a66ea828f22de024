/** Parameter validation (200.300.404 with parameterErrors), zero and missing amounts (100.550.300). */
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { ENTITY, get, ledger, op, pid, post, postRaw, sim } from './helpers.js';

const PA = pid(1);
const seed = [{ id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' }];
const AMOUNT_MSG = 'must match ^[0-9]{1,12}(\\.[0-9]{2})?$';

describe('parameter validation', () => {
  it.each([['12.5'], ['12,50'], ['-1.00'], ['1234567890123.00'], ['1.000'], ['abc'], [' 1.00']])(
    'rejects amount %j with 200.300.404 and a parameterError',
    async (amount) => {
      const s = await sim({ seed });
      const res = await op(s, PA, 'CP', amount);
      expect(res.status).toBe(400);
      expect(res.json.result.code).toBe('200.300.404');
      expect(res.json.result.description).toBe(describeResultCode('200.300.404'));
      expect(res.json.result.parameterErrors).toEqual([{ name: 'amount', value: amount, message: AMOUNT_MSG }]);
    },
  );

  it('accepts amounts with no decimals or exactly two', async () => {
    const s = await sim({ seed });
    expect((await op(s, PA, 'CP', '12')).json).toMatchObject({ amount: '12.00', result: { code: '000.100.110' } });
    expect((await op(s, PA, 'CP', '012.34')).json).toMatchObject({ amount: '12.34', result: { code: '000.100.110' } });
  });

  it('lists every bad parameter at once', async () => {
    const s = await sim({ seed });
    const res = await postRaw(s, '/v1/payments/xyz', new URLSearchParams({ entityId: 'nope', paymentType: 'XX', amount: '1.5', currency: 'eur', merchantTransactionId: 'short' }).toString());
    expect(res.status).toBe(400);
    expect(res.json.result.code).toBe('200.300.404');
    expect(res.json.result.parameterErrors).toEqual([
      { name: 'entityId', value: 'nope', message: 'must match ^[a-f0-9]{32}$' },
      { name: 'referencedPaymentId', value: 'xyz', message: 'must match ^[a-f0-9]{32}$' },
      { name: 'paymentType', value: 'XX', message: 'must match ^(PA|DB|CD|CP|RF|RV|RB|RC)$' },
      { name: 'amount', value: '1.5', message: AMOUNT_MSG },
      { name: 'currency', value: 'eur', message: 'must match ^[A-Z]{3}$' },
      { name: 'merchantTransactionId', value: 'short', message: 'must be 8 to 255 characters long' },
    ]);
  });

  it('requires entityId and paymentType, and currency with an amount', async () => {
    const s = await sim({ seed });
    const res = await postRaw(s, `/v1/payments/${PA}`, 'amount=1.00');
    expect(res.json.result.parameterErrors).toEqual([
      { name: 'entityId', value: null, message: 'is required' },
      { name: 'paymentType', value: null, message: 'is required' },
      { name: 'currency', value: null, message: 'is required with amount' },
    ]);
  });

  it('accepts merchantTransactionId of 8 and 255 characters, not 256', async () => {
    const s = await sim({ seed });
    expect((await op(s, PA, 'CP', '1.00', 'EUR', { merchantTransactionId: 'x'.repeat(8) })).json.result.code).toBe('000.100.110');
    expect((await op(s, PA, 'CP', '1.00', 'EUR', { merchantTransactionId: 'x'.repeat(255) })).json.result.code).toBe('000.100.110');
    expect((await op(s, PA, 'CP', '1.00', 'EUR', { merchantTransactionId: 'x'.repeat(256) })).json.result.code).toBe('200.300.404');
  });

  it('answers 100.550.300 for a zero amount and for a missing one', async () => {
    const s = await sim({ seed });
    for (const amount of ['0.00', '0']) {
      const res = await op(s, PA, 'CP', amount);
      expect(res.status).toBe(400);
      expect(res.json.result).toEqual({ code: '100.550.300', description: describeResultCode('100.550.300') });
    }
    expect((await op(s, PA, 'RF')).json.result.code).toBe('100.550.300');
    expect((await op(s, PA, 'CP')).json.result.code).toBe('100.550.300');
  });

  it('answers a parameter error with the result alone (no id), and records it queryable like an executed one', async () => {
    const s = await sim({ seed });
    const res = await op(s, PA, 'CP', '1.5', 'EUR', { merchantTransactionId: 'rejected-0001' });
    // cardprocess_test.rb failed_refund_response: result, buildNumber, timestamp, ndc
    expect(Object.keys(res.json).sort()).toEqual(['buildNumber', 'ndc', 'result', 'timestamp']);
    const [tx] = await ledger(s);
    expect(tx!.id).toMatch(/^[0-9a-f]{32}$/);
    res.json.id = tx!.id;
    expect(tx).toMatchObject({ id: res.json.id, referencedId: PA, paymentType: 'CP', amount: '1.5', currency: 'EUR', entityId: ENTITY, resultCode: '200.300.404' });
    const byId = await get(s, `/v1/query/${res.json.id}`);
    expect(byId.status).toBe(200);
    expect(byId.json.result.code).toBe('200.300.404');
    expect(byId.json.result.parameterErrors).toHaveLength(1);
    const byMtid = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'rejected-0001' });
    expect(byMtid.json.payments.map((p: { id: string }) => p.id)).toEqual([res.json.id]);
  });

  it('a parameter error never consumes the payment', async () => {
    const s = await sim({ seed });
    await post(s, `/v1/payments/${PA}`, { paymentType: 'CP', amount: '50.00', currency: 'EURO' });
    expect((await op(s, PA, 'CP', '50.00')).json.result.code).toBe('000.100.110');
  });
});
