/**
 * Issue 13, point 22: GET /__sim/transactions at 2,000,000 transactions died
 * with `RangeError: Invalid string length` (one JSON.stringify of the whole
 * ledger is longer than a string can be), and the ledger was lost. The answer
 * is streamed.
 */
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { ENTITY, op, pid, sim, SUCCESS } from './helpers.js';

describe('GET /__sim/transactions at 2,000,000 transactions', () => {
  it('answers the whole ledger as JSON, streamed, and the simulator keeps serving', { timeout: 180_000 }, async () => {
    const PA = pid(1);
    const s = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '1000000.00', currency: 'EUR' }] });
    // 2 transactions over HTTP, then the ledger filled in-process to 2,000,000 entries (2M requests would take minutes)
    await op(s, PA, 'CP', '1.00', 'EUR', { merchantTransactionId: 'first-000000001' });
    await op(s, PA, 'CP', '2.00', 'EUR', { merchantTransactionId: `x${'y'.repeat(200)}` });
    const log = s.ledgerForTests().log as unknown[];
    const last = log[1]!;
    const N = 2_000_000;
    while (log.length < N) log.push(last);

    const res = await request(`${s.url}/__sim/transactions`, { bodyTimeout: 120_000 });
    expect(res.statusCode).toBe(200);
    let bytes = 0;
    let count = 0;
    let head = '';
    let tail = '';
    const KEY = '"resultCode"';
    let carry = ''; // a key split across two chunks is counted once
    for await (const chunk of res.body) {
      const piece = (chunk as Buffer).toString('latin1');
      if (head.length < 4096) head += piece.slice(0, 4096);
      tail = (tail + piece).slice(-4096);
      bytes += piece.length;
      const text = carry + piece;
      let i = text.indexOf(KEY);
      while (i >= 0) {
        count++;
        i = text.indexOf(KEY, i + KEY.length);
      }
      carry = text.slice(-(KEY.length - 1));
    }
    expect(bytes).toBeGreaterThan(2 ** 29); // longer than the longest string V8 can hold
    expect(count).toBe(N);
    expect(head.startsWith('[{"id":')).toBe(true);
    expect(tail.endsWith('}]')).toBe(true);
    const first = JSON.parse(head.slice(1, head.indexOf('},{') + 1));
    expect(first).toMatchObject({ paymentType: 'CP', amount: '1.00', entityId: ENTITY, merchantTransactionId: 'first-000000001', resultCode: SUCCESS });
    // still alive, ledger intact
    log.length = 2;
    expect((await op(s, PA, 'CP', '3.00')).json.result.code).toBe(SUCCESS);
    expect(s.transactions()).toHaveLength(3);
  });

  it('an empty ledger is []', async () => {
    const s = await sim({});
    const res = await request(`${s.url}/__sim/transactions`);
    expect(await res.body.text()).toBe('[]');
  });
});
