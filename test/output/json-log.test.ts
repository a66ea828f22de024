import { describe, expect, it } from 'vitest';
import { createJsonLog } from '../../src/output/json-log.js';
import { outcome, VISA_TEST } from './helpers.js';

function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => lines.push(s) } };
}

describe('--log-format json', () => {
  it('writes one JSON object per line: start, failed rows, summary', () => {
    const { lines, stream } = capture();
    const log = createJsonLog(stream, { clock: () => Date.UTC(2026, 10, 24, 5, 0, 0) });
    log.start({ environment: { kind: 'sim', gateway: 'http://127.0.0.1:4000' }, input: 'refunds.csv', dialect: { delimiter: ';', lineEnding: '\r\n', bom: true, encoding: 'utf-8' } });
    log.row(outcome(['x'], { line: 2, status: 'succeeded' }));
    log.row(outcome(['x'], { line: 3, status: 'rejected', resultCode: '700.400.200', error: 'refund volume exceeded', merchantTransactionId: 'abcdefgh00000000' }));
    log.row(outcome(['x'], { line: 4, status: 'invalid', error: 'amount missing', resultCode: undefined, paymentType: undefined, merchantTransactionId: undefined }));
    log.row(outcome(['x'], { line: 5, status: 'review' }));
    log.summary({ rows: 4, exitCode: 1 });
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const events = lines.map((l) => JSON.parse(l));
    expect(events.map((e) => e.event)).toEqual(['start', 'row', 'row', 'summary']);
    expect(events.every((e) => e.schema === 2)).toBe(true);
    expect(events[0]).toEqual({
      schema: 2,
      event: 'start',
      environment: { kind: 'sim', gateway: 'http://127.0.0.1:4000' },
      input: 'refunds.csv',
      dialect: { delimiter: ';', lineEnding: '\r\n', bom: true, encoding: 'utf-8' },
      time: '2026-11-24T05:00:00.000Z',
    });
    expect(events[1]).toEqual({
      schema: 2,
      event: 'row',
      line: 3,
      status: 'rejected',
      result_code: '700.400.200',
      result_description: expect.any(String),
      columns: {},
      error: 'refund volume exceeded',
      note: null,
      merchant_transaction_id: 'abcdefgh00000000',
      payment_type: 'RF',
      time: '2026-11-24T05:00:00.000Z',
    });
    expect(events[2]).toMatchObject({ line: 4, status: 'invalid', result_code: null, merchant_transaction_id: null, payment_type: null });
    expect(events[3]).toMatchObject({ event: 'summary', rows: 4, exitCode: 1 });
  });

  it('masks card numbers in every string and never prints a token', () => {
    const { lines, stream } = capture();
    const log = createJsonLog(stream, { clock: null });
    log.start({ environment: { token: 'sk_live_abc', host: 'eu-test.oppwa.com' }, input: `${VISA_TEST}.csv`, dialect: {}, authorization: 'Bearer x' });
    log.row(outcome([VISA_TEST], { status: 'failed', error: `card ${VISA_TEST} refused`, note: `4111 1111 1111 1111` }));
    const text = lines.join('');
    expect(text).not.toContain(VISA_TEST);
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).not.toContain('sk_live_abc');
    expect(text).not.toContain('Bearer');
    expect(JSON.parse(lines[1]!).error).toBe('card 411111******1111 refused');
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('time');
  });
});
