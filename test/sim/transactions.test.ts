/** The simulator's own ledger: GET /__sim/transactions and transactions(). */
import { describe, expect, it } from 'vitest';
import { ENTITY, ledger, op, pid, post, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const RG = pid(2, 'b');
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: RG, paymentType: 'RG' as const, amount: '', currency: '' },
];

describe('GET /__sim/transactions', () => {
  it('lists every executed and rejected transaction in order, with the documented fields', async () => {
    const s = await sim({ seed });
    const a = await op(s, PA, 'CP', '10.00', 'EUR', { merchantTransactionId: 'row-0001-abc' });
    const b = await op(s, PA, 'CP', '90.00', 'EUR');
    const c = await op(s, PA, 'RV');
    const d = await post(s, `/v1/registrations/${RG}/payments`, { paymentType: 'CD', amount: '3.00', currency: 'GBP' });
    const list = await ledger(s);
    expect(list).toEqual([
      { id: a.json.id, referencedId: PA, paymentType: 'CP', amount: '10.00', currency: 'EUR', entityId: ENTITY, merchantTransactionId: 'row-0001-abc', resultCode: SUCCESS, timestamp: expect.any(String) },
      { id: b.json.id, referencedId: PA, paymentType: 'CP', amount: '90.00', currency: 'EUR', entityId: ENTITY, merchantTransactionId: null, resultCode: '700.400.100', timestamp: expect.any(String) },
      { id: c.json.id, referencedId: PA, paymentType: 'RV', amount: null, currency: null, entityId: ENTITY, merchantTransactionId: null, resultCode: '700.400.300', timestamp: expect.any(String) },
      { id: d.json.id, referencedId: RG, paymentType: 'CD', amount: '3.00', currency: 'GBP', entityId: ENTITY, merchantTransactionId: null, resultCode: SUCCESS, timestamp: expect.any(String) },
    ]);
    const times = list.map((t) => t.timestamp);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect([...times].sort()).toEqual(times);
  });

  it('does not list seeded payments or requests refused before processing', async () => {
    const s = await sim({ seed });
    await post(s, `/v1/payments/${PA}`, { paymentType: 'CP', amount: '1.00', currency: 'EUR' }, 'bad-token');
    expect(await ledger(s)).toEqual([]);
  });

  it('transactions() returns the same list in-process', async () => {
    const s = await sim({ seed });
    await op(s, PA, 'CP', '10.00');
    await op(s, PA, 'CP', '10.00');
    expect(s.transactions()).toEqual(await ledger(s));
    expect(s.transactions()).toHaveLength(2);
  });
});
