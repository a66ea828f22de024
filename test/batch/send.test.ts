import { describe, expect, it } from 'vitest';
import { sendRow } from '../../src/batch/send.js';
import { answer, ENTITY, fakeClient, RecordingJournal, refundRow, state } from './fakes.js';

describe('sendRow (against a fake client)', () => {
  it('a success is recorded in the journal and is the row outcome', async () => {
    const { client, sent } = fakeClient({ POST: [answer('000.100.110', { id: 'NEW-1' })] });
    const journal = new RecordingJournal();
    const b = state({ client, journal });
    const row = refundRow();
    const r = await sendRow(b, row);
    expect(r).toMatchObject({ done: { status: 'succeeded', newPaymentId: 'NEW-1', attempts: 1, merchantTransactionId: 'ID-1' } });
    expect(sent).toHaveLength(1);
    expect(journal.outcomes).toMatchObject([{ key: 'K-1', id: 'ID-1', s: 'succeeded', sent: true, c: '000.100.110', n: 'NEW-1' }]);
    expect(row.sentEnd).toBeGreaterThan(0);
  });

  it('what certainly did not leave is sent again; a lost answer makes the outcome unknown (never sent again here)', async () => {
    const { client, sent } = fakeClient({ POST: [{ kind: 'not-sent', reason: 'ECONNREFUSED' }, { kind: 'lost', reason: 'timeout' }] });
    const b = state({ client });
    const r = await sendRow(b, refundRow());
    expect(r).toEqual({ unknown: 'timeout' });
    expect(sent).toHaveLength(2);
  });

  it('gives up after --max-attempts of what did not leave: failed, not sent', async () => {
    const { client, sent } = fakeClient({ POST: [{ kind: 'not-sent', reason: 'ECONNREFUSED' }] });
    const journal = new RecordingJournal();
    const b = state({ client, journal, maxAttempts: 2 });
    const r = await sendRow(b, refundRow());
    expect(r).toMatchObject({ done: { status: 'failed', error: 'not sent: ECONNREFUSED; gave up after 2 attempts (--max-attempts)' } });
    expect(sent).toHaveLength(2);
    expect(journal.outcomes).toMatchObject([{ s: 'failed', sent: false }]);
  });

  it('an unknown-group code sets the row aside with the answer kept for its outcome', async () => {
    const { client } = fakeClient({ POST: [answer('900.100.300')] });
    const row = refundRow();
    expect(await sendRow(state({ client }), row)).toEqual({ unknown: 'the gateway answered 900.100.300' });
    expect(row.lastResult?.result.code).toBe('900.100.300');
  });

  it('refused credentials for the default entity stop the run; the rows after it are not started', async () => {
    const { client, sent } = fakeClient({ POST: [answer('800.900.300', {}, 401)] });
    const b = state({ client });
    const first = await sendRow(b, refundRow());
    expect(first).toMatchObject({ done: { status: 'failed', error: expect.stringMatching(/^not executed: credentials refused/) } });
    expect(b.stoppedBy?.message).toMatch(/the gateway refused the access token for entity 8a82/);
    const second = await sendRow(b, refundRow({ line: 3 }));
    expect(second).toMatchObject({ done: { status: 'failed', notStarted: true } });
    expect(sent).toHaveLength(1);
  });

  it('a 404 page without gateway JSON: failed as not sent to a gateway', async () => {
    const { client } = fakeClient({ POST: [{ kind: 'answered', httpStatus: 404, body: '<html>not found</html>' }] });
    const r = await sendRow(state({ client }), refundRow());
    expect(r).toMatchObject({ done: { status: 'failed', error: expect.stringMatching(/^not sent to a gateway: the server at --gateway answered HTTP 404/) } });
  });

  it('nothing leaves once the state store cannot vouch for the run; the run stops', async () => {
    const { client, sent } = fakeClient({ POST: [answer('000.100.110')] });
    const journal = new RecordingJournal();
    journal.canSend = () => false;
    const b = state({ client, journal });
    const r = await sendRow(b, refundRow({ entity: ENTITY }));
    expect(sent).toHaveLength(0);
    expect(b.stoppedBy).toBeDefined();
    expect(r).toMatchObject({ done: { notStarted: true } });
  });

  it('at most --concurrency requests are in flight', async () => {
    const fake = fakeClient({ POST: [answer('000.100.110')] });
    const b = state({ client: fake.client, concurrency: 3 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => sendRow(b, refundRow({ line: i + 2 }))));
    expect(fake.sent).toHaveLength(20);
    expect(fake.peak()).toBe(3);
  });
});
