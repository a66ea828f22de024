/**
 * Issue 14, point 8: a payment's age and state (seed columns created_at,
 * chargebacked, test_mode) and the acquirer's windows (--reversal-window,
 * --refund-window, --capture-window), answered with the gateway's codes.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { startSimulator } from '../../src/sim/server.js';
import { op, pid, post, sim, SUCCESS } from './helpers.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/sim/seed-state.csv');
const OLD_PA = pid(1);
const OLD_DB = pid(2);
const CHARGEBACKED = pid(3);
const CONNECTOR_PA = pid(4);
const FRESH_PA = pid(5);
const DAY = 86_400_000;
const CARD = { paymentBrand: 'VISA', 'card.number': '4200000000000000', 'card.holder': 'Jane Doe', 'card.expiryMonth': '12', 'card.expiryYear': '2099' };

describe('windows (point 8)', () => {
  it('--reversal-window: a reversal of an older payment answers 700.300.700; a fresh one reverses', async () => {
    const s = await sim({ seed: FIXTURE, reversalWindowMs: DAY });
    const late = await op(s, OLD_PA, 'RV');
    expect(late.status).toBe(400);
    expect(late.json.result).toEqual({ code: '700.300.700', description: 'referenced tx can not be reversed (reversal not possible anymore)' });
    expect((await op(s, OLD_PA, 'RV', '1.00')).json.result.code).toBe('700.300.700');
    expect((await op(s, FRESH_PA, 'RV')).json.result.code).toBe(SUCCESS);
    // the window runs from the referenced transaction: a fresh capture of the old PA reverses
    const cp = await op(s, OLD_PA, 'CP', '10.00');
    expect((await op(s, cp.json.id, 'RV')).json.result.code).toBe(SUCCESS);
  });

  it('--refund-window: a refund of an older payment answers 700.400.200', async () => {
    const s = await sim({ seed: FIXTURE, refundWindowMs: 180 * DAY });
    expect((await op(s, OLD_DB, 'RF', '1.00')).json.result).toEqual({ code: '700.400.200', description: 'cannot refund (refund volume exceeded or tx reversed or invalid workflow?)' });
    const db = await post(s, '/v1/payments', { paymentType: 'DB', amount: '5.00', currency: 'EUR', ...CARD });
    expect((await op(s, db.json.id, 'RF', '1.00')).json.result.code).toBe(SUCCESS);
  });

  it('--capture-window: a capture of an older PA answers 700.300.400', async () => {
    const s = await sim({ seed: FIXTURE, captureWindowMs: 7 * DAY });
    expect((await op(s, OLD_PA, 'CP', '1.00')).json.result).toEqual({ code: '700.300.400', description: 'referenced tx can not be captured (cut off time reached)' });
    expect((await op(s, FRESH_PA, 'CP', '1.00')).json.result.code).toBe(SUCCESS);
  });

  it('without windows, age does not matter', async () => {
    const s = await sim({ seed: FIXTURE });
    expect((await op(s, OLD_PA, 'CP', '1.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, OLD_DB, 'RF', '1.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, OLD_PA, 'RV', '1.00')).json.result.code).toBe(SUCCESS);
  });
});

describe('state (point 8)', () => {
  it('a chargebacked payment cannot be refunded or reversed: 700.300.600; a rebill is still possible', async () => {
    const s = await sim({ seed: FIXTURE });
    expect((await op(s, CHARGEBACKED, 'RF', '1.00')).json.result).toEqual({ code: '700.300.600', description: 'referenced tx can not be refunded or reversed (was chargebacked)' });
    expect((await op(s, CHARGEBACKED, 'RV')).json.result.code).toBe('700.300.600');
    expect((await op(s, CHARGEBACKED, 'RB', '1.00')).json.result.code).toBe(SUCCESS);
  });

  it('test mode per seed payment: a reference in another mode answers 700.100.600', async () => {
    const s = await sim({ seed: FIXTURE });
    expect((await op(s, CONNECTOR_PA, 'CP', '1.00')).json.result).toEqual({ code: '700.100.600', description: 'referenced mode does not match with requested payment mode' });
    expect((await op(s, CONNECTOR_PA, 'CP', '1.00', 'EUR', { testMode: 'EXTERNAL' })).json.result.code).toBe('000.100.112');
    // a payment without test_mode takes any mode
    expect((await op(s, FRESH_PA, 'CP', '1.00', 'EUR', { testMode: 'EXTERNAL' })).json.result.code).toBe('000.100.112');
    expect((await op(s, FRESH_PA, 'CP', '1.00')).json.result.code).toBe(SUCCESS);
  });

  it('a payment made in connector test mode keeps its mode; a live simulator refuses test-mode references to live payments', async () => {
    const s = await sim({});
    const pa = await post(s, '/v1/payments', { paymentType: 'PA', amount: '5.00', currency: 'EUR', testMode: 'EXTERNAL', ...CARD });
    expect(pa.json.result.code).toBe('000.100.112');
    expect((await op(s, pa.json.id, 'CP', '1.00')).json.result.code).toBe('700.100.600');
    expect((await op(s, pa.json.id, 'CP', '1.00', 'EUR', { testMode: 'EXTERNAL' })).json.result.code).toBe('000.100.112');
    const live = await sim({ mode: 'live', seed: [{ id: pid(9), paymentType: 'PA', amount: '5.00', currency: 'EUR', testMode: 'LIVE' }] });
    expect((await op(live, pid(9), 'CP', '1.00')).json.result.code).toBe('000.000.000');
    expect((await op(live, pid(9), 'CP', '1.00', 'EUR', { testMode: 'INTERNAL' })).json.result.code).toBe('700.100.600');
  });

  it('seed objects take the same fields, and bad values are a UsageError naming the entry', async () => {
    const s = await sim({ seed: [{ id: pid(7), paymentType: 'DB', amount: '5.00', currency: 'EUR', createdAt: new Date(Date.now() - 2 * DAY), chargebacked: true }], reversalWindowMs: DAY });
    expect((await op(s, pid(7), 'RV')).json.result.code).toBe('700.300.600');
    await expect(startSimulator({ seed: [{ id: pid(1), paymentType: 'PA', amount: '1.00', currency: 'EUR', createdAt: 'yesterday' }] })).rejects.toThrow(
      /seed entry 1: created_at "yesterday" is not a date/,
    );
    await expect(startSimulator({ seed: [{ id: pid(1), paymentType: 'PA', amount: '1.00', currency: 'EUR', chargebacked: 'maybe' }] })).rejects.toThrow(UsageError);
    await expect(startSimulator({ seed: [{ id: pid(1), paymentType: 'PA', amount: '1.00', currency: 'EUR', testMode: 'TEST' }] })).rejects.toThrow(/test_mode "TEST" is not INTERNAL, EXTERNAL or LIVE/);
  });
});
