import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CARD_DATA_REMOVED, createFailedWriter } from '../../src/output/failed-writer.js';
import type { OutputDialect } from '../../src/output/csv-writer.js';
import type { ColumnLayout, RowOutcome } from '../../src/rows/types.js';
import { EXCEL_DE, layoutFor, outcome, readCsv, readRecords, tempDir, UTF8_LF, VISA_TEST } from './helpers.js';

const HEADER = ['operation', 'payment_id', 'amount', 'currency', 'ticket'];
const rejected = (line: number, over: Partial<RowOutcome> = {}) =>
  outcome(['refund', '8a82944a4cc25ebf014cc2c782423202', '12.50', 'EUR', `T-${line}`], {
    line,
    status: 'rejected',
    resultCode: '700.400.200',
    resultDescription: 'cannot refund (refund volume exceeded or tx reversed or invalid workflow)',
    merchantTransactionId: `mtid${line}derived00`.slice(0, 16),
    ...over,
  });

async function writeFailed(path: string, layout: ColumnLayout, outcomes: RowOutcome[], sourceFile = 'refunds.csv', dialect: OutputDialect = UTF8_LF) {
  const w = createFailedWriter(path, layout, dialect, { sourceFile });
  for (const o of outcomes) await w.write(o);
  await w.commit();
  return w;
}

describe('failed-rows file', () => {
  it('holds only rejected, invalid, failed and unknown rows', async () => {
    const path = join(tempDir(), 'f.csv');
    const statuses = ['succeeded', 'review', 'pending', 'rejected', 'invalid', 'failed', 'unknown'] as const;
    await writeFailed(path, layoutFor(HEADER), statuses.map((status, i) => rejected(i + 2, { status })));
    expect(readRecords(path).map((r) => r.last_status)).toEqual(['rejected', 'invalid', 'failed', 'unknown']);
  });

  it('is created lazily: no file while no row failed, none at all when none did', async () => {
    const dir = tempDir();
    const path = join(dir, 'refunds.failed.csv');
    const w = createFailedWriter(path, layoutFor(HEADER), UTF8_LF, { sourceFile: 'refunds.csv' });
    await w.write(rejected(2, { status: 'succeeded' }));
    expect(readdirSync(dir)).toEqual([]);
    await w.commit();
    expect(readdirSync(dir)).toEqual([]);
    expect(w.written).toBe(false);
  });

  it('removes a stale failed-rows file from an earlier run when this run has none', async () => {
    const dir = tempDir();
    const path = join(dir, 'refunds.failed.csv');
    writeFileSync(path, 'operation,payment_id,last_status\nrefund,x,rejected\n');
    const w = await writeFailed(path, layoutFor(HEADER), [rejected(2, { status: 'succeeded' })]);
    expect(existsSync(path)).toBe(false);
    expect(w.written).toBe(false);
  });

  it('replaces a stale file when this run has failed rows', async () => {
    const dir = tempDir();
    const path = join(dir, 'refunds.failed.csv');
    writeFileSync(path, 'stale\n');
    await writeFailed(path, layoutFor(HEADER), [rejected(3)]);
    expect(readRecords(path).map((r) => r.source_line)).toEqual(['3']);
  });

  it('keeps the input columns under their names, then adds merchant_transaction_id and the carry columns', async () => {
    const path = join(tempDir(), 'f.csv');
    await writeFailed(path, layoutFor([...HEADER, 'Status', 'note']), [
      outcome(['refund', '8a82944a4cc25ebf014cc2c782423202', '12.50', 'EUR', 'T-9', 'open', 'vip'], {
        line: 9,
        status: 'unknown',
        resultCode: '900.100.300',
        resultDescription: 'timeout, uncertain result',
        merchantTransactionId: 'abcdefgh12345600',
      }),
    ]);
    const [header, row] = readCsv(path);
    expect(header).toEqual([...HEADER, 'Status', 'note', 'merchant_transaction_id', 'last_status', 'last_result_code', 'last_error', 'source_file', 'source_line']);
    expect(row).toEqual(['refund', '8a82944a4cc25ebf014cc2c782423202', '12.50', 'EUR', 'T-9', 'open', 'vip', 'abcdefgh12345600', 'unknown', '900.100.300', 'timeout, uncertain result', 'refunds.csv', '9']);
  });

  it('fills an existing merchant_transaction_id column in place with the id used', async () => {
    const path = join(tempDir(), 'f.csv');
    const header = ['Merchant Transaction ID', ...HEADER];
    await writeFailed(path, layoutFor(header), [
      outcome(['', 'refund', '8a82944a4cc25ebf014cc2c782423202', '12.50', 'EUR', 'T-2'], { status: 'rejected', merchantTransactionId: 'k3j5h2g7f8d9s0a1' }),
      outcome(['ORDER-1234', 'refund', '8a82944a4cc25ebf014cc2c782423202', '1.00', 'EUR', 'T-3'], { status: 'failed', merchantTransactionId: 'ORDER-1234' }),
    ]);
    const rows = readCsv(path);
    expect(rows[0]!.filter((h) => /merchant/i.test(h))).toEqual(['Merchant Transaction ID']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['k3j5h2g7f8d9s0a1', 'ORDER-1234']);
  });

  it('last_error: the error, else the gateway description, with the note', async () => {
    const path = join(tempDir(), 'f.csv');
    await writeFailed(path, layoutFor(HEADER), [
      rejected(2),
      rejected(3, { status: 'invalid', error: 'amount "12,50": the decimal separator is ambiguous; use --decimal-comma', resultCode: undefined }),
      rejected(4, { status: 'unknown', resultCode: '000.400.030', resultDescription: 'Transaction partially failed (please reverse manually due to failed automatic reversal)', note: 'manual action required' }),
    ]);
    expect(readRecords(path).map((r) => [r.last_result_code, r.last_error])).toEqual([
      ['700.400.200', 'cannot refund (refund volume exceeded or tx reversed or invalid workflow)'],
      ['', 'amount "12,50": the decimal separator is ambiguous; use --decimal-comma'],
      ['000.400.030', 'Transaction partially failed (please reverse manually due to failed automatic reversal); manual action required'],
    ]);
  });

  it('a card row: number masked, last_error says the card data was removed', async () => {
    const path = join(tempDir(), 'f.csv');
    const header = ['operation', 'amount', 'currency', 'card_number', 'card_holder', 'card_expiry_month', 'card_expiry_year', 'payment_brand'];
    await writeFailed(path, layoutFor(header), [
      outcome(['credit', '5.00', 'EUR', VISA_TEST, 'Jane Doe', '12', '2030', 'VISA'], {
        status: 'rejected',
        resultCode: '800.100.151',
        resultDescription: 'transaction declined (invalid card)',
        paymentType: 'CD',
        op: { type: 'CD', amount: '5.00', currency: 'EUR', card: { number: VISA_TEST, holder: 'Jane Doe', expiryMonth: '12', expiryYear: '2030', brand: 'VISA' } },
      }),
    ]);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(VISA_TEST);
    const [r] = readRecords(path);
    expect(r!.card_number).toBe('411111******1111');
    expect(r!.last_error).toBe(`transaction declined (invalid card); ${CARD_DATA_REMOVED}`);
  });

  it("an invalid row's well-formed hex ids come back whole, so the file runs again once the bad cell is fixed", async () => {
    const path = join(tempDir(), 'f.csv');
    const header = ['operation', 'payment_id', 'entity_id', 'amount', 'currency', 'note'];
    // Digit stretches inside these ids pass Luhn (runs of zeros; 8ac7a4a1 + 4111111111111111 + …): free-text masking would alter them.
    const payment = 'db000000000000000000000000000001';
    const entity = 'ab4111111111111111cdef0123456789';
    await writeFailed(path, layoutFor(header), [
      outcome(['refund', payment, entity, '12,50', 'EUR', `pasted ${VISA_TEST}`], {
        status: 'invalid',
        error: 'amount "12,50" is ambiguous',
        op: undefined,
        attempts: 0,
      }),
      outcome(['refund', `x${VISA_TEST}`, '', '1.00', 'EUR', ''], { status: 'invalid', error: 'payment_id', op: undefined, attempts: 0 }),
    ]);
    const [r, bad] = readRecords(path);
    expect([r!.payment_id, r!.entity_id, r!.note]).toEqual([payment, entity, 'pasted 411111******1111']);
    // Not a well-formed id: masked like free text.
    expect(bad!.payment_id).toBe('x411111******1111');
  });

  it('a rerun: carry columns replaced in place, not repeated; source_file and source_line kept through reruns', async () => {
    const dir = tempDir();
    // First run of refunds.csv: line 7 rejected.
    const first = join(dir, 'refunds.failed.csv');
    await writeFailed(first, layoutFor(HEADER), [rejected(7)], 'refunds.csv');
    // Rerun of refunds.failed.csv: the row (line 2 there) fails again, now unknown.
    const read1 = readCsv(first);
    const second = join(dir, 'refunds.failed.failed.csv');
    await writeFailed(second, layoutFor(read1[0]!), [
      outcome(read1[1]!, { line: 2, status: 'unknown', resultCode: '900.100.300', resultDescription: 'timeout', merchantTransactionId: read1[1]![5] }),
    ], 'refunds.failed.csv');
    const read2 = readCsv(second);
    expect(read2[0]).toEqual(read1[0]); // same columns, none repeated
    const r2 = readRecords(second)[0]!;
    expect([r2.last_status, r2.last_result_code, r2.last_error]).toEqual(['unknown', '900.100.300', 'timeout']);
    expect([r2.source_file, r2.source_line]).toEqual(['refunds.csv', '7']);
    expect(r2.merchant_transaction_id).toBe(readRecords(first)[0]!.merchant_transaction_id);
    // And once more.
    const third = join(dir, 'refunds.failed.failed.failed.csv');
    await writeFailed(third, layoutFor(read2[0]!), [outcome(read2[1]!, { line: 2, status: 'failed', error: 'gone' })], 'refunds.failed.failed.csv');
    const r3 = readRecords(third)[0]!;
    expect([r3.last_status, r3.source_file, r3.source_line]).toEqual(['failed', 'refunds.csv', '7']);
  });

  it('a row added by hand to a failed-rows file (no source) gets this file and line', async () => {
    const path = join(tempDir(), 'f.csv');
    const header = [...HEADER, 'last_status', 'last_result_code', 'last_error', 'source_file', 'source_line'];
    await writeFailed(path, layoutFor(header), [rejected(5, { cells: ['refund', 'x', '1.00', 'EUR', 'T', '', '', '', '', ''] })], 'fixes.csv');
    expect(readRecords(path).map((r) => [r.source_file, r.source_line])).toEqual([['fixes.csv', '5']]);
  });

  it('stays valid input: formula-like values are escaped the way the input reads back, in the input dialect', async () => {
    const path = join(tempDir(), 'f.csv');
    await writeFailed(path, layoutFor(HEADER), [rejected(2, { merchantTransactionId: '-starts-with-dash', error: '=bad' })], '+weird.csv', EXCEL_DE);
    const bytes = readFileSync(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('\r\n');
    const [r] = readRecords(path, ';');
    expect([r!.merchant_transaction_id, r!.last_error, r!.source_file]).toEqual(["'-starts-with-dash", "'=bad", "'+weird.csv"]);
    // What payops' input does with such a cell: drop the ' before = + - @.
    expect(r!.merchant_transaction_id!.replace(/^'(?=[=+\-@\t\r])/, '')).toBe('-starts-with-dash');
  });

  it('a kept source_file written escaped comes back once, not with a second quote', async () => {
    const dir = tempDir();
    const first = join(dir, 'a.csv');
    await writeFailed(first, layoutFor(HEADER), [rejected(4)], '-odd name.csv');
    const read1 = readCsv(first);
    const second = join(dir, 'b.csv');
    await writeFailed(second, layoutFor(read1[0]!), [outcome(read1[1]!, { line: 2, status: 'rejected' })], 'a.csv');
    expect(readRecords(second)[0]!.source_file).toBe("'-odd name.csv");
  });
});
