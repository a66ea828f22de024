/**
 * Helpers of the report tests: a real run with every status (the built CLI
 * against `payops sim` over loopback, with forced result codes, dropped
 * answers found by lookup, an entity the gateway refuses, invalid rows), and
 * the figures of a results file counted independently of src/report
 * (the e2e harness's own CSV reader, plain arithmetic in cents).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv, runCli, startSim, tempDir, type CliResult } from '../e2e/harness.js';

export const P1 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa0001';
export const P2 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa0002';
export const P3 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa0003';
export const P4 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa0004';
export const XSS_REF = '<script>alert(1)</script>';
export const XSS_CELL = '"><img src=x onerror=alert(1)>';
export const CARD = '4111111111111111';

const SEED = ['payment_id,payment_type,amount,currency', `${P1},DB,1000.00,EUR`, `${P2},DB,500.00,GBP`, `${P3},PA,300.00,EUR`, `${P4},PA,50.00,EUR`].join('\n') + '\n';

function q(cell: string): string {
  return /[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** The input: 12 plain refunds, GBP, capture, full reversal, review, pending, 000.400.030, unknown, 2 rejected, 1 failed, 3 invalid. */
export function everyStatusInput(): string {
  const rows: string[][] = [['ticket', 'operation', 'payment_id', 'amount', 'currency', 'entity_id', 'comment']];
  for (let i = 0; i < 12; i++) rows.push([`T-${i}`, 'refund', P1, '1.00', 'EUR', '', `plain ${i}`]);
  rows.push(['T-gbp', 'refund', P2, '7.25', 'GBP', '', 'gbp']);
  rows.push(['T-cap', 'capture', P3, '100.00', 'EUR', '', 'capture']);
  rows.push(['T-rv', 'reversal', P4, '', '', '', 'full reversal']);
  rows.push(['T-review', 'refund', P1, '13.01', 'EUR', '', 'review']);
  rows.push(['T-pending', 'refund', P1, '13.02', 'EUR', '', 'pending']);
  rows.push(['T-manual', 'refund', P1, '13.03', 'EUR', '', 'manual action']);
  rows.push(['T-unknown', 'refund', P1, '13.04', 'EUR', '', 'unknown']);
  rows.push(['T-rej', 'refund', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaffff', '5.00', 'EUR', '', 'no such payment']);
  rows.push(['T-rej2', 'refund', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaafffe', '5.00', 'EUR', '', 'no such payment either']);
  rows.push(['T-failed', 'refund', P1, '2.00', 'EUR', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'an entity the gateway refuses']);
  rows.push([XSS_REF, 'refund', P1, '12,50', 'EUR', '', XSS_CELL]);
  rows.push(['T-inv2', 'refund', P1, '7,25', 'EUR', '', `card ${CARD} in a note`]);
  rows.push(['T-inv3', 'refund', 'not-a-payment-id', '1.00', 'EUR', '', 'bad id']);
  return rows.map((r) => r.map(q).join(',')).join('\n') + '\n';
}

export interface EveryStatusRun {
  dir: string;
  input: string;
  results: string;
  failed: string;
  summary: string;
  report: string;
  run: CliResult;
}

/** Run {@link everyStatusInput} with --report against a fresh `payops sim`. */
export async function runEveryStatus(extra: string[] = []): Promise<EveryStatusRun> {
  const dir = tempDir();
  writeFileSync(join(dir, 'seed.csv'), SEED);
  const input = join(dir, 'refunds.csv');
  writeFileSync(input, everyStatusInput());
  const sim = await startSim([
    '--seed', join(dir, 'seed.csv'),
    '--force-code', '13.01=000.400.000',
    '--force-code', '13.02=000.200.000',
    '--force-code', '13.03=000.400.030',
    '--force-code', '13.04=900.100.300',
    // Some answers are lost after the gateway executed the request: those rows are found by lookup.
    '--drop-rate', '0.2',
    '--fault-seed', '7',
  ]);
  const out: EveryStatusRun = {
    dir,
    input,
    results: join(dir, 'refunds.results.csv'),
    failed: join(dir, 'refunds.failed.csv'),
    summary: join(dir, 'summary.json'),
    report: join(dir, 'refunds.report.html'),
    run: undefined as unknown as CliResult,
  };
  out.run = await runCli([
    'run', input,
    '--gateway', sim.url,
    '--state-dir', join(dir, 'state'),
    '--timeout', '1s', '--settle', '1s',
    '--lookup-interval', '20ms',
    '--max-attempts', '2',
    '--summary-json', out.summary,
    '--report', out.report,
    ...extra,
  ]);
  await sim.stop();
  return out;
}

export interface Figures {
  rows: number;
  byStatus: Record<string, number>;
  /** "RF EUR" → cents */
  amounts: Record<string, number>;
  fullReversals: number;
  needsPerson: number;
  failedRows: number;
  codes: Record<string, number>;
}

/** The figures of a results file, counted here without src/report. */
export function figuresOf(resultsPath: string): Figures {
  const rows = readCsv(resultsPath);
  const f: Figures = { rows: rows.length, byStatus: {}, amounts: {}, fullReversals: 0, needsPerson: 0, failedRows: 0, codes: {} };
  for (const r of rows) {
    f.byStatus[r.status!] = (f.byStatus[r.status!] ?? 0) + 1;
    const executed = (r.status === 'succeeded' || r.status === 'review') && !/^already done/.test(r.note!);
    if (executed && r.amount) {
      // 12,50 / 1.234,50 (a --decimal-comma run) or 1,234.50 / 12.50.
      const plain = /,\d{1,2}$/.test(r.amount) ? r.amount.replace(/\./g, '').replace(',', '.') : r.amount.replace(/,/g, '');
      const cents = Math.round(Number(plain) * 100);
      const key = `${r.payment_type} ${r.currency!.toUpperCase()}`;
      f.amounts[key] = (f.amounts[key] ?? 0) + cents;
    } else if (executed && r.payment_type === 'RV') f.fullReversals++;
    if (['review', 'pending', 'unknown'].includes(r.status!) || r.result_code === '000.400.030' || /^found by lookup/.test(r.note!)) f.needsPerson++;
    if (['rejected', 'failed', 'unknown', 'invalid'].includes(r.status!)) f.failedRows++;
    if (r.status === 'rejected') f.codes[r.result_code!] = (f.codes[r.result_code!] ?? 0) + 1;
  }
  return f;
}

/** "1251.60" from cents. */
export function money(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
