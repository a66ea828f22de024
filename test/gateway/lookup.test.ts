import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/gateway/client.js';
import { interpretLookup, type LookupTarget } from '../../src/gateway/lookup.js';

const P = '8ac7a4a08f1b2c3d4e5f60718293a4b5';
const MTID = 'k3j5h7g9f1d3s500';
const target: LookupTarget = { type: 'RF', paymentId: P, amount: '10.00', currency: 'EUR' };

let n = 0;
function tx(code: string, over: Record<string, unknown> = {}) {
  n++;
  return {
    id: `8ac7a4a1${String(n).padStart(24, '0')}`,
    paymentType: 'RF',
    amount: '10.00',
    currency: 'EUR',
    merchantTransactionId: MTID,
    referencedId: P,
    result: { code, description: `description of ${code}` },
    ...over,
  };
}

/** The query API's answer: its own top-level result, then the transactions. */
function query(payments: unknown[] | undefined, topCode = '000.000.100'): Exchange {
  const body: Record<string, unknown> = { result: { code: topCode, description: 'successful request' } };
  if (payments) body.payments = payments;
  return { kind: 'answered', httpStatus: 200, body: JSON.stringify(body) };
}

describe('interpretLookup: found', () => {
  it.each([
    ['000.100.110', 'succeeded'],
    ['000.400.000', 'review'],
    ['000.200.000', 'pending'],
    ['700.400.200', 'rejected'],
    ['900.100.300', 'unknown'],
  ])("the matching transaction's %s is the row's outcome (%s), not the query's 000.000.100", (code, status) => {
    const t = tx(code);
    const a = interpretLookup(query([t]), target);
    expect(a.kind).toBe('found');
    if (a.kind !== 'found') return;
    expect(a.status).toBe(status);
    expect(a.result.code).toBe(code);
    expect(a.result.code).not.toBe('000.000.100');
    expect(a.result.id).toBe(t.id);
    expect(a.result).not.toHaveProperty('raw');
    expect(a).toMatchObject({ exchanged: true, foreign: false });
  });

  it('prefers a succeeded transaction over a rejected one, in either order', () => {
    const rejected = tx('700.400.200');
    const ok = tx('000.000.000');
    for (const payments of [
      [rejected, ok],
      [ok, rejected],
    ]) {
      const a = interpretLookup(query(payments), target);
      expect(a).toMatchObject({ kind: 'found', status: 'succeeded', result: { id: ok.id } });
    }
  });

  it('prefers pending over unknown over rejected', () => {
    const a = interpretLookup(query([tx('700.400.200'), tx('900.100.300'), tx('000.200.000'), tx('800.100.151')]), target);
    expect(a).toMatchObject({ kind: 'found', status: 'pending' });
    const b = interpretLookup(query([tx('700.400.200'), tx('900.100.300')]), target);
    expect(b).toMatchObject({ kind: 'found', status: 'unknown' });
  });

  it('a transaction for another operation is skipped when a matching one is there', () => {
    const other = tx('000.000.000', { amount: '99.00' });
    const mine = tx('700.400.200');
    expect(interpretLookup(query([other, mine]), target)).toMatchObject({ kind: 'found', status: 'rejected', result: { id: mine.id } });
  });

  it('a full reversal (no amount) matches the amount the gateway reports', () => {
    const t = tx('000.000.000', { paymentType: 'RV', amount: '37.20' });
    const a = interpretLookup(query([t]), { type: 'RV', paymentId: P });
    expect(a).toMatchObject({ kind: 'found', status: 'succeeded', result: { amount: '37.20' } });
  });

  it('a referenced id in upper case still matches', () => {
    const a = interpretLookup(query([tx('000.000.000', { referencedId: P.toUpperCase() })]), target);
    expect(a.kind).toBe('found');
  });

  it('a credit (no payment id) matches on type, amount and currency', () => {
    const t = tx('000.000.000', { paymentType: 'CD', referencedId: undefined });
    const a = interpretLookup(query([t]), { type: 'CD', amount: '10.00', currency: 'EUR' });
    expect(a.kind).toBe('found');
  });
});

describe('interpretLookup: absent', () => {
  it('700.400.580 (cannot find transaction) → absent', () => {
    expect(interpretLookup(query(undefined, '700.400.580'), target)).toMatchObject({ kind: 'absent' });
  });

  it('an empty payments list → absent', () => {
    expect(interpretLookup(query([]), target)).toMatchObject({ kind: 'absent' });
  });
});

describe('interpretLookup: mismatch', () => {
  it.each([
    ['another amount', { amount: '10.01' }],
    ['another currency', { currency: 'USD' }],
  ])('the id is used at the gateway for %s → mismatch, naming that transaction', (_name, over) => {
    const other = tx('000.000.000', over);
    const a = interpretLookup(query([other]), target);
    expect(a.kind).toBe('mismatch');
    if (a.kind === 'mismatch') expect(a.result.id).toBe(other.id);
  });
});

// Issue 14 point 9: merchants give every transaction of an order one id.
describe('interpretLookup: own ids that are order ids', () => {
  it.each([
    ['another type', { paymentType: 'PA' }],
    ['another payment', { referencedId: '8ac7a4a08f1b2c3d4e5f60718293ffff' }],
  ])('a transaction of %s under the id is not this row\'s → absent', (_name, over) => {
    expect(interpretLookup(query([tx('000.000.000', over)]), target)).toMatchObject({ kind: 'absent' });
  });

  it('the PA and CP of the order under the id, and this refund among them → found', () => {
    const mine = tx('000.100.110');
    const a = interpretLookup(query([tx('000.000.000', { paymentType: 'PA', referencedId: undefined }), tx('000.000.000', { paymentType: 'CP' }), mine]), target);
    expect(a).toMatchObject({ kind: 'found', status: 'succeeded', result: { id: mine.id } });
  });
});

// Issue 14 point 10.
describe('interpretLookup: amounts as numbers, missing fields', () => {
  it.each(['10', '10.0', '010.00'])('%s at the gateway is the row\'s 10.00', (amount) => {
    expect(interpretLookup(query([tx('000.000.000', { amount })]), target)).toMatchObject({ kind: 'found', status: 'succeeded' });
  });

  it.each([['paymentType'], ['referencedId'], ['amount'], ['currency']])('an answer without %s cannot confirm the row: unconfirmed, not found nor absent', (field) => {
    const t = tx('000.000.000');
    delete (t as Record<string, unknown>)[field];
    expect(interpretLookup(query([t]), target)).toMatchObject({ kind: 'unconfirmed' });
  });

  it('a rejection beside a transaction that cannot be confirmed is not taken as the outcome', () => {
    const t = tx('000.000.000');
    delete (t as Record<string, unknown>).amount;
    expect(interpretLookup(query([tx('700.400.200'), t]), target)).toMatchObject({ kind: 'unconfirmed' });
  });

  it('a field that shows another row\'s transaction decides even when another is missing', () => {
    const t = tx('000.000.000', { paymentType: 'PA' });
    delete (t as Record<string, unknown>).referencedId;
    expect(interpretLookup(query([t]), target)).toMatchObject({ kind: 'absent' });
  });
});

describe('interpretLookup: unknown and credentials', () => {
  it('a throttle naming the looked-up id is per id; one without an id is for everyone', () => {
    const named = { kind: 'answered', httpStatus: 429, body: JSON.stringify({ id: MTID, result: { code: '800.120.100', description: 'Too many requests. Please try again later.' } }) } as const;
    expect(interpretLookup(named, target, MTID)).toMatchObject({ kind: 'unknown', throttled: true, throttledId: MTID });
    expect(interpretLookup(query(undefined, '800.120.100'), target, MTID)).not.toHaveProperty('throttledId');
  });

  it('HTTP 429 → unknown, throttled, with Retry-After', () => {
    const a = interpretLookup({ kind: 'answered', httpStatus: 429, body: '', retryAfterMs: 30_000 }, target);
    expect(a).toMatchObject({ kind: 'unknown', reason: 'lookup throttled', throttled: true, retryAfterMs: 30_000 });
  });

  it('800.120.100 → unknown, throttled', () => {
    const a = interpretLookup(query(undefined, '800.120.100'), target);
    expect(a).toMatchObject({ kind: 'unknown', reason: 'lookup throttled', throttled: true });
    expect(a).not.toHaveProperty('retryAfterMs');
  });

  it.each([
    ['HTTP 500', { kind: 'answered', httpStatus: 500, body: '{"result":{"code":"900.400.100"}}' }, false],
    ['HTTP 502 HTML', { kind: 'answered', httpStatus: 502, body: '<html>' }, true],
    ['HTTP 200 not JSON', { kind: 'answered', httpStatus: 200, body: 'ok' }, true],
    ['a timeout', { kind: 'lost', reason: 'no answer within --timeout' }, false],
    ['a refused connection', { kind: 'not-sent', reason: 'connection refused' }, false],
  ] as Array<[string, Exchange, boolean]>)('%s → unknown, not throttled, not a successful exchange', (_name, ex, foreign) => {
    const a = interpretLookup(ex, target);
    expect(a).toMatchObject({ kind: 'unknown', throttled: false, exchanged: false, foreign });
  });

  it('a query answer without a payments list (and not 700.400.580) → unknown', () => {
    expect(interpretLookup(query(undefined, '000.000.100'), target)).toMatchObject({ kind: 'unknown', throttled: false });
  });

  it.each([
    ['HTTP 401', { kind: 'answered', httpStatus: 401, body: '' }],
    ['HTTP 403', { kind: 'answered', httpStatus: 403, body: '' }],
    ['800.900.300', { kind: 'answered', httpStatus: 200, body: '{"result":{"code":"800.900.300"}}' }],
  ] as Array<[string, Exchange]>)('%s → credentials', (_name, ex) => {
    expect(interpretLookup(ex, target).kind).toBe('credentials');
  });
});
