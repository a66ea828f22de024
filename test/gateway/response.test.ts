import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/gateway/client.js';
import { describeRejection, interpretExchange, parseGatewayJson } from '../../src/gateway/response.js';

const PAYMENT = '8ac7a4a08f1b2c3d4e5f60718293a4b5';
const NEW_ID = '8ac7a4a18f1b2c3d4e5f60718293a4b6';

function answered(httpStatus: number, body: unknown, retryAfterMs?: number): Exchange {
  return {
    kind: 'answered',
    httpStatus,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

const gatewayBody = (code: string, description = 'whatever the gateway says', extra: Record<string, unknown> = {}) => ({
  id: NEW_ID,
  paymentType: 'RF',
  amount: '10.00',
  currency: 'EUR',
  merchantTransactionId: 'abcdefghijklmn00',
  referencedId: PAYMENT,
  result: { code, description },
  buildNumber: 'x',
  timestamp: '2026-11-24 05:15:12+0000',
  ...extra,
});

/** The gateway's own JSON under a status below 500: a successful exchange (docs/exactly-once.md#stopping). */
const GATEWAY = { exchanged: true, foreign: false };
/** Not the gateway's JSON: a wrong URL, a proxy page (counts towards the "first 10 answers" rule). */
const FOREIGN = { exchanged: false, foreign: true };
/** The gateway's JSON under a 5xx, or no answer at all: neither. */
const NEITHER = { exchanged: false, foreign: false };

describe('interpretExchange: outcomes come from result.code', () => {
  it('a success carries the new payment id and the echoed fields, without the raw JSON', () => {
    const r = interpretExchange(answered(200, gatewayBody('000.100.110', "Request successfully processed in 'Merchant in Integrator Test Mode'")));
    expect(r).toEqual({
      kind: 'outcome',
      status: 'succeeded',
      result: {
        code: '000.100.110',
        description: "Request successfully processed in 'Merchant in Integrator Test Mode'",
        id: NEW_ID,
        paymentType: 'RF',
        amount: '10.00',
        currency: 'EUR',
        merchantTransactionId: 'abcdefghijklmn00',
        referencedId: PAYMENT,
      },
      ...GATEWAY,
    });
  });

  it.each([
    [200, '000.000.000', 'succeeded'],
    [200, '000.400.000', 'review'],
    [200, '000.200.000', 'pending'],
    [400, '700.400.200', 'rejected'],
    [400, '800.100.151', 'rejected'],
    // The HTTP status alone never decides: a 400 carrying a success code succeeded.
    [400, '000.000.000', 'succeeded'],
    [200, '700.100.100', 'rejected'],
    // An unknown-group code is the gateway's own answer: status unknown.
    [400, '900.100.300', 'unknown'],
    [200, '800.110.100', 'unknown'],
  ])('HTTP %i with %s → outcome %s', (http, code, status) => {
    const r = interpretExchange(answered(http, gatewayBody(code)));
    expect(r).toMatchObject({ kind: 'outcome', status, result: { code }, ...GATEWAY });
    expect(r).not.toHaveProperty('note');
  });

  it('000.400.030 is unknown and puts "manual action required" in the note', () => {
    const r = interpretExchange(answered(200, gatewayBody('000.400.030')));
    expect(r).toMatchObject({ kind: 'outcome', status: 'unknown', note: 'manual action required', ...GATEWAY });
  });

  it('a rejection keeps its parameter errors for the error column', () => {
    const body = {
      result: {
        code: '200.300.404',
        description: 'invalid or missing parameter',
        parameterErrors: [
          { name: 'amount', value: '-1', message: 'must match ^[0-9]{1,12}(\\.[0-9]{2})?$' },
          { name: 'currency', value: 'XXX', message: 'invalid currency' },
        ],
      },
    };
    const r = interpretExchange(answered(400, body));
    expect(r.kind).toBe('outcome');
    if (r.kind !== 'outcome') return;
    expect(r.status).toBe('rejected');
    expect(describeRejection(r.result)).toBe('amount: must match ^[0-9]{1,12}(\\.[0-9]{2})?$; currency: invalid currency');
    expect(describeRejection({ code: '700.400.200', description: 'cannot refund' })).toBeUndefined();
    expect(describeRejection({ code: 'x', description: '', parameterErrors: [{}] })).toBe('?: invalid');
  });
});

describe('interpretExchange: throttling is retried', () => {
  it('HTTP 429 → retry, throttled, honouring Retry-After', () => {
    expect(interpretExchange(answered(429, 'Too Many Requests', 7000))).toEqual({
      kind: 'retry',
      reason: 'throttled by the gateway',
      throttled: true,
      retryAfterMs: 7000,
      ...FOREIGN,
    });
  });

  it('HTTP 429 with the gateway JSON and no Retry-After → retry, throttled, no retryAfterMs', () => {
    const r = interpretExchange(answered(429, gatewayBody('800.120.100', 'Rejected by Throttling.')));
    expect(r).toEqual({ kind: 'retry', reason: 'throttled by the gateway', throttled: true, ...GATEWAY });
  });

  it('800.120.100 under any HTTP status → retry, throttled (it was not executed)', () => {
    for (const http of [200, 400, 503]) {
      const r = interpretExchange(answered(http, gatewayBody('800.120.100', 'Rejected by Throttling.'), 1500));
      expect(r).toMatchObject({ kind: 'retry', reason: 'throttled by the gateway', throttled: true, retryAfterMs: 1500 });
    }
  });

  it('a request that never left (not-sent) → retry, not throttled', () => {
    expect(interpretExchange({ kind: 'not-sent', reason: 'connection refused' })).toEqual({
      kind: 'retry',
      reason: 'connection refused',
      throttled: false,
      ...NEITHER,
    });
  });
});

describe('interpretExchange: refused credentials', () => {
  it.each([401, 403])('HTTP %i without JSON → credentials, naming the HTTP status', (http) => {
    const r = interpretExchange(answered(http, '<html>Forbidden</html>'));
    expect(r).toEqual({ kind: 'credentials', reason: `credentials refused (HTTP ${http})`, ...FOREIGN });
  });

  it('HTTP 401 with the gateway JSON names the code and description', () => {
    const r = interpretExchange(answered(401, { result: { code: '800.900.300', description: 'invalid authentication information' } }));
    expect(r).toEqual({ kind: 'credentials', reason: 'credentials refused (800.900.300 invalid authentication information)', ...GATEWAY });
  });

  it.each(['800.900.300', '800.900.301', '800.900.302'])('%s under HTTP 200/400 → credentials', (code) => {
    for (const http of [200, 400]) {
      expect(interpretExchange(answered(http, gatewayBody(code, 'user authorization failed'))).kind).toBe('credentials');
    }
  });

  it('800.900.200 is not a credentials code: an ordinary rejection', () => {
    expect(interpretExchange(answered(400, gatewayBody('800.900.200')))).toMatchObject({ kind: 'outcome', status: 'rejected' });
  });
});

describe('interpretExchange: may have executed → unknown', () => {
  it.each([500, 502, 503, 504])('HTTP %i with an HTML page → unknown, not the gateway JSON', (http) => {
    const r = interpretExchange(answered(http, '<html><body>Bad Gateway</body></html>'));
    expect(r).toEqual({ kind: 'unknown', reason: `gateway answered HTTP ${http}`, ...FOREIGN });
  });

  it('HTTP 5xx with the gateway JSON → unknown (not the code inside), and not a successful exchange', () => {
    const r = interpretExchange(answered(500, gatewayBody('000.000.000')));
    expect(r).toEqual({ kind: 'unknown', reason: 'gateway answered HTTP 500', ...NEITHER });
  });

  it.each([
    ['HTML', '<!doctype html><title>Login</title>'],
    ['empty', ''],
    ['JSON without result', '{"id":"x"}'],
    ['JSON with a numeric code', '{"result":{"code":0}}'],
    ['JSON null', 'null'],
    ['JSON array', '[{"result":{"code":"000.000.000"}}]'],
    ['truncated JSON', '{"result":{"code":"000.000.000"'],
  ])('HTTP 200 with %s → unknown, not the gateway JSON', (_name, body) => {
    const r = interpretExchange(answered(200, body));
    expect(r).toEqual({ kind: 'unknown', reason: 'HTTP 200 without a readable result.code', ...FOREIGN });
  });

  it('HTTP 200 with a malformed result.code string → outcome unknown', () => {
    expect(interpretExchange(answered(200, { result: { code: 'OK' } }))).toMatchObject({ kind: 'outcome', status: 'unknown' });
  });

  it('a lost exchange (timeout, connection dropped) → unknown, no gateway JSON seen', () => {
    expect(interpretExchange({ kind: 'lost', reason: 'no answer within --timeout' })).toEqual({
      kind: 'unknown',
      reason: 'no answer within --timeout',
      ...NEITHER,
    });
  });
});

describe('parseGatewayJson', () => {
  it('reads code and description, ignores non-string fields, keeps the raw object', () => {
    const p = parseGatewayJson(JSON.stringify({ id: 42, amount: 10, currency: 'EUR', result: { code: '000.000.000' } }));
    expect(p).toBeDefined();
    expect(p!.code).toBe('000.000.000');
    expect(p!.description).toBe('');
    expect(p!.id).toBeUndefined();
    expect(p!.amount).toBeUndefined();
    expect(p!.currency).toBe('EUR');
    expect(p!.raw).toMatchObject({ id: 42 });
  });
});
