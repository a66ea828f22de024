/**
 * Throughput of the results writer: 1,000,000 rows of 10 input columns to a
 * temporary file. Skipped unless PAYOPS_BENCH=1 (it takes seconds):
 *
 *   PAYOPS_BENCH=1 npx vitest run test/output/throughput
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createResultsWriter } from '../../src/output/results-writer.js';
import type { ColumnLayout, RowOutcome } from '../../src/rows/types.js';

const ROWS = Number(process.env.PAYOPS_BENCH_ROWS ?? 1_000_000);
const bench = process.env.PAYOPS_BENCH === '1' ? describe : describe.skip;

const layout: ColumnLayout = {
  header: ['operation', 'payment_id', 'amount', 'currency', 'entity_id', 'merchant_transaction_id', 'ticket', 'customer', 'comment', 'Status'],
  fieldIndex: { operation: 0, payment_id: 1, amount: 2, currency: 3, entity_id: 4, merchant_transaction_id: 5 },
};

function outcome(i: number): RowOutcome {
  const cells = [
    'refund',
    '8a82944a4cc25ebf014cc2c782423202',
    `${(i % 9000) + 1}.50`,
    'EUR',
    '8a8294174b7ecb28014b9699220015ca',
    '',
    `T-${i}`,
    i % 7 === 0 ? 'Müller, Hans' : 'Jane Doe',
    i % 11 === 0 ? 'said "asap"; call back' : 'monthly',
    'open',
  ];
  return {
    line: i + 2,
    cells,
    status: i % 20 === 0 ? 'rejected' : 'succeeded',
    resultCode: i % 20 === 0 ? '700.400.200' : '000.100.110',
    resultDescription: "Request successfully processed in 'Merchant in Integrator Test Mode'",
    newPaymentId: '8ac7a4a1' + String(i).padStart(24, '0'),
    merchantTransactionId: 'a1b2c3d4e5f6g7' + String(i % 100).padStart(2, '0'),
    paymentType: 'RF',
    attempts: 1,
    processedAt: '2026-11-24T05:00:00.000Z',
    op: { type: 'RF', paymentId: '8a82944a4cc25ebf014cc2c782423202', amount: '12.50', currency: 'EUR' },
  };
}

bench('results writer throughput', () => {
  it(`writes ${ROWS} rows`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payops-bench-'));
    try {
      const rows = Array.from({ length: 1000 }, (_, i) => outcome(i));
      for (const enc of ['utf-8', 'windows-1252', 'utf-16le'] as const) {
        const path = join(dir, `results-${enc}.csv`);
        const t0 = performance.now();
        const w = createResultsWriter(path, layout, { delimiter: ';', lineEnding: '\r\n', bom: true, encoding: enc });
        for (let i = 0; i < ROWS; i++) {
          const o = rows[i % 1000]!;
          o.line = i + 2;
          const p = w.write(o);
          if (p) await p;
        }
        await w.commit();
        const ms = performance.now() - t0;
        const mb = statSync(path).size / 1e6;
        console.log(`${enc}: ${ROWS} rows in ${(ms / 1000).toFixed(2)}s = ${Math.round(ROWS / (ms / 1000))} rows/s, ${mb.toFixed(0)} MB, heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
        expect(w.rows).toBe(ROWS);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
