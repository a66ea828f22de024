/** Starting in-process, the JSON shape, authentication, routing, unknown parameters. */
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { DEFAULT_SIM_ENTITY, DEFAULT_SIM_TOKEN } from '../../src/sim/server.js';
import { agent, ENTITY, get, ledger, op, pid, post, postRaw, sim, SUCCESS } from './helpers.js';

const PA = pid(1);

describe('starting', () => {
  it('listens on loopback on a free port with port 0 and exports the defaults', async () => {
    const s = await sim();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(s.url).port)).toBeGreaterThan(0);
    expect(DEFAULT_SIM_TOKEN).toBe('sim-token');
    expect(DEFAULT_SIM_ENTITY).toBe('8a8294174b7ecb28014b9699220015ca');
  });

  it('two simulators run side by side with separate ledgers', async () => {
    const a = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '10.00', currency: 'EUR' }] });
    const b = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '10.00', currency: 'EUR' }] });
    expect(a.url).not.toBe(b.url);
    expect((await op(a, PA, 'CP', '10.00')).json.result.code).toBe(SUCCESS);
    expect((await op(b, PA, 'CP', '10.00')).json.result.code).toBe(SUCCESS);
    expect(a.transactions()).toHaveLength(1);
  });

  it('close() stops it: a new connection is refused', async () => {
    const s = await sim();
    await s.close();
    await expect(request(`${s.url}/__sim/transactions`)).rejects.toThrow();
  });
});

describe('the JSON of a successful operation', () => {
  it('has the gateway shape: 32-hex id, referencedId, amounts, descriptor, result, buildNumber, gateway timestamp, ndc', async () => {
    const s = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '50.00', currency: 'EUR' }] });
    const res = await op(s, PA, 'CP', '12.50', 'EUR', { merchantTransactionId: 'order-0001-cp' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const j = res.json;
    expect(j.id).toMatch(/^[0-9a-f]{32}$/);
    expect(j.id).not.toBe(PA);
    expect(j.referencedId).toBe(PA);
    expect(j.paymentType).toBe('CP');
    expect(j.amount).toBe('12.50');
    expect(j.currency).toBe('EUR');
    expect(typeof j.descriptor).toBe('string');
    expect(j.merchantTransactionId).toBe('order-0001-cp');
    expect(j.result).toEqual({ code: '000.100.110', description: "Request successfully processed in 'Merchant in Integrator Test Mode'" });
    expect(typeof j.buildNumber).toBe('string');
    expect(j.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(j.ndc).toMatch(new RegExp(`^${ENTITY}_[0-9a-f]{32}$`));
  });

  it('gives every new transaction a different id', async () => {
    const s = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '50.00', currency: 'EUR' }] });
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await op(s, PA, 'CP', '0.01')).json.id);
    expect(ids.size).toBe(20);
  });

  it('ignores unknown parameters, as the gateway does (testMode=EXTERNAL is connector test mode: 000.100.112)', async () => {
    const s = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '50.00', currency: 'EUR' }] });
    const res = await op(s, PA, 'CP', '1.00', 'EUR', { testMode: 'EXTERNAL', 'customParameters[ticket]': 'T-1', shopperResultUrl: 'x' });
    expect(res.status).toBe(200);
    expect(res.json.result.code).toBe('000.100.112');
    expect((await op(s, PA, 'CP', '1.00', 'EUR', { 'customParameters[ticket]': 'T-2' })).json.result.code).toBe(SUCCESS);
  });
});

describe('authentication', () => {
  it('answers HTTP 401 with 800.900.300 for a missing token, and records nothing', async () => {
    const s = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '50.00', currency: 'EUR' }] });
    const res = await post(s, `/v1/payments/${PA}`, { paymentType: 'CP', amount: '1.00', currency: 'EUR' }, null);
    expect(res.status).toBe(401);
    expect(res.json.result).toEqual({ code: '800.900.300', description: describeResultCode('800.900.300') });
    expect(await ledger(s)).toEqual([]);
  });

  it('answers HTTP 401 for a wrong token and for a token in another scheme, also on queries', async () => {
    const s = await sim({ token: 'right' });
    expect((await post(s, `/v1/payments/${PA}`, { paymentType: 'CP', amount: '1.00', currency: 'EUR' }, 'wrong')).status).toBe(401);
    const basic = await postRaw(s, `/v1/payments/${PA}`, `entityId=${ENTITY}`, null);
    expect(basic.status).toBe(401);
    const q = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: 'abcdefgh' }, 'sim-token');
    expect(q.status).toBe(401);
    expect(q.json.result.code).toBe('800.900.300');
  });

  it('accepts the token given in the options', async () => {
    const s = await sim({ token: 'right', seed: [{ id: PA, paymentType: 'PA', amount: '50.00', currency: 'EUR' }] });
    expect((await post(s, `/v1/payments/${PA}`, { paymentType: 'CP', amount: '1.00', currency: 'EUR' }, 'right')).status).toBe(200);
  });
});

describe('routing', () => {
  it('answers 404 with a gateway-shaped JSON for an unknown path and 405 for a wrong method', async () => {
    const s = await sim();
    const nf = await get(s, '/v1/nothing');
    expect(nf.status).toBe(404);
    expect(nf.json.result.code).toBe('200.300.404');
    const res = await request(`${s.url}/v1/payments`, { method: 'GET', dispatcher: agent });
    expect(res.statusCode).toBe(405);
    await res.body.dump();
  });

  it('refuses a body over 1 MB with HTTP 413 and records nothing', async () => {
    const s = await sim();
    const res = await postRaw(s, `/v1/payments/${PA}`, `entityId=${ENTITY}&junk=${'x'.repeat(1_100_000)}`);
    expect(res.status).toBe(413);
    expect(await ledger(s)).toEqual([]);
  });

  it('serves the ledger without a token and without faults', async () => {
    const s = await sim({ failRate: 1, faultSeed: 1 });
    const res = await request(`${s.url}/__sim/transactions`, { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual([]);
  });
});
