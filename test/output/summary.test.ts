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
    expect(s.toJSON().amounts_succeeded).toEqual({ RF: { EUR: '0.30' } });
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
    expect(s.toJSON().amounts_succeeded).toEqual({ CP: { EUR: '7.00' }, RF: { EUR: '13.50', JPY: '1000.00' } });
    expect(s.toJSON().full_reversals_succeeded).toBe(1);
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
    // The rate is over the rows this run processed: the one done earlier took no time.
    expect(text).toContain('rows: 5 (1 done by earlier runs); 4 processed in this run in 2.0s (2.0 rows/s)');
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
    expect(text).toMatch(/invalid rows, top reasons\n {2}1 × operation … \(first on line 9\)\n/);
  });

  it('thousands separators in the amounts people read; "1 row"', () => {
    const s = createSummary({ clock: () => 0 });
    s.add(row('RF', 'succeeded', '1234567.50'));
    const text = s.toText({ color: false, elapsedMs: 5 });
    expect(text).toMatch(/refund RF +EUR +1,234,567\.50/);
    expect(s.toJSON().amounts_succeeded).toEqual({ RF: { EUR: '1234567.50' } }); // machines get plain numbers
  });

  it('rows not started are counted apart and out of the rate', () => {
    const s = createSummary({ clock: () => 0 });
    s.add(row('RF', 'succeeded', '1.00'));
    for (let i = 0; i < 9; i++) s.add(row('RF', 'failed', '1.00', 'EUR', { notStarted: true, error: 'not started' }));
    const text = s.toText({ color: false, elapsedMs: 1000 });
    expect(text).toContain('rows: 10 (9 not started); 1 processed in this run in 1.0s (1.0 rows/s)');
    expect(text).toMatch(/not started +9\n/);
    expect(text).not.toMatch(/ failed /);
    expect(s.toJSON().not_started).toBe(9);
    expect(s.toJSON().by_status.failed).toBe(0);
  });

  it('invalid reasons: the most frequent first, values taken out; the --decimal-comma hint when most would pass', () => {
    const s = createSummary();
    for (let i = 0; i < 3; i++) s.add({ line: 2 + i, cells: [], status: 'invalid', attempts: 0, error: `amount "${i},50" is ambiguous: use ${i}.50` });
    s.add({ line: 9, cells: [], status: 'invalid', attempts: 0, error: 'payment_id "x" is not 32 hex characters' });
    expect(s.invalidReasons()).toEqual([
      { rows: 3, reason: 'amount … is ambiguous: use …', first_line: 2 },
      { rows: 1, reason: 'payment_id … is not … hex characters', first_line: 9 },
    ]);
    expect(s.decimalCommaHint()).toBeUndefined();
    for (let i = 0; i < 3; i++) s.noteDecimalComma();
    expect(s.decimalCommaHint()).toContain('3 invalid rows would be valid with --decimal-comma');
  });

  it('rows done by another file or long ago are warned about with the --batch-id hint', () => {
    const s = createSummary({ clock: () => Date.parse('2026-12-01T10:00:00Z') });
    s.add(row('RB', 'succeeded', '9.99', 'EUR', { alreadyDone: true, processedAt: '2026-11-01T09:00:00Z', note: 'already done on 2026-11-01 by november.csv line 2' }));
    expect(s.alreadyDoneWarning('december.csv')).toMatch(/1 row was not sent because identical rows were already done \(1 row by november\.csv on 2026-11-01\).*--batch-id 2026-12/);
    const same = createSummary({ clock: () => Date.parse('2026-12-01T10:00:00Z') });
    same.add(row('RB', 'succeeded', '9.99', 'EUR', { alreadyDone: true, processedAt: '2026-12-01T09:00:00Z', note: 'already done on 2026-12-01 by ops.csv line 2' }));
    expect(same.alreadyDoneWarning('ops.csv')).toBeUndefined();
  });

  it('a dry run counts "would send" and sums what would be sent', () => {
    const s = createSummary({ dryRun: true });
    s.add(row('RF', 'pending', '2.00', 'EUR', { note: 'would send' }));
    s.add(row('RF', 'pending', '3.00', 'EUR', { note: 'would look up (an earlier send has no known outcome)' }));
    const text = s.toText({ color: false, elapsedMs: 1 });
    expect(text).toMatch(/would send +1\n/);
    expect(text).toMatch(/would look up +1\n/);
    expect(text).not.toMatch(/pending/);
    expect(text).toMatch(/amounts that would be sent\n {2}refund RF +EUR +2\.00/);
  });

  it('colour only when asked', () => {
    const s = sample();
    expect(s.toText({ color: false })).not.toContain('\x1b[');
    const coloured = s.toText({ color: true });
    expect(coloured).toContain('\x1b[32msucceeded');
    expect(coloured).toContain('\x1b[31mrejected');
  });

  it('an empty run says so', () => {  // (an empty input never gets here: it is exit 2)
    expect(createSummary({ clock: () => 0 }).toText({ color: false, elapsedMs: 5 })).toBe('rows: 0 in 5ms (0 rows/s)\n');
  });
});

describe('summary JSON', () => {
  it('has schema 2, what the caller adds, and the counts, every key snake_case', () => {
    const json = sample().toJSON({
      environment: { kind: 'sim', baseUrl: 'http://127.0.0.1:4000' },
      input: 'refunds.csv',
      inputSha256: 'ab'.repeat(32),
      exitCode: 1,
    });
    expect(json.schema).toBe(2);
    expect(Object.keys(json)[0]).toBe('schema');
    expect(json).toMatchObject({
      environment: { kind: 'sim', base_url: 'http://127.0.0.1:4000' },
      input: 'refunds.csv',
      input_sha256: 'ab'.repeat(32),
      exit_code: 1,
      rows: 5,
      by_status: { succeeded: 3, review: 0, pending: 0, unknown: 0, rejected: 1, failed: 0, invalid: 1 },
      by_operation: { CP: { succeeded: 1 }, RF: { succeeded: 2, rejected: 1 }, none: { invalid: 1 } },
      amounts_succeeded: { RF: { EUR: '15.00' } },
      already_done: 1,
      not_started: 0,
      invalid_reasons: [{ rows: 1, reason: 'operation … is not known', first_line: 9 }],
      processed: 4,
      elapsed_ms: 2000,
      rows_per_second: 2,
    });
    const keys = (v: unknown): string[] =>
      v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => (Array.isArray(v) ? keys(x) : [k, ...keys(x)])) : [];
    for (const k of keys(json)) if (!/^(CP|RF|none|EUR)$/.test(k)) expect(k).toMatch(/^[a-z0-9_]+$/);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('cannot be made to carry a token or a card number, nor a different schema', () => {
    const json = sample().toJSON({ token: 'secret-token', environment: { accessToken: 'x', host: 'h' }, input: `cards ${'4111111111111111'}.csv`, schema: 2 });
    const text = JSON.stringify(json);
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('accessToken');
    expect(text).not.toContain('4111111111111111');
    expect(json.schema).toBe(2);
  });

  function sample() {
    let now = 0;
    const s = createSummary({ clock: () => now });
    s.add(row('RF', 'succeeded', '10.00'));
    s.add(row('RF', 'succeeded', '5.00'));
    s.add(row('RF', 'rejected', '5.00'));
    s.add(row('CP', 'succeeded', '1.00', 'EUR', { alreadyDone: true, attempts: 0 }));
    s.add({ line: 9, cells: [], status: 'invalid', attempts: 0, error: 'operation "refnud" is not known' });
    now = 2_000;
    return s;
  }
});
