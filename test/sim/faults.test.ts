/**
 * Fault injection: each fault's effect, and reproducibility with --fault-seed
 * whatever the arrival order (decisions hang on the request's key and how
 * many times that key was seen).
 */
import { describe, expect, it } from 'vitest';
import type { RunningSimulator, SimOptions } from '../../src/sim/server.js';
import { ENTITY, get, ledger, op, pid, post, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const seed = [{ id: PA, paymentType: 'PA' as const, amount: '100000.00', currency: 'EUR' }];
const mtid = (i: number): string => `fault-row-${String(i).padStart(4, '0')}`;

type Fate = 'answered' | 'http500' | 'http429' | 'dropped' | 'stalled';

/** What happened to one capture, as a client sees it. */
async function fate(s: RunningSimulator, i: number, timeoutMs = 2500): Promise<Fate> {
  try {
    const res = await post(s, `/v1/payments/${PA}`, { paymentType: 'CP', amount: '1.00', currency: 'EUR', merchantTransactionId: mtid(i) }, undefined, timeoutMs);
    if (res.status === 500) return 'http500';
    if (res.status === 429) return 'http429';
    expect(res.json.result.code).toBe(SUCCESS);
    return 'answered';
  } catch (err) {
    return (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError' ? 'stalled' : 'dropped';
  }
}

/** Send each of n captures twice (the second send of a key is its own decision), in the given order. */
async function run(opts: SimOptions, order: number[]): Promise<Record<string, Fate[]>> {
  const s = await sim({ seed, stallMs: 60_000, ...opts }); // a stall outlasts the client's 2.5 s timeout
  const fates: Record<string, Fate[]> = {};
  await Promise.all(
    order.map(async (i) => {
      fates[mtid(i)] = [await fate(s, i), await fate(s, i)];
    }),
  );
  await s.close();
  return fates;
}

const FAULTS: SimOptions = { failRate: 0.15, throttleRate: 0.15, dropRate: 0.15, stallRate: 0.1 };
const N = 40;
const forward = Array.from({ length: N }, (_, i) => i);

describe('reproducibility', () => {
  it('a fixed fault seed gives every request key the same fate in two runs, whatever the arrival order', async () => {
    const first = await run({ ...FAULTS, faultSeed: 1234 }, forward);
    const second = await run({ ...FAULTS, faultSeed: 1234 }, [...forward].reverse());
    expect(second).toEqual(first);
    const all = Object.values(first).flat();
    for (const f of ['answered', 'http500', 'http429', 'dropped', 'stalled'] as const) expect(all).toContain(f);
  });

  it('another fault seed gives other fates', async () => {
    const a = await run({ ...FAULTS, faultSeed: 1 }, forward);
    const b = await run({ ...FAULTS, faultSeed: 2 }, forward);
    expect(b).not.toEqual(a);
  });
});

describe('each fault', () => {
  it('--fail-rate answers HTTP 500 before processing: nothing is recorded', async () => {
    const s = await sim({ seed, failRate: 1, faultSeed: 5 });
    const res = await op(s, PA, 'CP', '1.00');
    expect(res.status).toBe(500);
    expect(res.json.result.code).toMatch(/^\d{3}\.\d{3}\.\d{3}$/);
    expect(await ledger(s)).toEqual([]);
  });

  it('--throttle-rate answers HTTP 429, 800.120.100 and Retry-After: nothing is recorded', async () => {
    const s = await sim({ seed, throttleRate: 1, faultSeed: 5, retryAfterSeconds: 7 });
    const res = await op(s, PA, 'CP', '1.00');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json.result).toEqual({ code: '800.120.100', description: 'Rejected by Throttling.' });
    expect(await ledger(s)).toEqual([]);
    const q = await get(s, `/v1/query/${PA}`);
    expect(q.status).toBe(429);
  });

  it('--drop-rate processes the request, then closes the connection: the capture is in the ledger and the query API', async () => {
    const s = await sim({ seed, dropRate: 0.5, faultSeed: 99 });
    let dropped: number | undefined;
    for (let i = 0; i < 30 && dropped === undefined; i++) if ((await fate(s, i)) === 'dropped') dropped = i;
    expect(dropped).toBeDefined();
    const tx = (await ledger(s)).find((t) => t.merchantTransactionId === mtid(dropped!));
    expect(tx).toMatchObject({ paymentType: 'CP', resultCode: SUCCESS });
    let found: unknown;
    for (let attempt = 0; attempt < 30 && found === undefined; attempt++) {
      try {
        found = (await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: mtid(dropped!) })).json;
      } catch {
        // this lookup was dropped too; the next send of the same key draws again
      }
    }
    expect(found).toMatchObject({ result: { code: '000.000.100' }, payments: [{ id: tx!.id, result: { code: SUCCESS } }] });
  });

  it('--stall-rate processes the request and answers late: a client that gave up finds it by lookup', async () => {
    const s = await sim({ seed, stallRate: 1, stallMs: 150, faultSeed: 3 });
    expect(await fate(s, 1, 50)).toBe('stalled');
    const [tx] = await ledger(s);
    expect(tx).toMatchObject({ merchantTransactionId: mtid(1), resultCode: SUCCESS });
    // the lookup is stalled too, but answers after stallMs
    const q = await get(s, '/v1/query', { entityId: ENTITY, merchantTransactionId: mtid(1) });
    expect(q.json.payments[0].id).toBe(tx!.id);
  });

  it('--latency delays the answer by the given range', async () => {
    const s = await sim({ seed, latency: [80, 120], faultSeed: 3 });
    const start = performance.now();
    expect((await op(s, PA, 'CP', '1.00')).status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(75);
  });

  it('close() clears pending stall and latency timers at once', async () => {
    const stalled = await sim({ seed, stallRate: 1, faultSeed: 3 }); // default stall 65 s
    const slow = await sim({ seed, latency: [60_000, 60_000], faultSeed: 3 });
    expect(await fate(stalled, 1, 50)).toBe('stalled');
    const pending = post(slow, `/v1/payments/${PA}`, { paymentType: 'CP', amount: '1.00', currency: 'EUR' }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 30));
    const start = performance.now();
    await Promise.all([stalled.close(), slow.close()]);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    expect(slow.transactions()).toEqual([]); // latency comes before processing
    expect(stalled.transactions()).toHaveLength(1);
  }, 10_000);
});
