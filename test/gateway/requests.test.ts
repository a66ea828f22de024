import { describe, expect, it } from 'vitest';
import { buildLookupRequest, buildOperationRequest } from '../../src/gateway/requests.js';
import type { Operation } from '../../src/rows/types.js';

const P = '8ac7a4a08f1b2c3d4e5f60718293a4b5';
const REG = '8ac7a4a28f1b2c3d4e5f60718293a4b7';
const ENTITY = '8a8294174b7ecb28014b9699220015ca';
const MTID = 'k3j5h7g9f1d3s500';

/** The body's parameters in order, decoded (what the gateway reads). */
const params = (body: string | undefined) => [...new URLSearchParams(body ?? '')];

describe('buildOperationRequest: path and form body per operation (SPEC §1)', () => {
  it.each([
    ['CP', '40.00', 'EUR'],
    ['RF', '12.50', 'EUR'],
    ['RB', '9.99', 'USD'],
    ['RC', '100.00', 'GBP'],
    ['RV', '5.00', 'CHF'],
    ['RF', '1000', 'JPY'],
  ] as const)('%s %s %s → POST /v1/payments/{payment_id} with exactly the five parameters', (type, amount, currency) => {
    const req = buildOperationRequest({ type, paymentId: P, amount, currency }, { entityId: ENTITY, merchantTransactionId: MTID });
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/v1/payments/${P}`);
    expect(req.body).toBe(
      `entityId=${ENTITY}&paymentType=${type}&amount=${amount}&currency=${currency}&merchantTransactionId=${MTID}`,
    );
  });

  it('a full reversal sends neither amount nor currency', () => {
    const req = buildOperationRequest({ type: 'RV', paymentId: P }, { entityId: ENTITY, merchantTransactionId: MTID });
    expect(req.path).toBe(`/v1/payments/${P}`);
    expect(params(req.body)).toEqual([
      ['entityId', ENTITY],
      ['paymentType', 'RV'],
      ['merchantTransactionId', MTID],
    ]);
    expect(req.body).not.toMatch(/amount|currency/);
  });

  it('a credit to a registration → POST /v1/registrations/{id}/payments, no card fields', () => {
    const req = buildOperationRequest(
      { type: 'CD', registrationId: REG, amount: '25.00', currency: 'EUR' },
      { entityId: ENTITY, merchantTransactionId: MTID },
    );
    expect(req).toEqual({
      method: 'POST',
      path: `/v1/registrations/${REG}/payments`,
      body: `entityId=${ENTITY}&paymentType=CD&amount=25.00&currency=EUR&merchantTransactionId=${MTID}`,
    });
  });

  it('a credit by card → POST /v1/payments with brand and card fields', () => {
    const op: Operation = {
      type: 'CD',
      amount: '25.00',
      currency: 'EUR',
      card: { number: '4200000000000000', holder: 'Jane Jones', expiryMonth: '05', expiryYear: '2034', brand: 'VISA' },
    };
    const req = buildOperationRequest(op, { entityId: ENTITY, merchantTransactionId: MTID });
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/payments');
    expect(params(req.body)).toEqual([
      ['entityId', ENTITY],
      ['paymentType', 'CD'],
      ['amount', '25.00'],
      ['currency', 'EUR'],
      ['merchantTransactionId', MTID],
      ['paymentBrand', 'VISA'],
      ['card.number', '4200000000000000'],
      ['card.holder', 'Jane Jones'],
      ['card.expiryMonth', '05'],
      ['card.expiryYear', '2034'],
    ]);
  });

  it('testMode is sent only when asked for', () => {
    const op: Operation = { type: 'CP', paymentId: P, amount: '1.00', currency: 'EUR' };
    expect(buildOperationRequest(op, { entityId: ENTITY, merchantTransactionId: MTID }).body).not.toContain('testMode');
    for (const mode of ['EXTERNAL', 'INTERNAL'] as const) {
      const body = buildOperationRequest(op, { entityId: ENTITY, merchantTransactionId: MTID, testMode: mode }).body;
      expect(params(body).filter(([k]) => k === 'testMode')).toEqual([['testMode', mode]]);
    }
    const card: Operation = {
      type: 'CD',
      amount: '1.00',
      currency: 'EUR',
      card: { number: '4200000000000000', holder: 'A', expiryMonth: '01', expiryYear: '2030', brand: 'VISA' },
    };
    expect(buildOperationRequest(card, { entityId: ENTITY, merchantTransactionId: MTID, testMode: 'EXTERNAL' }).body).toContain(
      '&testMode=EXTERNAL&',
    );
  });

  it('values are URL-encoded, so & = + space and non-ASCII cannot break or shift parameters', () => {
    const own = 'ORD 1&amount=999.00+x/é€';
    const holder = 'Zoë O\'Brien & Søn = 100%';
    const op: Operation = {
      type: 'CD',
      amount: '1.00',
      currency: 'EUR',
      card: { number: '4200000000000000', holder, expiryMonth: '01', expiryYear: '2030', brand: 'MASTER' },
    };
    const req = buildOperationRequest(op, { entityId: ENTITY, merchantTransactionId: own });
    const p = new URLSearchParams(req.body);
    expect(p.getAll('amount')).toEqual(['1.00']);
    expect(p.get('merchantTransactionId')).toBe(own);
    expect(p.get('card.holder')).toBe(holder);
    // Raw body: no unescaped separators or spaces inside values.
    for (const pair of req.body!.split('&')) expect(pair.split('=')).toHaveLength(2);
    expect(req.body).not.toMatch(/[ +€é]/);
    expect(req.body).toContain('merchantTransactionId=ORD%201%26amount%3D999.00%2Bx%2F%C3%A9%E2%82%AC');
  });
});

describe('buildLookupRequest', () => {
  it('GET /v1/query with entityId and merchantTransactionId, no body', () => {
    const req = buildLookupRequest(MTID, ENTITY);
    expect(req.method).toBe('GET');
    expect(req.body).toBeUndefined();
    expect(req.path).toBe(`/v1/query?entityId=${ENTITY}&merchantTransactionId=${MTID}`);
  });

  it('encodes an own merchant transaction id', () => {
    const req = buildLookupRequest('A&B=C D#1', ENTITY);
    const [path, query] = req.path.split('?');
    expect(path).toBe('/v1/query');
    expect(new URLSearchParams(query).get('merchantTransactionId')).toBe('A&B=C D#1');
    expect(req.path).not.toContain('#');
  });
});
