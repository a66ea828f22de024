/** Reversals: full and partial, their effect on captures and refunds, --no-partial-reversal. */
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { op, pid, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '50.00', currency: 'EUR' },
];

describe('reversal (RV)', () => {
  it('a full reversal (no amount) ends a PA: no capture, no second reversal', async () => {
    const s = await sim({ seed });
    const rv = await op(s, PA, 'RV');
    expect(rv.status).toBe(200);
    expect(rv.json.result.code).toBe(SUCCESS);
    expect(rv.json.paymentType).toBe('RV');
    expect(rv.json.referencedId).toBe(PA);
    // a full reversal echoes what it reversed (cardprocess_test.rb successful_void_response)
    expect(rv.json).toMatchObject({ amount: '50.00', currency: 'EUR' });
    expect((await op(s, PA, 'CP', '0.01')).json.result.code).toBe('700.400.100');
    const again = await op(s, PA, 'RV');
    expect(again.status).toBe(400);
    expect(again.json.result).toEqual({ code: '700.400.300', description: describeResultCode('700.400.300') });
    expect((await op(s, PA, 'RV', '1.00')).json.result.code).toBe('700.400.300');
  });

  it('a full reversal ends a DB: no refund, no rebill, no receipt', async () => {
    const s = await sim({ seed });
    expect((await op(s, DB, 'RV')).json.result.code).toBe(SUCCESS);
    expect((await op(s, DB, 'RF', '0.01')).json.result.code).toBe('700.400.200');
    expect((await op(s, DB, 'RB', '1.00')).json.result.code).toBe('700.300.300');
    expect((await op(s, DB, 'RC', '1.00')).json.result.code).toBe('700.100.300');
  });

  it('a partial reversal lowers what can still be captured', async () => {
    const s = await sim({ seed });
    const rv = await op(s, PA, 'RV', '20.00');
    expect(rv.json.result.code).toBe(SUCCESS);
    expect(rv.json.amount).toBe('20.00');
    expect((await op(s, PA, 'CP', '30.01')).json.result.code).toBe('700.400.100');
    expect((await op(s, PA, 'CP', '30.00')).json.result.code).toBe(SUCCESS);
  });

  it('a partial reversal lowers what can still be refunded', async () => {
    const s = await sim({ seed });
    expect((await op(s, DB, 'RV', '45.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, DB, 'RF', '5.01')).json.result.code).toBe('700.400.200');
    expect((await op(s, DB, 'RF', '5.00')).json.result.code).toBe(SUCCESS);
  });

  it('a partial reversal above what is left answers 700.400.300; a full one after partial ones reverses the rest', async () => {
    const s = await sim({ seed });
    expect((await op(s, PA, 'RV', '50.01')).json.result.code).toBe('700.400.300');
    expect((await op(s, PA, 'RV', '10.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, PA, 'RV', '40.01')).json.result.code).toBe('700.400.300');
    expect((await op(s, PA, 'RV')).json.result.code).toBe(SUCCESS);
    expect((await op(s, PA, 'CP', '0.01')).json.result.code).toBe('700.400.100');
  });

  it('a full reversal after a capture or a refund answers 700.400.300', async () => {
    const s = await sim({ seed });
    expect((await op(s, PA, 'CP', '1.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, PA, 'RV')).json.result.code).toBe('700.400.300');
    expect((await op(s, DB, 'RF', '1.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, DB, 'RV')).json.result.code).toBe('700.400.300');
  });

  it('reverses a capture and a rebill, and then nothing more can be refunded on them', async () => {
    const s = await sim({ seed });
    const cp = (await op(s, PA, 'CP', '10.00')).json.id;
    expect((await op(s, cp, 'RV')).json.result.code).toBe(SUCCESS);
    expect((await op(s, cp, 'RF', '0.01')).json.result.code).toBe('700.400.200');
    const rb = (await op(s, DB, 'RB', '5.00')).json.id;
    expect((await op(s, rb, 'RV')).json.result.code).toBe(SUCCESS);
    expect((await op(s, rb, 'RF', '0.01')).json.result.code).toBe('700.400.200');
  });

  it('answers 700.400.530 for a reversal of a refund or a receipt', async () => {
    const s = await sim({ seed });
    const rf = (await op(s, DB, 'RF', '1.00')).json.id;
    expect((await op(s, rf, 'RV')).json.result).toEqual({ code: '700.400.530', description: 'reversal needs at least one successful transaction of type (CP or DB or RB or PA)' });
    const rc = (await op(s, PA, 'RC', '1.00')).json.id;
    expect((await op(s, rc, 'RV')).json.result.code).toBe('700.400.530');
  });

  it('with --no-partial-reversal, turns partial reversals down with 700.400.300 but allows full ones', async () => {
    const s = await sim({ seed, noPartialReversal: true });
    const partial = await op(s, PA, 'RV', '10.00');
    expect(partial.status).toBe(400);
    expect(partial.json.result.code).toBe('700.400.300');
    expect((await op(s, PA, 'RV')).json.result.code).toBe(SUCCESS);
  });

  it('needs amount and currency together on a partial reversal', async () => {
    const s = await sim({ seed });
    const res = await op(s, PA, 'RV', undefined, 'EUR', { currency: 'EUR' });
    expect(res.json.result.code).toBe('200.300.404');
    expect(res.json.result.parameterErrors).toEqual([{ name: 'amount', value: null, message: 'is required with currency' }]);
  });
});
