/** Captures: several partial captures up to the PA amount, --single-capture, what a capture may reference. */
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { op, pid, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '50.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '50.00', currency: 'EUR' },
];

describe('capture (CP)', () => {
  it('allows several partial captures up to the authorised amount, then answers 700.400.100', async () => {
    const s = await sim({ seed });
    expect((await op(s, PA, 'CP', '20.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, PA, 'CP', '25.00')).json.result.code).toBe(SUCCESS);
    const over = await op(s, PA, 'CP', '5.01');
    expect(over.status).toBe(400);
    expect(over.json.result).toEqual({ code: '700.400.100', description: describeResultCode('700.400.100') });
    expect(over.json.id).toMatch(/^[0-9a-f]{32}$/);
    const exact = await op(s, PA, 'CP', '5.00');
    expect(exact.status).toBe(200);
    expect(exact.json.result.code).toBe(SUCCESS);
    expect((await op(s, PA, 'CP', '0.01')).json.result.code).toBe('700.400.100');
  });

  it('answers 700.400.100 for one capture above the PA amount', async () => {
    const s = await sim({ seed });
    expect((await op(s, PA, 'CP', '50.01')).json.result.code).toBe('700.400.100');
    expect((await op(s, PA, 'CP', '50.00')).json.result.code).toBe(SUCCESS);
  });

  it('with --single-capture, the first capture closes the PA', async () => {
    const s = await sim({ seed, singleCapture: true });
    expect((await op(s, PA, 'CP', '10.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, PA, 'CP', '10.00')).json.result.code).toBe('700.400.100');
  });

  it('answers 700.400.510 when the referenced payment is not a PA', async () => {
    const s = await sim({ seed });
    const res = await op(s, DB, 'CP', '1.00');
    expect(res.status).toBe(400);
    expect(res.json.result).toEqual({ code: '700.400.510', description: 'capture needs at least one successful transaction of type (PA)' });
    const cp = await op(s, PA, 'CP', '1.00');
    expect((await op(s, cp.json.id, 'CP', '1.00')).json.result.code).toBe('700.400.510');
  });

  it('answers 700.100.500 for another currency and 700.400.510 for an unknown payment, as the gateway answered it', async () => {
    const s = await sim({ seed });
    const usd = await op(s, PA, 'CP', '1.00', 'USD');
    expect(usd.status).toBe(400);
    expect(usd.json.result).toEqual({ code: '700.100.500', description: describeResultCode('700.100.500') });
    const unknown = await op(s, pid(999), 'CP', '1.00');
    expect(unknown.status).toBe(400);
    // activemerchant remote_cardprocess_test.rb test_failed_capture: an id the gateway never issued
    expect(unknown.json.result).toEqual({ code: '700.400.510', description: describeResultCode('700.400.510') });
    expect(unknown.json.id).toMatch(/^[0-9a-f]{32}$/);
    expect(unknown.json.referencedId).toBeUndefined();
    expect(unknown.json.amount).toBeUndefined();
    // a rejected capture does not use up the authorisation
    expect((await op(s, PA, 'CP', '50.00')).json.result.code).toBe(SUCCESS);
  });

  it('accepts upper-case hex in the path and reports the lower-case id', async () => {
    const s = await sim({ seed });
    const res = await op(s, PA.toUpperCase(), 'CP', '1.00');
    expect(res.json.result.code).toBe(SUCCESS);
    expect(res.json.referencedId).toBe(PA);
  });
});
