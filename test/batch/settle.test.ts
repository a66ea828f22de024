import { describe, expect, it } from 'vitest';
import { settleRow } from '../../src/batch/settle.js';
import { answer, fakeClient, NOT_FOUND, PAYMENT, queryAnswer, RecordingJournal, refundRow, state } from './fakes.js';

const mine = { id: 'NEW-9', paymentType: 'RF', referencedId: PAYMENT, amount: '10.00', currency: 'EUR', merchantTransactionId: 'ID-1' };

describe('settleRow (lookups, against a fake client)', () => {
  it('a lookup that finds the transaction settles the row with its outcome; nothing is sent', async () => {
    const { client, sent } = fakeClient({ GET: [queryAnswer([{ ...mine, code: '000.100.110' }])] });
    const journal = new RecordingJournal();
    const row = refundRow({ lastSentAt: Date.now(), sentEnd: Date.now(), attempts: 1 });
    const out = await settleRow(state({ client, journal }), row, 'timeout');
    expect(out).toMatchObject({ status: 'succeeded', newPaymentId: 'NEW-9', note: 'found by lookup after timeout' });
    expect(sent.map((r) => r.method)).toEqual(['GET']);
    expect(journal.outcomes).toMatchObject([{ s: 'succeeded', sent: true }]);
  });

  it('sent again only after two absent rounds; the intent is journalled before', async () => {
    const { client, sent } = fakeClient({ GET: [NOT_FOUND], POST: [answer('000.100.110', { id: 'NEW-2' })] });
    const journal = new RecordingJournal();
    const now = Date.now();
    const row = refundRow({ lastSentAt: now, sentEnd: now, attempts: 1 });
    const out = await settleRow(state({ client, journal, settleMs: 20, lookupIntervalMs: 20 }), row, 'timeout');
    expect(out).toMatchObject({ status: 'succeeded', newPaymentId: 'NEW-2' });
    expect(sent.map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
    expect(journal.intents).toHaveLength(1);
  });

  it('still unknown after --max-attempts lookups: unknown, journalled, and its payment holds its later rows', async () => {
    const { client, sent } = fakeClient({ GET: [{ kind: 'lost', reason: 'timeout' }] });
    const journal = new RecordingJournal();
    const b = state({ client, journal, maxAttempts: 2 });
    const out = await settleRow(b, refundRow(), 'timeout');
    expect(out.status).toBe('unknown');
    expect(out.error).toBe('outcome unknown (timeout); still unknown after 2 lookups: run again later to look it up');
    expect(sent).toHaveLength(2);
    expect(journal.outcomes).toMatchObject([{ s: 'unknown', sent: true, d: 'timeout' }]);
    expect(b.unsettled.get(`${refundRow().entity}/${PAYMENT}`)).toBe(2);
  });

  it('an id used at the gateway by another operation: failed, not sent', async () => {
    const { client, sent } = fakeClient({ GET: [queryAnswer([{ ...mine, amount: '99.00', code: '000.100.110' }])] });
    const out = await settleRow(state({ client }), refundRow(), 'timeout');
    expect(out).toMatchObject({ status: 'failed', error: expect.stringMatching(/is used at the gateway by another operation/) });
    expect(sent.map((r) => r.method)).toEqual(['GET']);
  });
});
