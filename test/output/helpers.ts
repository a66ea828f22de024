/** Shared helpers for the output tests: temporary folders, a CSV reader, layouts, outcomes, card numbers. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterEach } from 'vitest';
import type { OutputDialect } from '../../src/output/csv-writer.js';
import { CARRY_FIELDS, FIELDS, type ColumnLayout, type RowOutcome } from '../../src/rows/types.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'payops-output-'));
  dirs.push(d);
  return d;
}

export const UTF8_LF: OutputDialect = { delimiter: ',', lineEnding: '\n', bom: false, encoding: 'utf-8' };
export const EXCEL_DE: OutputDialect = { delimiter: ';', lineEnding: '\r\n', bom: true, encoding: 'utf-8' };

/** Read a written UTF-8 CSV (BOM dropped) into rows of cells. */
export function readCsv(path: string, delimiter = ','): string[][] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  return parse(text, { delimiter, relax_column_count: true }) as string[][];
}

/** Rows as objects by header name (the first row). */
export function readRecords(path: string, delimiter = ','): Record<string, string>[] {
  const [header, ...rows] = readCsv(path, delimiter);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

const ALIASES: Record<string, string> = { op: 'operation', paymenttype: 'operation', referenceid: 'payment_id', referencedpaymentid: 'payment_id' };
const norm = (s: string) => s.toLowerCase().replace(/[\s_\-.]+/g, '');

/** The layout the input side would give this header (payops' fields found by normalised name). */
export function layoutFor(header: string[]): ColumnLayout {
  const fieldIndex: ColumnLayout['fieldIndex'] = {};
  const known = new Map<string, string>([...FIELDS, ...CARRY_FIELDS].map((f) => [norm(f), f]));
  header.forEach((h, i) => {
    const f = known.get(norm(h)) ?? ALIASES[norm(h)];
    if (f) (fieldIndex as Record<string, number>)[f] = i;
  });
  return { header, fieldIndex };
}

/** A succeeded refund outcome with the given cells, overridable. */
export function outcome(cells: string[], over: Partial<RowOutcome> = {}): RowOutcome {
  return {
    line: 2,
    cells,
    status: 'succeeded',
    resultCode: '000.100.110',
    resultDescription: "Request successfully processed in 'Merchant in Integrator Test Mode'",
    newPaymentId: '8ac7a4a19c6d4a9e8f0b1c2d3e4f5a6b',
    merchantTransactionId: 'k3j5h2g7f8d9s0a100',
    paymentType: 'RF',
    attempts: 1,
    processedAt: '2026-11-24T05:00:00.000Z',
    op: { type: 'RF', paymentId: '8a82944a4cc25ebf014cc2c782423202', amount: '12.50', currency: 'EUR' },
    ...over,
  };
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, dbl = false; i >= 0; i--, dbl = !dbl) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Complete `partial` with its Luhn check digit. */
export function withCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(partial + d)) return partial + d;
  throw new Error('unreachable');
}

/** A Luhn-valid 16-digit card number. */
export const card16 = (): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 15, maxLength: 15 }).map(withCheckDigit);

export const VISA_TEST = '4111111111111111';
