/** Entity scoping: another entity's payment is not found; entities accepted are the default plus the seed's. */
import { describe, expect, it } from 'vitest';
import { ENTITY, get, ledger, op, OTHER_ENTITY, pid, post, sim, SUCCESS } from './helpers.js';

const MINE = pid(1);
const THEIRS = pid(2);
const seed = [
  { id: MINE, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: THEIRS, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR', entityId: OTHER_ENTITY },
];

describe('entity scoping', () => {
  it("refuses another entity's payment with 700.400.700 on POST, and does not find it on query (700.400.580)", async () => {
    const s = await sim({ seed });
    const cp = await op(s, THEIRS, 'CP', '1.00');
    expect(cp.status).toBe(400);
    expect(cp.json.result).toEqual({ code: '700.400.700', description: 'initial and referencing channel-ids do not match' });
    const q = await get(s, `/v1/payments/${THEIRS}`, { entityId: ENTITY });
    expect(q.status).toBe(404);
    expect(q.json.result.code).toBe('700.400.580');
  });

  it("works on a seeded entity's own payments with that entity", async () => {
    const s = await sim({ seed });
    const cp = await post(s, `/v1/payments/${THEIRS}`, { entityId: OTHER_ENTITY, paymentType: 'CP', amount: '1.00', currency: 'EUR', merchantTransactionId: 'theirs-0001' });
    expect(cp.json.result.code).toBe(SUCCESS);
    expect(cp.json.ndc.startsWith(`${OTHER_ENTITY}_`)).toBe(true);
    expect((await post(s, `/v1/payments/${MINE}`, { entityId: OTHER_ENTITY, paymentType: 'CP', amount: '1.00', currency: 'EUR' })).json.result.code).toBe('700.400.700');
    expect((await get(s, `/v1/query/${THEIRS}`, { entityId: OTHER_ENTITY })).status).toBe(200);
    // its merchant transaction id is not visible to the default entity
    expect((await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'theirs-0001' })).status).toBe(404);
    expect((await get(s, '/v1/query', { entityId: OTHER_ENTITY, merchantTransactionId: 'theirs-0001' })).status).toBe(200);
    expect((await ledger(s)).map((t) => t.entityId)).toEqual([OTHER_ENTITY, OTHER_ENTITY]);
  });

  it('refuses an entity it does not know with HTTP 403 and 800.900.301, recording nothing', async () => {
    const s = await sim({ seed: [seed[0]!] });
    const res = await post(s, `/v1/payments/${MINE}`, { entityId: OTHER_ENTITY, paymentType: 'CP', amount: '1.00', currency: 'EUR' });
    expect(res.status).toBe(403);
    expect(res.json.result.code).toBe('800.900.301');
    expect((await get(s, `/v1/query/${MINE}`, { entityId: OTHER_ENTITY })).status).toBe(403);
    expect(await ledger(s)).toEqual([]);
  });
});
