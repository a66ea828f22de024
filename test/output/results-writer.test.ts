import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OUTPUT_COLUMNS } from '../../src/output/columns.js';
import { createFailedWriter } from '../../src/output/failed-writer.js';
import { createResultsWriter } from '../../src/output/results-writer.js';
import { EXCEL_DE, layoutFor, outcome, readCsv, readRecords, tempDir, UTF8_LF, VISA_TEST } from './helpers.js';

const HEADER = ['Operation', 'Payment ID', 'Amount', 'Currency', 'Ticket', 'Status', 'note'];
const CELLS = ['refund', '8a82944a4cc25ebf014cc2c782423202', '12,50', 'eur', 'T-1', 'open', 'customer called'];

describe('results file', () => {
  it('has the input columns (clashing ones renamed), then the output columns in order', async () => {
    const path = join(tempDir(), 'r.csv');
    const w = createResultsWriter(path, layoutFor(HEADER), UTF8_LF);
    await w.write(outcome(CELLS, { line: 2 }));
    await w.commit();
    const [header, row] = readCsv(path);
    expect(header).toEqual(['Operation', 'Payment ID', 'Amount', 'Currency', 'Ticket', 'input_Status', 'input_note', ...OUTPUT_COLUMNS]);
    expect(row).toEqual([
      ...CELLS, // values untouched, also `12,50` and `eur`
      '2',
      'succeeded',
      '000.100.110',
      "Request successfully processed in 'Merchant in Integrator Test Mode'",
      '8ac7a4a19c6d4a9e8f0b1c2d3e4f5a6b',
      'k3j5h2g7f8d9s0a100',
      'RF',
      '1',
      '2026-11-24T05:00:00.000Z',
      '',
      '',
    ]);
  });

  it('writes one row per outcome, in the order given, with a header even when there are none', async () => {
    const dir = tempDir();
    const empty = join(dir, 'empty.csv');
    const w0 = createResultsWriter(empty, layoutFor(['operation', 'payment_id']), EXCEL_DE);
    await w0.commit();
    expect(readFileSync(empty, 'utf8')).toBe(`\uFEFFoperation;payment_id;${OUTPUT_COLUMNS.join(';')}\r\n`);

    const path = join(dir, 'r.csv');
    const w = createResultsWriter(path, layoutFor(['operation', 'payment_id']), UTF8_LF);
    for (let line = 2; line < 7; line++) await w.write(outcome(['refund', 'x'], { line, status: line % 2 ? 'rejected' : 'succeeded' }));
    await w.commit();
    expect(readRecords(path).map((r) => [r.line, r.status])).toEqual([
      ['2', 'succeeded'],
      ['3', 'rejected'],
      ['4', 'succeeded'],
      ['5', 'rejected'],
      ['6', 'succeeded'],
    ]);
    expect(w.rows).toBe(5);
  });

  it('keeps the input merchant_transaction_id as input_merchant_transaction_id and writes the id used after it', async () => {
    const path = join(tempDir(), 'r.csv');
    const w = createResultsWriter(path, layoutFor(['operation', 'payment_id', 'merchant_transaction_id']), UTF8_LF);
    await w.write(outcome(['refund', 'x', ''], { merchantTransactionId: 'derivedid0000000' }));
    await w.write(outcome(['refund', 'y', 'ORDER-77'], { merchantTransactionId: 'ORDER-77' }));
    await w.commit();
    const recs = readRecords(path);
    expect(Object.keys(recs[0]!).filter((k) => /merchant/.test(k))).toEqual(['input_merchant_transaction_id', 'merchant_transaction_id']);
    expect(recs.map((r) => [r.input_merchant_transaction_id, r.merchant_transaction_id])).toEqual([
      ['', 'derivedid0000000'],
      ['ORDER-77', 'ORDER-77'],
    ]);
  });

  it('masks the card_number column and card numbers in every free-text cell', async () => {
    const path = join(tempDir(), 'r.csv');
    const header = ['operation', 'card_number', 'card_holder', 'comment'];
    const w = createResultsWriter(path, layoutFor(header), UTF8_LF);
    await w.write(
      outcome(['credit', '4111 1111 1111 1111', 'Jane Doe', `paid by ${VISA_TEST}`], {
        status: 'rejected',
        paymentType: 'CD',
        error: `card ${VISA_TEST} declined`,
        note: `retry with 5555555555554444`,
        resultDescription: `invalid card 4012888888881881`,
        op: { type: 'CD', amount: '5.00', currency: 'EUR' },
      }),
    );
    await w.commit();
    const text = readFileSync(path, 'utf8');
    for (const pan of [VISA_TEST, '5555555555554444', '4012888888881881', '4111 1111 1111 1111']) expect(text).not.toContain(pan);
    const [r] = readRecords(path);
    expect(r!.card_number).toBe('411111******1111');
    expect(r!.card_holder).toBe('Jane Doe');
    expect(r!.comment).toBe('paid by 411111******1111');
    expect(r!.error).toBe('card 411111******1111 declined');
    expect(r!.note).toBe('retry with 555555******4444');
    expect(r!.result_description).toBe('invalid card 401288******1881');
  });

  it("a valid row's ids and amounts come back exactly; an invalid row's cells are masked like free text", async () => {
    const path = join(tempDir(), 'r.csv');
    const header = ['operation', 'payment_id', 'amount', 'merchant_transaction_id'];
    const w = createResultsWriter(path, layoutFor(header), UTF8_LF);
    // A numeric merchant transaction id the gateway already holds must not be altered.
    await w.write(outcome(['refund', '8a82944a4cc25ebf014cc2c782423202', '123456789012.50', '202611240000123456'], {
      merchantTransactionId: '202611240000123456',
    }));
    await w.write(outcome(['refund', VISA_TEST, '1', '4012888888881881'], {
      status: 'invalid',
      error: 'payment_id: must be 32 hex characters',
      merchantTransactionId: '4012888888881881',
      op: undefined,
      attempts: 0,
    }));
    await w.commit();
    const [valid, invalid] = readRecords(path);
    expect(valid!.amount).toBe('123456789012.50');
    expect(valid!.input_merchant_transaction_id).toBe('202611240000123456');
    expect(valid!.merchant_transaction_id).toBe('202611240000123456');
    expect(invalid!.payment_id).toBe('411111******1111');
    expect(invalid!.input_merchant_transaction_id).toBe('401288******1881');
    expect(invalid!.merchant_transaction_id).toBe('401288******1881');
  });

  it('masks a card number used as a column name (a file without a header row), in both files', async () => {
    const dir = tempDir();
    const header = ['operation', 'payment_id', 'amount', 'currency', VISA_TEST, `note ${VISA_TEST}`];
    const w = createResultsWriter(join(dir, 'r.csv'), layoutFor(header), UTF8_LF);
    await w.write(outcome(['refund', '8a82944a4cc25ebf014cc2c782423202', '1.00', 'EUR', 'x', 'y'], { status: 'rejected', resultCode: '700.400.200' }));
    await w.commit();
    const f = createFailedWriter(join(dir, 'f.csv'), layoutFor(header), UTF8_LF, { sourceFile: 'in.csv' });
    await f.write(outcome(['refund', '8a82944a4cc25ebf014cc2c782423202', '1.00', 'EUR', 'x', 'y'], { status: 'rejected', resultCode: '700.400.200' }));
    await f.commit();
    for (const file of ['r.csv', 'f.csv']) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).not.toContain(VISA_TEST);
      expect(text.split('\n')[0]).toMatch(/^operation,payment_id,amount,currency,411111\*{6}1111,note 411111\*{6}1111,/);
    }
  });

  it('neutralises formulas in input and output cells alike', async () => {
    const path = join(tempDir(), 'r.csv');
    const w = createResultsWriter(path, layoutFor(['operation', 'payment_id', 'comment']), UTF8_LF);
    await w.write(outcome(['refund', 'x', '=HYPERLINK("http://evil")'], { error: '-1 is not an amount', note: '@note' }));
    await w.commit();
    const [r] = readRecords(path);
    expect(r!.comment).toBe(`'=HYPERLINK("http://evil")`);
    expect(r!.error).toBe(`'-1 is not an amount`);
    expect(r!.note).toBe(`'@note`);
  });

  it('a row done by an earlier run shows attempts 0 and its note', async () => {
    const path = join(tempDir(), 'r.csv');
    const w = createResultsWriter(path, layoutFor(['operation', 'payment_id']), UTF8_LF);
    await w.write(
      outcome(['refund', 'x'], {
        attempts: 0,
        alreadyDone: true,
        processedAt: '2026-11-23T10:00:00.000Z',
        note: 'already done on 2026-11-23 by refunds.csv line 7',
      }),
    );
    await w.commit();
    const [r] = readRecords(path);
    expect([r!.attempts, r!.processed_at, r!.note]).toEqual(['0', '2026-11-23T10:00:00.000Z', 'already done on 2026-11-23 by refunds.csv line 7']);
  });

  it('pads a short record and drops cells beyond the header', async () => {
    const path = join(tempDir(), 'r.csv');
    const w = createResultsWriter(path, layoutFor(['operation', 'payment_id', 'ticket']), UTF8_LF);
    await w.write(outcome(['refund']));
    await w.write(outcome(['refund', 'x', 'T', 'extra']));
    await w.commit();
    const rows = readCsv(path);
    expect(rows.every((r) => r.length === 3 + OUTPUT_COLUMNS.length)).toBe(true);
  });

  it('writes to stdout for -', async () => {
    const chunks: Buffer[] = [];
    const out = new Writable({ write: (c, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
    const w = createResultsWriter('-', layoutFor(['operation', 'payment_id']), UTF8_LF, undefined, { stdout: out });
    await w.write(outcome(['refund', 'x']));
    await w.commit();
    expect(Buffer.concat(chunks).toString('utf8').split('\n')[1]).toMatch(/^refund,x,2,succeeded,/);
  });
});
