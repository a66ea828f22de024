/** Refunds: cumulative against a DB or CP (also RB and RC), never on a PA. */
import { describe, expect, it } from 'vitest';
import { describeResultCode } from '../../src/gateway/result-codes.js';
import { op, pid, sim, SUCCESS } from './helpers.js';

const PA = pid(1);
const DB = pid(2);
const seed = [
  { id: PA, paymentType: 'PA' as const, amount: '100.00', currency: 'EUR' },
  { id: DB, paymentType: 'DB' as const, amount: '30.00', currency: 'EUR' },
];

describe('refund (RF)', () => {
  it('refunds a DB cumulatively up to its amount, then answers 700.400.200', async () => {
    const s = await sim({ seed });
    expect((await op(s, DB, 'RF', '10.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, DB, 'RF', '15.00')).json.result.code).toBe(SUCCESS);
    const over = await op(s, DB, 'RF', '5.01');
    expect(over.status).toBe(400);
    expect(over.json.result).toEqual({ code: '700.400.200', description: describeResultCode('700.400.200') });
    expect((await op(s, DB, 'RF', '5.00')).json.result.code).toBe(SUCCESS);
  });

  it('refunds a CP up to what was captured, independently of the PA', async () => {
    const s = await sim({ seed });
    const cp1 = (await op(s, PA, 'CP', '40.00')).json.id;
    const cp2 = (await op(s, PA, 'CP', '20.00')).json.id;
    expect((await op(s, cp1, 'RF', '40.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, cp1, 'RF', '0.01')).json.result.code).toBe('700.400.200');
    expect((await op(s, cp2, 'RF', '20.01')).json.result.code).toBe('700.400.200');
    expect((await op(s, cp2, 'RF', '20.00')).json.result.code).toBe(SUCCESS);
  });

  it('refunds a rebill and a receipt', async () => {
    const s = await sim({ seed });
    const rb = (await op(s, DB, 'RB', '12.00')).json.id;
    expect((await op(s, rb, 'RF', '12.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, rb, 'RF', '0.01')).json.result.code).toBe('700.400.200');
    const rc = (await op(s, PA, 'RC', '8.00')).json.id;
    expect((await op(s, rc, 'RF', '8.00')).json.result.code).toBe(SUCCESS);
    expect((await op(s, rc, 'RF', '0.01')).json.result.code).toBe('700.400.200');
  });

  it('answers 700.400.520 for a refund of a PA or of a refund', async () => {
    const s = await sim({ seed });
    const pa = await op(s, PA, 'RF', '1.00');
    expect(pa.status).toBe(400);
    expect(pa.json.result).toEqual({ code: '700.400.520', description: 'refund needs at least one successful transaction of type (CP or DB or RB or RC)' });
    const rf = (await op(s, DB, 'RF', '1.00')).json.id;
    expect((await op(s, rf, 'RF', '1.00')).json.result.code).toBe('700.400.520');
  });

  it('answers 700.100.500 for a refund in another currency', async () => {
    const s = await sim({ seed });
    expect((await op(s, DB, 'RF', '1.00', 'GBP')).json.result.code).toBe('700.100.500');
  });
});
