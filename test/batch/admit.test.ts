import { describe, expect, it } from 'vitest';
import { admitRecord, duplicateIdError, invalidError } from '../../src/batch/admit.js';
import type { Decision } from '../../src/plan/planner.js';
import { SeenIds } from '../../src/plan/txid.js';
import { ENTITY, fakePlanner, PAYMENT, state } from './fakes.js';

const rec = (cells: string[], line = 2) => ({ line, cells });

describe('admitRecord', () => {
  it('a valid row to send becomes a row with its identity and decision', () => {
    const b = state();
    const a = admitRecord(b, rec(['refund', PAYMENT, '10.00', 'EUR']), 0);
    expect(a).toMatchObject({ row: { place: 0, line: 2, entity: ENTITY, identity: { id: 'ID-1', type: 'RF', ref: PAYMENT, amount: '10.00', currency: 'EUR' }, decision: { action: 'send' } } });
  });

  it('an invalid row gets its outcome at once, after a note when it was cut short', () => {
    const a = admitRecord(state(), { line: 3, cells: ['refund', 'nope', '', ''], short: { cells: 2, header: 4 } }, 1);
    expect(a).toMatchObject({ outcome: { line: 3, status: 'invalid', error: expect.stringMatching(/^row has 2 cells, the header has 4 \(a row cut short\?\); /) } });
  });

  it('an id used by an earlier row of the file is invalid', () => {
    const b = state();
    expect('row' in admitRecord(b, rec(['refund', PAYMENT, '10.00', 'EUR', 'MY-ID-0001']), 0)).toBe(true);
    expect(admitRecord(b, rec(['refund', PAYMENT, '11.00', 'EUR', 'MY-ID-0001'], 3), 1)).toMatchObject({
      outcome: { status: 'invalid', error: 'merchant_transaction_id "MY-ID-0001" is used by an earlier row of this file; each row needs its own' },
    });
  });

  it('a dry run says what would happen, and sends nothing', () => {
    const b = state({ dryRun: true, planner: fakePlanner(() => ({ action: 'lookup', id: 'ID-1', key: 'K', gen: 0, derived: false, ids: ['ID-1'], lastSentAt: 0 }) as Decision) });
    expect(admitRecord(b, rec(['refund', PAYMENT, '10.00', 'EUR']), 0)).toMatchObject({ outcome: { status: 'pending', note: 'would look up (an earlier send has no known outcome)' } });
  });

  it('a row an earlier run completed is reported with that outcome', () => {
    const done = { action: 'done', outcome: { k: 'o', key: 'K', id: 'ID-1', s: 'succeeded', sent: true, at: '2026-01-02T03:04:05.000Z', src: 'a.csv', line: 7, n: 'NEW' } } as unknown as Decision;
    const a = admitRecord(state({ planner: fakePlanner(() => done) }), rec(['refund', PAYMENT, '10.00', 'EUR']), 0);
    expect(a).toMatchObject({ outcome: { status: 'succeeded', alreadyDone: true, newPaymentId: 'NEW', note: 'already done on 2026-01-02 by a.csv line 7' } });
  });

  it('after the run stopped, a row to send is not started', () => {
    const b = state();
    b.stop(new Error('stopped by SIGINT; more'));
    expect(admitRecord(b, rec(['refund', PAYMENT, '10.00', 'EUR']), 0)).toMatchObject({
      outcome: { status: 'failed', notStarted: true, error: 'not started: the run was stopped (stopped by SIGINT) — run the same command again' },
    });
  });
});

describe('the checks validate shares', () => {
  it('invalidError joins the errors, after the cut-short note', () => {
    expect(invalidError({ line: 1, cells: [] }, ['a', 'b'])).toBe('a; b');
    expect(invalidError({ line: 1, cells: [], short: { cells: 1, header: 3 } }, ['a'])).toBe('row has 1 cell, the header has 3 (a row cut short?); a');
  });
  it('duplicateIdError counts ids and refuses the second use', () => {
    const seen = new SeenIds();
    expect(duplicateIdError(undefined, seen)).toBeUndefined();
    expect(duplicateIdError('X', seen)).toBeUndefined();
    expect(duplicateIdError('X', seen)).toMatch(/^merchant_transaction_id "X" is used by an earlier row/);
  });
});
