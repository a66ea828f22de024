/** Rebills (only on a DB) and receipts (on a PA, also CP, DB, RB). */
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { op, pid, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '50.00', currency: 'EUR' },
];

describe('rebill (RB)', () => {
  it('rebills a DB, several times and for more than its amount', async () => {
    const s = await sim({ seed });
    const rb = await op(s, DB, 'RB', '50.00');
    expect(rb.status).toBe(200);
    expect(rb.json.result.code).toBe(SUCCESS);
    expect(rb.json.paymentType).toBe('RB');
    expect(rb.json.referencedId).toBe(DB);
    expect((await op(s, DB, 'RB', '75.00')).json.result.code).toBe(SUCCESS);
  });

  it('answers 700.300.100 for a rebill of anything but a DB', async () => {
    const s = await sim({ seed });
    const res = await op(s, PA, 'RB', '1.00');
    expect(res.status).toBe(400);
    expect(res.json.result).toEqual({ code: '700.300.100', description: describeResultCode('700.300.100') });
    const rb = (await op(s, DB, 'RB', '1.00')).json.id;
    expect((await op(s, rb, 'RB', '1.00')).json.result.code).toBe('700.300.100');
  });
});

describe('receipt (RC)', () => {
  it('receipts a PA, a CP, a DB and an RB', async () => {
    const s = await sim({ seed });
    expect((await op(s, PA, 'RC', '10.00')).json.result.code).toBe(SUCCESS);
    const cp = (await op(s, PA, 'CP', '10.00')).json.id;
    expect((await op(s, cp, 'RC', '10.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, DB, 'RC', '10.00')).json.result.code).toBe(SUCCESS);
    const rb = (await op(s, DB, 'RB', '10.00')).json.id;
    const rc = await op(s, rb, 'RC', '10.00');
    expect(rc.json.result.code).toBe(SUCCESS);
    expect(rc.json.paymentType).toBe('RC');
  });

  it('answers 700.400.560 for a receipt of a refund, and 700.100.300 beyond the payment amount', async () => {
    const s = await sim({ seed });
    const rf = (await op(s, DB, 'RF', '1.00')).json.id;
    expect((await op(s, rf, 'RC', '1.00')).json.result.code).toBe('700.400.560');
    expect((await op(s, PA, 'RC', '30.00')).json.result.code).toBe(SUCCESS);
    const over = await op(s, PA, 'RC', '20.01');
    expect(over.status).toBe(400);
    expect(over.json.result).toEqual({ code: '700.100.300', description: describeResultCode('700.100.300') });
  });
});
