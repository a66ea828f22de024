import { describe, expect, it } from 'vitest';
import { fromMinorUnits, toMinorUnits } from '../../src/output/amounts.js';
import { createSummary } from '../../src/output/summary.js';
import type { OpType, RowOutcome } from '../../src/rows/types.js';

function row(type: OpType, status: RowOutcome['status'], amount?: string, currency = 'EUR', over: Partial<RowOutcome> = {}): RowOutcome {
  return {
    line: 2,
    cells: [],
    status,
    attempts: 1,
    paymentType: type,
    op: { type, ...(amount !== undefined ? { amount, currency } : {}) },
    ...over,
  };
}

describe('exact amounts', () => {
  it('0.10 + 0.20 is 0.30, not 0.30000000000000004', () => {
    const s = createSummary();
    s.add(row('RF', 'succeeded', '0.10'));
    s.add(row('RF', 'succeeded', '0.20'));
    expect(s.amountSucceeded('RF', 'EUR')).toBe('0.30');
    expect(s.toJSON().amountsSucceeded).toEqual({ RF: { EUR: '0.30' } });
    expect(s.toText({ color: false })).toMatch(/refund RF\s+EUR\s+0\.30\n/);
  });

  it('sums a million cents and amounts beyond 2^53 minor units exactly', () => {
    const s = createSummary();
    for (let i = 0; i < 1_000_000; i++) s.add(row('CP', 'succeeded', '0.01'));
    s.add(row('RB', 'succeeded', '999999999999.99'));
    s.add(row('RB', 'succeeded', '999999999999.99'));
    s.add(row('RB', 'succeeded', '0.02'));
    expect(s.amountSucceeded('CP', 'EUR')).toBe('10000.00');
    expect(s.amountSucceeded('RB', 'EUR')).toBe('2000000000000.00');
  });

  it('keeps currencies and operations apart; counts only succeeded and review rows of this run', () => {
    const s = createSummary();
    s.add(row('RF', 'succeeded', '12.50', 'EUR'));
    s.add(row('RF', 'review', '1.00', 'EUR'));
    s.add(row('RF', 'succeeded', '1000.00', 'JPY'));
    s.add(row('CP', 'succeeded', '7.00', 'EUR'));
    s.add(row('RF', 'rejected', '99.00', 'EUR'));
    s.add(row('RF', 'pending', '98.00', 'EUR'));
    s.add(row('RF', 'unknown', '97.00', 'EUR'));
    s.add(row('RF', 'succeeded', '50.00', 'EUR', { alreadyDone: true, attempts: 0 }));
    s.add(row('RV', 'succeeded'));
    expect(s.toJSON().amountsSucceeded).toEqual({ CP: { EUR: '7.00' }, RF: { EUR: '13.50', JPY: '1000.00' } });
    expect(s.toJSON().fullReversalsSucceeded).toBe(1);
    const text = s.toText({ color: false });
    expect(text).toContain('amounts succeeded in this run');
    expect(text).toMatch(/reversal RV: 1 full reversal\n/);
  });

  it('minor units helpers', () => {
    expect(toMinorUnits('12.5')).toBe(1250n);
    expect(toMinorUnits('12')).toBe(1200n);
    expect(toMinorUnits('12.505')).toBeUndefined();
    expect(toMinorUnits('1e3')).toBeUndefined();
    expect(fromMinorUnits(5n)).toBe('0.05');
  });
});

describe('summary table', () => {
  function sample() {
    let now = 1_000;
    const s = createSummary({ clock: () => now });
    s.add(row('RF', 'succeeded', '10.00'));
    s.add(row('RF', 'succeeded', '5.00'));
    s.add(row('RF', 'rejected', '5.00'));
    s.add(row('CP', 'succeeded', '1.00', 'EUR', { alreadyDone: true, attempts: 0 }));
    s.add({ line: 9, cells: [], status: 'invalid', attempts: 0, error: 'operation "refnud"' });
    now += 2_000;
    return s;
  }

  it('shows rows by status, by operation × status, already done, time and rows/s', () => {
    const text = sample().toText({ color: false });
    expect(text).toContain('rows: 5 in 2.0s (2.5 rows/s)');
    expect(text).toMatch(/ {2}succeeded +3\n/);
    expect(text).toMatch(/ {2}rejected +1\n/);
    expect(text).toMatch(/ {2}invalid +1\n/);
    expect(text).toContain('already done earlier: 1');
    expect(text).toMatch(/by operation +succeeded +rejected +invalid\n/);
    expect(text).toMatch(/ {2}capture CP +1 +0 +0\n/);
    expect(text).toMatch(/ {2}refund RF +2 +1 +0\n/);
    expect(text).toMatch(/ {2}\(not valid\) +0 +0 +1\n/);
    expect(text).toMatch(/refund RF +EUR +15\.00/);
    expect(text).not.toMatch(/capture CP +EUR/); // done earlier: not in this run's amounts
  });

  it('colour only when asked', () => {
    const s = sample();
    expect(s.toText({ color: false })).not.toContain('\x1b[');
    const coloured = s.toText({ color: true });
    expect(coloured).toContain('\x1b[32msucceeded');
    expect(coloured).toContain('\x1b[31mrejected');
  });

  it('an empty run says so', () => {
    expect(createSummary({ clock: () => 0 }).toText({ color: false, elapsedMs: 5 })).toBe('rows: 0 in 5ms (0 rows/s)\n');
  });
});

describe('summary JSON', () => {
  it('has schema 1, what the caller adds, and the counts', () => {
    const json = sample().toJSON({
      environment: { kind: 'sim', baseUrl: 'http://127.0.0.1:4000' },
      input: 'refunds.csv',
      inputSha256: 'ab'.repeat(32),
      exitCode: 1,
    });
    expect(json.schema).toBe(1);
    expect(Object.keys(json)[0]).toBe('schema');
    expect(json).toMatchObject({
      environment: { kind: 'sim', baseUrl: 'http://127.0.0.1:4000' },
      input: 'refunds.csv',
      inputSha256: 'ab'.repeat(32),
      exitCode: 1,
      rows: 5,
      byStatus: { succeeded: 3, review: 0, pending: 0, unknown: 0, rejected: 1, failed: 0, invalid: 1 },
      byOperation: { CP: { succeeded: 1 }, RF: { succeeded: 2, rejected: 1 }, none: { invalid: 1 } },
      amountsSucceeded: { RF: { EUR: '15.00' } },
      alreadyDone: 1,
      elapsedMs: 2000,
      rowsPerSecond: 2.5,
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('cannot be made to carry a token or a card number, nor a different schema', () => {
    const json = sample().toJSON({ token: 'secret-token', environment: { accessToken: 'x', host: 'h' }, input: `cards ${'4111111111111111'}.csv`, schema: 2 });
    const text = JSON.stringify(json);
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('accessToken');
    expect(text).not.toContain('4111111111111111');
    expect(json.schema).toBe(1);
  });

  function sample() {
    let now = 0;
    const s = createSummary({ clock: () => now });
    s.add(row('RF', 'succeeded', '10.00'));
    s.add(row('RF', 'succeeded', '5.00'));
    s.add(row('RF', 'rejected', '5.00'));
    s.add(row('CP', 'succeeded', '1.00', 'EUR', { alreadyDone: true, attempts: 0 }));
    s.add({ line: 9, cells: [], status: 'invalid', attempts: 0 });
    now = 2_000;
    return s;
  }
});
