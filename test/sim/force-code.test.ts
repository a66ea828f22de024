/** --force-code AMOUNT=CODE: the answer for every request of that amount, with the gateway's description. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { startSimulator } from '../../src/sim/server.js';
import { ENTITY, get, ledger, op, pid, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const seed = [{ id: PA, paymentType: 'PA' as const, amount: '100.00', currency: 'EUR' }];

describe('--force-code', () => {
  it('a rejecting code answers HTTP 400 with its description and does not execute', async () => {
    const s = await sim({ seed, forceCodes: { '13.13': '800.100.151' } });
    const res = await op(s, PA, 'CP', '13.13');
    expect(res.status).toBe(400);
    expect(res.json.result).toEqual({ code: '800.100.151', description: describeResultCode('800.100.151') });
    expect((await op(s, PA, 'CP', '100.00')).json.result.code).toBe(SUCCESS);
  });

  it('a success or review code executes the operation', async () => {
    const s = await sim({ seed, forceCodes: { '10.00': '000.000.000', '20.00': '000.400.000' } });
    const ok = await op(s, PA, 'CP', '10.00');
    expect(ok.status).toBe(200);
    expect(ok.json.result).toEqual({ code: '000.000.000', description: 'Transaction succeeded' });
    const review = await op(s, PA, 'CP', '20.00');
    expect(review.status).toBe(200);
    expect(review.json.result.code).toBe('000.400.000');
    expect((await op(s, PA, 'CP', '70.01')).json.result.code).toBe('700.400.100');
    expect((await op(s, PA, 'CP', '70.00')).json.result.code).toBe(SUCCESS);
  });

  it('a pending code records the operation as pending without executing it', async () => {
    const s = await sim({ seed, forceCodes: { '60.00': '000.200.000' } });
    const res = await op(s, PA, 'CP', '60.00', 'EUR', { merchantTransactionId: 'pending-0001' });
    expect(res.status).toBe(200);
    expect(res.json.result.code).toBe('000.200.000');
    expect((await op(s, PA, 'CP', '100.00')).json.result.code).toBe(SUCCESS);
    const q = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'pending-0001' });
    expect(q.json.payments[0].result.code).toBe('000.200.000');
    // a pending payment cannot be referenced yet
    expect((await op(s, res.json.id, 'RF', '1.00')).json.result.code).toBe('700.400.570');
  });

  it('an unknown-group code records the operation as executed', async () => {
    const s = await sim({ seed, forceCodes: { '90.00': '900.100.300' } });
    const res = await op(s, PA, 'CP', '90.00');
    expect(res.status).toBe(400);
    expect(res.json.result).toEqual({ code: '900.100.300', description: describeResultCode('900.100.300') });
    expect((await op(s, PA, 'CP', '10.01')).json.result.code).toBe('700.400.100');
    expect((await op(s, res.json.id, 'RF', '50.00')).json.result.code).toBe(SUCCESS); // the executed CP can be refunded
    expect((await ledger(s))[0]!.resultCode).toBe('900.100.300');
  });

  it('matches amounts normalised ("7.5" forces 7.50) and applies to every operation of that amount', async () => {
    const s = await sim({ seed: [...seed, { id: pid(2), paymentType: 'DB', amount: '50.00', currency: 'EUR' }], forceCodes: { '7.5': '800.100.162' } });
    expect((await op(s, PA, 'CP', '7.50')).json.result.code).toBe('800.100.162');
    expect((await op(s, pid(2), 'RF', '7.50')).json.result.code).toBe('800.100.162');
    expect((await op(s, pid(2), 'RF', '7.51')).json.result.code).toBe(SUCCESS);
  });

  it('a forced success cannot make an impossible operation happen: the rule answers', async () => {
    const s = await sim({ seed, forceCodes: { '500.00': '000.000.000' } });
    expect((await op(s, PA, 'CP', '500.00')).json.result.code).toBe('700.400.100');
  });

  it('refuses a malformed force code at start', async () => {
    await expect(startSimulator({ forceCodes: { abc: '800.100.151' } })).rejects.toThrow(UsageError);
    await expect(startSimulator({ forceCodes: { '1.00': 'declined' } })).rejects.toThrow(/not a result code/);
  });
});
