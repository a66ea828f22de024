/** Concurrent operations on one payment never exceed its amount. */
import { describe, expect, it } from 'vitest';
import { ledger, op, pid, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);

describe('concurrency', () => {
  it('1,000 concurrent 1.00 captures against a 50.00 PA: exactly 50 succeed', async () => {
    const s = await sim({ seed: [{ id: PA, paymentType: 'PA', amount: '50.00', currency: 'EUR' }] });
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => op(s, PA, 'CP', '1.00', 'EUR', { merchantTransactionId: `cap-${String(i).padStart(6, '0')}` })));
    const codes = answers.map((a) => a.json.result.code);
    expect(codes.filter((c) => c === SUCCESS)).toHaveLength(50);
    expect(codes.filter((c) => c === '700.400.100')).toHaveLength(950);
    const list = await ledger(s);
    expect(list).toHaveLength(1000);
    expect(list.filter((t) => t.resultCode === SUCCESS)).toHaveLength(50);
  });

  it('concurrent refunds and a partial reversal against one DB never exceed its amount', async () => {
    const s = await sim({ seed: [{ id: DB, paymentType: 'DB', amount: '20.00', currency: 'EUR' }] });
    const requests = Array.from({ length: 300 }, (_, i) => (i === 150 ? op(s, DB, 'RV', '5.00') : op(s, DB, 'RF', '0.10')));
    const answers = await Promise.all(requests);
    const refunded = answers.filter((a) => a.json.paymentType === 'RF' && a.json.result.code === SUCCESS).length * 10;
    const reversed = answers.some((a) => a.json.paymentType === 'RV' && a.json.result.code === SUCCESS) ? 500 : 0;
    expect(refunded + reversed).toBeLessThanOrEqual(2000);
    expect(refunded + reversed).toBe(2000);
  });
});
