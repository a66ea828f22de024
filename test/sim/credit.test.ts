/** Credits on a registration and with card data; payments (PA, DB) created with card data. */
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { ENTITY, get, ledger, op, pid, post, sim, SUCCESS } from './helpers.js';

const RG = pid(7, 'b');
const PA = pid(1);
const NUMBER = '4111111111111111';
const year = String(new Date().getUTCFullYear() + 2);
const card = (over: Record<string, string> = {}): Record<string, string> => ({
  paymentType: 'CD',
  amount: '25.00',
  currency: 'EUR',
  paymentBrand: 'VISA',
  'card.number': NUMBER,
  'card.holder': 'Jane Jones',
  'card.expiryMonth': '05',
  'card.expiryYear': year,
  ...over,
});

describe('credit on a registration (POST /v1/registrations/{id}/payments)', () => {
  it('credits a seeded registration', async () => {
    const s = await sim({ seed: [{ id: RG, paymentType: 'RG', amount: '', currency: '' }] });
    const res = await post(s, `/v1/registrations/${RG}/payments`, { paymentType: 'CD', amount: '15.00', currency: 'EUR', merchantTransactionId: 'credit-0001' });
    expect(res.status).toBe(200);
    expect(res.json.result.code).toBe(SUCCESS);
    expect(res.json.paymentType).toBe('CD');
    expect(res.json.registrationId).toBe(RG);
    expect(res.json.amount).toBe('15.00');
    const [tx] = await ledger(s);
    expect(tx).toMatchObject({ id: res.json.id, paymentType: 'CD', referencedId: RG, amount: '15.00', currency: 'EUR', merchantTransactionId: 'credit-0001' });
  });

  it('answers 700.100.100 for an unknown registration, or a payment id used as one', async () => {
    const s = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '5.00', currency: 'EUR' }] });
    for (const id of [RG, PA]) {
      const res = await post(s, `/v1/registrations/${id}/payments`, { paymentType: 'CD', amount: '15.00', currency: 'EUR' });
      expect(res.status).toBe(400);
      expect(res.json.result.code).toBe('700.100.100');
    }
  });

  it('answers 200.300.404 for a backoffice type on a registration', async () => {
    const s = await sim({ seed: [{ id: RG, paymentType: 'RG', amount: '', currency: '' }] });
    const res = await post(s, `/v1/registrations/${RG}/payments`, { paymentType: 'RF', amount: '15.00', currency: 'EUR' });
    expect(res.json.result.code).toBe('200.300.404');
    expect(res.json.result.parameterErrors[0]).toMatchObject({ name: 'paymentType', value: 'RF' });
  });
});

describe('credit with card data (POST /v1/payments, paymentType=CD)', () => {
  it('credits a valid card and shows only its bin and last 4 digits', async () => {
    const s = await sim();
    const res = await post(s, '/v1/payments', card());
    expect(res.status).toBe(200);
    expect(res.json.result.code).toBe(SUCCESS);
    expect(res.json.paymentBrand).toBe('VISA');
    expect(res.json.card).toEqual({ bin: '411111', last4Digits: '1111', holder: 'Jane Jones', expiryMonth: '05', expiryYear: year });
    const query = await get(s, `/v1/payments/${res.json.id}`);
    const everything = JSON.stringify([res.json, query.json, await ledger(s)]);
    expect(everything).not.toContain(NUMBER);
  });

  it('answers 100.100.101 for a number failing the Luhn check', async () => {
    const s = await sim();
    const res = await post(s, '/v1/payments', card({ 'card.number': '4111111111111112' }));
    expect(res.status).toBe(400);
    expect(res.json.result).toEqual({ code: '100.100.101', description: describeResultCode('100.100.101') });
    expect(JSON.stringify(res.json)).not.toContain('4111111111111112');
  });

  it('answers 100.100.303 for an expired card, and accepts the current month', async () => {
    const s = await sim();
    const now = new Date();
    const past = await post(s, '/v1/payments', card({ 'card.expiryMonth': '01', 'card.expiryYear': String(now.getUTCFullYear() - 1) }));
    expect(past.json.result.code).toBe('100.100.303');
    const month = String(now.getUTCMonth() + 1).padStart(2, '0');
    const current = await post(s, '/v1/payments', card({ 'card.expiryMonth': month, 'card.expiryYear': String(now.getUTCFullYear()) }));
    expect(current.json.result.code).toBe(SUCCESS);
  });

  it('requires the brand and answers 100.100.700 when the number does not fit it', async () => {
    const s = await sim();
    const { paymentBrand: _b, ...noBrand } = card();
    const missing = await post(s, '/v1/payments', noBrand);
    expect(missing.json.result.code).toBe('200.300.404');
    expect(missing.json.result.parameterErrors).toEqual([{ name: 'paymentBrand', value: null, message: 'is required' }]);
    const wrong = await post(s, '/v1/payments', card({ paymentBrand: 'MASTER' }));
    expect(wrong.json.result.code).toBe('100.100.700');
  });

  it('masks a malformed card number in parameterErrors', async () => {
    const s = await sim();
    const res = await post(s, '/v1/payments', card({ 'card.number': '4111 1111 1111 1111' }));
    expect(res.json.result.code).toBe('200.300.404');
    const err = res.json.result.parameterErrors.find((e: { name: string }) => e.name === 'card.number');
    expect(err.value).not.toContain('1111 1111 1111');
    expect(JSON.stringify(res.json)).not.toMatch(/4111 1111 1111 1111/);
  });

  it('requires card data on POST /v1/payments', async () => {
    const s = await sim();
    const res = await post(s, '/v1/payments', { paymentType: 'CD', amount: '1.00', currency: 'EUR' });
    expect(res.json.result.code).toBe('200.300.404');
    expect(res.json.result.parameterErrors.map((e: { name: string }) => e.name)).toEqual([
      'card.number',
      'card.holder',
      'card.expiryMonth',
      'card.expiryYear',
      'paymentBrand',
    ]);
  });
});

describe('payments to work on (POST /v1/payments, PA and DB with card data)', () => {
  it('creates a PA that can be captured and a DB that can be refunded', async () => {
    const s = await sim();
    const pa = await post(s, '/v1/payments', card({ paymentType: 'PA', amount: '40.00' }));
    expect(pa.json.result.code).toBe(SUCCESS);
    expect(pa.json.paymentType).toBe('PA');
    expect((await op(s, pa.json.id, 'CP', '40.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, pa.json.id, 'CP', '0.01')).json.result.code).toBe('700.400.100');
    const db = await post(s, '/v1/payments', card({ paymentType: 'DB', amount: '10.00', currency: 'USD' }));
    expect((await op(s, db.json.id, 'RF', '10.00', 'USD')).json.result.code).toBe(SUCCESS);
    expect((await op(s, db.json.id, 'RF', '1.00', 'EUR')).json.result.code).toBe('700.100.500');
  });

  it('answers 200.300.404 for a backoffice type on POST /v1/payments', async () => {
    const s = await sim();
    const res = await post(s, '/v1/payments', card({ paymentType: 'CP' }));
    expect(res.json.result.code).toBe('200.300.404');
    expect(res.json.result.parameterErrors).toEqual([{ name: 'paymentType', value: 'CP', message: 'must be one of PA, DB, CD on POST /v1/payments' }]);
  });

  it('scopes created payments to the entity that made them', async () => {
    const s = await sim();
    const pa = await post(s, '/v1/payments', card({ paymentType: 'PA' }));
    expect((await ledger(s))[0]).toMatchObject({ id: pa.json.id, entityId: ENTITY, paymentType: 'PA' });
  });
});
