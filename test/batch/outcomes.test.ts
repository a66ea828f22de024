import { describe, expect, it } from 'vitest';
import { base, earlier, failed, fromResult, notStartedError, record } from '../../src/batch/outcomes.js';
import type { OutcomeRecord } from '../../src/plan/journal.js';
import { RecordingJournal, refundRow } from './fakes.js';

const at = (journal: RecordingJournal) => ({ o: { journal, sourceName: 'in.csv' } });

describe('outcomes', () => {
  it('base: a failed outcome with the cells, the operation and the id', () => {
    const row = refundRow();
    expect(base(row, 'ID-1')).toEqual({ line: 2, cells: row.cells, status: 'failed', attempts: 0, op: row.op, paymentType: 'RF', merchantTransactionId: 'ID-1' });
    expect(base(row, undefined)).not.toHaveProperty('merchantTransactionId');
  });

  it("fromResult: the gateway's answer, a rejection's parameter errors as the error", () => {
    const out = fromResult(refundRow({ attempts: 2 }), 'rejected', { code: '200.300.404', description: 'invalid', parameterErrors: [{ name: 'amount', message: 'too big' }] });
    expect(out).toMatchObject({ status: 'rejected', resultCode: '200.300.404', resultDescription: 'invalid', attempts: 2, error: 'amount: too big' });
  });

  it('failed and record journal the outcome (failed says whether it was sent)', () => {
    const journal = new RecordingJournal();
    failed(at(journal), refundRow(), 'not sent: x', false);
    record(at(journal), refundRow(), { ...fromResult(refundRow(), 'succeeded', { code: '000.100.110', description: '', id: 'NEW' }) });
    expect(journal.outcomes).toMatchObject([
      { key: 'K-1', id: 'ID-1', s: 'failed', sent: false, d: 'not sent: x', src: 'in.csv', line: 2 },
      { key: 'K-1', id: 'ID-1', s: 'succeeded', sent: true, c: '000.100.110', d: '', n: 'NEW', src: 'in.csv', line: 2 },
    ]);
  });

  it("earlier: a row an earlier run completed, with that run's outcome and where it came from", () => {
    const rec = { key: 'K', id: 'ID-0', s: 'succeeded', sent: true, at: '2026-03-04T05:06:07.000Z', src: 'a.csv', line: 9, c: '000.100.110', n: 'NEW' } as OutcomeRecord;
    expect(earlier(refundRow(), rec)).toMatchObject({ status: 'succeeded', alreadyDone: true, merchantTransactionId: 'ID-0', newPaymentId: 'NEW', note: 'already done on 2026-03-04 by a.csv line 9' });
  });

  it('notStartedError names the first part of the reason', () => {
    expect(notStartedError(new Error('no answer; run again'))).toBe('not started: the run was stopped (no answer) — run the same command again');
  });
});
