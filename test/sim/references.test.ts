/**
 * Issue 14, point 3: references that cannot be used get the gateway's own
 * codes — 700.400.510 / 520 / 530 / 560 when no successful transaction of a
 * type the operation needs exists (an unknown id, another type, a rejected
 * one), 700.400.700 for another entity's payment.
 */
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { ENTITY, get, ledger, op, OTHER_ENTITY, pid, post, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);
const THEIRS = pid(3);
const UNKNOWN = '12345678123456781234567812345678'; // remote_cardprocess_test.rb test_failed_capture
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '80.00', currency: 'EUR' },
  { id: THEIRS, paymentType: 'DB' as const, amount: '80.00', currency: 'EUR', entityId: OTHER_ENTITY },
];

const NEEDS = {
  CP: ['700.400.510', 'capture needs at least one successful transaction of type (PA)'],
  RF: ['700.400.520', 'refund needs at least one successful transaction of type (CP or DB or RB or RC)'],
  RV: ['700.400.530', 'reversal needs at least one successful transaction of type (CP or DB or RB or PA)'],
  RC: ['700.400.560', 'receipt needs at least one successful transaction of type (PA or CP or DB or RB)'],
} as const;

describe('references that cannot be used (point 3)', () => {
  it.each(Object.entries(NEEDS))('%s of an id the gateway never issued: %j, HTTP 400', async (type, [code, description]) => {
    const s = await sim({ seed });
    const res = await op(s, UNKNOWN, type, type === 'RV' ? undefined : '1.00');
    expect(res.status).toBe(400);
    expect(res.json.result).toEqual({ code, description });
    expect(res.json.id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.json.paymentType).toBe(type);
  });

  it('a rebill of an unknown id: 700.100.100; of a PA: 700.300.100', async () => {
    const s = await sim({ seed });
    expect((await op(s, UNKNOWN, 'RB', '1.00')).json.result.code).toBe('700.100.100');
    expect((await op(s, PA, 'RB', '1.00')).json.result.code).toBe('700.300.100');
  });

  it('a capture of a DB, a refund of a PA, a reversal of a refund, a receipt of a reversal: the 700.400.5x0 of the operation', async () => {
    const s = await sim({ seed });
    expect((await op(s, DB, 'CP', '1.00')).json.result.code).toBe('700.400.510');
    expect((await op(s, PA, 'RF', '1.00')).json.result.code).toBe('700.400.520');
    const rf = (await op(s, DB, 'RF', '1.00')).json.id;
    expect((await op(s, rf, 'RV')).json.result.code).toBe('700.400.530');
    const rv = (await op(s, PA, 'RV', '1.00')).json.id;
    expect((await op(s, rv, 'RC', '1.00')).json.result.code).toBe('700.400.560');
  });

  it('a reference to a rejected transaction: 700.400.510 for a capture of a declined PA', async () => {
    const s = await sim({ seed, forceCodes: { '7.77': '800.100.151' } });
    await post(s, '/v1/payments', {
      paymentType: 'PA', amount: '7.77', currency: 'EUR', paymentBrand: 'VISA', 'card.number': '4200000000000000',
      'card.holder': 'Jane Doe', 'card.expiryMonth': '12', 'card.expiryYear': '2099', merchantTransactionId: 'declined-pa-01',
    });
    const [declined] = await ledger(s);
    expect(declined!.resultCode).toBe('800.100.151');
    expect((await op(s, declined!.id, 'CP', '1.00')).json.result.code).toBe('700.400.510');
  });

  it("another entity's payment: 700.400.700, and nothing is consumed", async () => {
    const s = await sim({ seed });
    for (const type of ['RF', 'RV', 'RB', 'RC']) {
      const res = await op(s, THEIRS, type, type === 'RV' ? undefined : '1.00');
      expect(res.status).toBe(400);
      expect(res.json.result).toEqual({ code: '700.400.700', description: describeResultCode('700.400.700') });
    }
    const own = await post(s, `/v1/payments/${THEIRS}`, { entityId: OTHER_ENTITY, paymentType: 'RF', amount: '80.00', currency: 'EUR' });
    expect(own.json.result.code).toBe(SUCCESS);
    // and its query stays invisible to the default entity
    expect((await get(s, `/v1/query/${THEIRS}`, { entityId: ENTITY })).json.result.code).toBe('700.400.580');
  });
});
