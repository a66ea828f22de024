/**
 * The report's figures against results files with every status: a
 * hand-written file (fixtures/every-status.results.csv: rows done earlier, a
 * decimal-comma amount, markup in a description and a cell) and checks of
 * the grouping rules.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFromResultsFile } from '../../src/report/results-reader.js';
import { ReportBuilder, reasonKey, splitMessages, splitReason, type ReportRow } from '../../src/report/model.js';
import { resultsColumns } from '../../src/report/rows.js';
import { figuresOf, money } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/every-status.results.csv');
const META = { version: '0.0.0-test', generatedAt: '2026-12-01T12:00:00.000Z' };

describe('the model of a results file with every status', async () => {
  const model = await buildFromResultsFile(FIXTURE, META);
  const expected = figuresOf(FIXTURE);

  it('counts every row by status, as the file says', () => {
    expect(model.rows).toBe(expected.rows);
    expect(model.rows).toBe(20);
    const byStatus = Object.fromEntries(model.byStatus.map((s) => [s.status, s.rows]));
    for (const status of ['succeeded', 'review', 'pending', 'unknown', 'rejected', 'failed', 'invalid']) {
      expect(byStatus[status], status).toBe(expected.byStatus[status] ?? 0);
      expect(expected.byStatus[status], `the fixture has ${status}`).toBeGreaterThan(0);
    }
    expect(model.alreadyDone).toBe(1);
  });

  it('sums the amounts succeeded per operation and currency exactly, review included, rows done earlier not', () => {
    const got = Object.fromEntries(model.amounts.map((a) => [`${a.operation} ${a.currency}`, a.amount]));
    const want = Object.fromEntries(Object.entries(expected.amounts).map(([k, cents]) => [k, money(cents)]));
    expect(got).toEqual(want);
    // 10.00 + 0.10 + 1234.50 (decimal comma) + 2.00 (found by lookup) + 5.00 (review); not the 99.00 done earlier.
    expect(got['RF EUR']).toBe('1251.60');
    expect(got['RF GBP']).toBe('7.25');
    expect(got['CP EUR']).toBe('100.00');
    expect(model.fullReversals).toBe(1);
  });

  it('lists what needs a person, most urgent first, each with its line and ids', () => {
    expect(model.attention.total).toBe(expected.needsPerson);
    expect(model.attention.byKind).toEqual({ manual: 1, unknown: 1, review: 1, pending: 1, found: 1 });
    expect(model.attention.items.map((i) => [i.kind, i.row.line])).toEqual([
      ['manual', 12],
      ['unknown', 13],
      ['review', 10],
      ['pending', 11],
      ['found', 9],
    ]);
    const manual = model.attention.items[0]!.row;
    expect(manual.merchantTransactionId).toBe('mtx00000011');
    expect(manual.newPaymentId).toBe('5'.repeat(32));
    expect(manual.paymentId).toBe('8ac7a4a18d6b4ea5a1b2c3d4e5f60001');
  });

  it('groups failures by result code with the description and the count', () => {
    expect(model.failures.map((g) => [g.status, g.resultCode, g.rows, g.lines])).toEqual([
      ['rejected', '700.100.100', 2, [14, 15]],
      ['failed', '', 1, [17]],
      ['rejected', '700.400.200', 1, [16]],
    ]);
    expect(model.failures[0]!.description).toBe('reference id not existing');
    expect(model.failures[1]!.description).toBe('not sent: gave up after 5 attempts (--max-attempts)');
  });

  it('groups invalid rows by reason with the fix; a message with "; " inside stays one reason', () => {
    expect(model.invalid.map((g) => [g.rows, g.problem, g.fix.slice(0, 40), g.lines])).toEqual([
      [2, 'amount "12,50" is ambiguous', 'use 12.50, or run with --decimal-comma i', [18, 19]],
      [1, 'currency "XXX" is the ISO 4217 code for "no currency"', 'must be an active ISO 4217 currency code', [21]],
      [1, 'operation "chargeback" is not known', 'must be one of capture (CP), refund (RF)', [21]],
      [1, 'payment_id "not-a-payment-id"', 'must be 32 hexadecimal characters (0-9, ', [20]],
    ]);
    expect(model.invalid[3]!.fix).toBe('must be 32 hexadecimal characters (0-9, a-f); "n" is not hexadecimal');
  });

  it('lists the failed rows (the failed-rows file\'s statuses) in line order', () => {
    expect(model.failedRows.total).toBe(expected.failedRows);
    expect(model.failedRows.shown.map((r) => r.line)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  });

  it('masks a card number that reached a cell (the results writer masks them; this is the backstop)', () => {
    const row = model.failedRows.shown.find((r) => r.line === 19)!;
    expect(row.userCells.join(' ')).not.toContain('4111111111111111');
    expect(row.userCells.join(' ')).toContain('411111******1111');
  });

  it('takes the time span from processed_at', () => {
    expect(model.firstProcessedAt).toBe('2026-11-30T09:00:00.000Z');
    expect(model.lastProcessedAt).toBe('2026-12-01T10:00:17.000Z');
    expect(model.meta.userColumns).toEqual(['reference', 'comment']);
  });
});

describe('the decimal separator of a results file', () => {
  it('reads each amount with a point, else a comma; told which, only that one', async () => {
    const sum = async (decimalComma?: boolean) =>
      (await buildFromResultsFile(FIXTURE, META, decimalComma === undefined ? {} : { decimalComma })).amounts.find((a) => a.operation === 'RF' && a.currency === 'EUR')?.amount;
    expect(await sum()).toBe('1251.60');
    // A point run: "1.234,50" never went out as such; a comma run: "10.00" would have been refused.
    expect(await sum(false)).toBe('17.10');
    expect(await sum(true)).toBe('1234.50');
  });
});

describe('the columns of a results file', () => {
  it('finds the output columns and the user\'s own, not the input fields the writer renamed', () => {
    const header = ['ref', 'input_payment_type', 'payment_id', 'amount', 'currency', 'input_merchant_transaction_id', 'input_note', 'line', 'status', 'result_code', 'result_description', 'new_payment_id', 'merchant_transaction_id', 'payment_type', 'attempts', 'processed_at', 'error', 'note'];
    const found = resultsColumns(header, [1, 2, 3, 4]);
    expect('columns' in found && found.columns.userColumns).toEqual([{ index: 0, name: 'ref' }, { index: 6, name: 'input_note' }]);
    expect('columns' in found && found.columns.output.status).toBe(8);
    expect(resultsColumns(['operation', 'payment_id', 'status'], [0, 1])).toEqual({ missing: ['line', 'result_code', 'result_description', 'new_payment_id', 'merchant_transaction_id', 'payment_type', 'attempts', 'processed_at', 'error', 'note'] });
  });
});

describe('grouping rules', () => {
  it('splits a row\'s messages at "; " before a field name only', () => {
    expect(splitMessages('payment_id "x": must be 32 hexadecimal characters; "x" is not hexadecimal; currency is empty: needs one')).toEqual([
      'payment_id "x": must be 32 hexadecimal characters; "x" is not hexadecimal',
      'currency is empty: needs one',
    ]);
  });

  it('splits problem and fix at the first ": " outside quotes', () => {
    expect(splitReason('amount "1: 2" is odd: write 1.20')).toEqual({ problem: 'amount "1: 2" is odd', fix: 'write 1.20' });
    expect(splitReason('no colon here')).toEqual({ problem: 'no colon here', fix: '' });
  });

  it('puts messages that differ only in their values in one group', () => {
    expect(reasonKey('amount "12,50" is ambiguous: use 12.50')).toBe(reasonKey('amount "7,25" is ambiguous: use 7.25'));
    expect(reasonKey('amount "12,50" is ambiguous: use 12.50')).not.toBe(reasonKey('currency "XXX" is not known: use EUR'));
  });

  it('keeps the lists capped and counts what it left out', () => {
    const b = new ReportBuilder({ failedRows: 3, attention: 2 });
    const row = (line: number, status: string): ReportRow => ({
      line, status, resultCode: status === 'rejected' ? '700.100.100' : '', resultDescription: '', newPaymentId: '', merchantTransactionId: '',
      operation: 'RF', paymentId: '', amount: '1.00', currency: 'EUR', processedAt: '', error: '', note: '', alreadyDone: false, userCells: [],
    });
    for (let i = 0; i < 50; i++) b.add(row(i + 2, i % 2 ? 'rejected' : 'unknown'));
    const m = b.build({ ...META, origin: 'results-file', userColumns: [] });
    expect(m.failedRows.total).toBe(50);
    expect(m.failedRows.shown).toHaveLength(3);
    expect(m.attention.total).toBe(25);
    expect(m.attention.items).toHaveLength(2);
    expect(m.failures[0]!.rows).toBe(25);
    expect(m.failures[0]!.lines).toHaveLength(10);
  });
});
