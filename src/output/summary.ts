/**
 * The end-of-run summary (SPEC §3): rows by status, by operation × status,
 * amounts succeeded per operation and currency (exact, BigInt minor units),
 * rows already done by an earlier run, time and rows/s. As a short text table
 * for stderr (`toText`) and as JSON for `--summary-json` (`toJSON`, with
 * `"schema": 1`).
 *
 * Decisions where the contract is silent:
 * - Rows by status and by operation count every row as the results file
 *   shows it, rows done earlier included; `alreadyDone` says how many of
 *   them a previous run completed.
 * - Amounts count rows whose status is `succeeded` or `review` (both mean the
 *   gateway executed the operation; review only asks for a manual check) and
 *   that this run executed: rows already done earlier are left out, so the
 *   amounts of successive runs add up without counting anything twice. A
 *   full reversal has no amount; such rows are counted instead.
 */
import { OP_TYPES, OPERATION_RULES } from '../rows/operations.js';
import type { OpType, RowOutcome } from '../rows/types.js';
import { fromMinorUnits, toMinorUnits } from './amounts.js';
import { formatDuration, formatRate, paint, rowsPerSecond, statusStyle } from './format.js';
import { safeForLog } from './json-log.js';

export type SummaryStatus = RowOutcome['status'];

/** Statuses in the order the summary shows them. */
export const STATUS_ORDER: readonly SummaryStatus[] = [
  'succeeded',
  'review',
  'pending',
  'unknown',
  'rejected',
  'failed',
  'invalid',
  'valid',
];

/** Operations in the order the summary shows them. */
const OPERATION_ORDER: readonly OpType[] = OP_TYPES;
/** The key of rows with no operation (they did not pass validation). */
const NO_OPERATION = '-';

function operationLabel(key: string): string {
  return key === NO_OPERATION ? '(not valid)' : `${OPERATION_RULES[key as OpType]?.name ?? key} ${key}`;
}

export interface SummaryOptions {
  /** Milliseconds clock (default Date.now). */
  clock?: () => number;
  /** When the run started (default: when the summary was created). */
  startedAt?: number;
}

export interface SummaryTextOptions {
  color: boolean;
  /** Elapsed time to report (default: from `startedAt` to now). */
  elapsedMs?: number;
}

/** What the caller adds to the JSON summary. Never a token (keys naming one are dropped). */
export interface SummaryJsonExtra {
  environment?: unknown;
  input?: string;
  inputSha256?: string;
  exitCode?: number;
  elapsedMs?: number;
  [key: string]: unknown;
}

export interface SummaryJson {
  schema: 1;
  rows: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, Record<string, number>>;
  amountsSucceeded: Record<string, Record<string, string>>;
  fullReversalsSucceeded: number;
  alreadyDone: number;
  elapsedMs: number;
  rowsPerSecond: number;
  [key: string]: unknown;
}

export class Summary {
  private readonly clock: () => number;
  private readonly startedAt: number;
  private total = 0;
  private done = 0;
  private fullReversals = 0;
  private readonly byStatus = new Map<SummaryStatus, number>();
  /** operation key → status → rows */
  private readonly byOperation = new Map<string, Map<SummaryStatus, number>>();
  /** operation → currency → minor units */
  private readonly amounts = new Map<string, Map<string, bigint>>();

  constructor(options: SummaryOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.startedAt = options.startedAt ?? this.clock();
  }

  /** Count one row's outcome. */
  add(o: RowOutcome): void {
    this.total++;
    if (o.alreadyDone) this.done++;
    this.byStatus.set(o.status, (this.byStatus.get(o.status) ?? 0) + 1);
    const op = o.paymentType ?? o.op?.type ?? NO_OPERATION;
    let row = this.byOperation.get(op);
    if (!row) this.byOperation.set(op, (row = new Map()));
    row.set(o.status, (row.get(o.status) ?? 0) + 1);
    if ((o.status === 'succeeded' || o.status === 'review') && !o.alreadyDone && op !== NO_OPERATION) {
      const amount = o.op?.amount;
      const currency = o.op?.currency;
      const units = amount === undefined ? undefined : toMinorUnits(amount);
      if (units !== undefined && currency) {
        let byCurrency = this.amounts.get(op);
        if (!byCurrency) this.amounts.set(op, (byCurrency = new Map()));
        byCurrency.set(currency, (byCurrency.get(currency) ?? 0n) + units);
      } else if (op === 'RV' && amount === undefined) {
        this.fullReversals++;
      }
    }
  }

  /** Rows added. */
  get rows(): number {
    return this.total;
  }

  /** Rows completed by an earlier run. */
  get alreadyDone(): number {
    return this.done;
  }

  /** Rows of one status. */
  count(status: SummaryStatus): number {
    return this.byStatus.get(status) ?? 0;
  }

  /** The exact sum succeeded for one operation and currency, `"0.00"` when none. */
  amountSucceeded(op: OpType, currency: string): string {
    return fromMinorUnits(this.amounts.get(op)?.get(currency) ?? 0n);
  }

  private elapsed(ms: number | undefined): number {
    return ms ?? Math.max(0, this.clock() - this.startedAt);
  }

  private operationKeys(): string[] {
    const keys = [...this.byOperation.keys()];
    const rank = (k: string) => {
      const i = OPERATION_ORDER.indexOf(k as OpType);
      return i >= 0 ? i : k === NO_OPERATION ? OPERATION_ORDER.length + 1 : OPERATION_ORDER.length;
    };
    return keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  private presentStatuses(): SummaryStatus[] {
    return STATUS_ORDER.filter((s) => (this.byStatus.get(s) ?? 0) > 0);
  }

  /** The summary as a short table for people. Colour only when `color` (the caller honours NO_COLOR and TTY). */
  toText(options: SummaryTextOptions): string {
    const c = options.color;
    const ms = this.elapsed(options.elapsedMs);
    const lines: string[] = [];
    lines.push(
      `${paint(c, 'bold', 'rows')}: ${this.total} in ${formatDuration(ms)} (${formatRate(rowsPerSecond(this.total, ms))} rows/s)`,
    );
    const statuses = this.presentStatuses();
    const statusWidth = Math.max(9, ...statuses.map((s) => s.length));
    const countWidth = Math.max(1, ...statuses.map((s) => String(this.count(s)).length));
    for (const s of statuses) {
      lines.push(`  ${paint(c, statusStyle(s), s.padEnd(statusWidth))}  ${String(this.count(s)).padStart(countWidth)}`);
    }
    if (this.done > 0) lines.push(`  already done earlier: ${this.done} (reported with the earlier run's outcome; not sent again)`);

    if (statuses.length > 0) {
      const ops = this.operationKeys();
      const labelWidth = Math.max(12, ...ops.map((k) => operationLabel(k).length));
      const widths = statuses.map((s) => Math.max(s.length, 1));
      lines.push('');
      lines.push(
        paint(c, 'bold', 'by operation'.padEnd(labelWidth + 2)) +
          statuses.map((s, i) => '  ' + paint(c, statusStyle(s), s.padStart(widths[i]!))).join(''),
      );
      for (const k of ops) {
        const row = this.byOperation.get(k)!;
        lines.push(
          `  ${operationLabel(k).padEnd(labelWidth)}` +
            statuses.map((s, i) => '  ' + String(row.get(s) ?? 0).padStart(widths[i]!)).join(''),
        );
      }
    }

    const amountLines: string[] = [];
    for (const op of OPERATION_ORDER) {
      const byCurrency = this.amounts.get(op);
      if (!byCurrency) continue;
      for (const cur of [...byCurrency.keys()].sort()) {
        amountLines.push([operationLabel(op), cur, fromMinorUnits(byCurrency.get(cur)!)].join('\u0000'));
      }
    }
    if (amountLines.length > 0 || this.fullReversals > 0) {
      lines.push('');
      lines.push(paint(c, 'bold', `amounts succeeded${this.done > 0 ? ' in this run' : ''}`));
      const cells = amountLines.map((l) => l.split('\u0000') as [string, string, string]);
      const w0 = Math.max(0, ...cells.map((r) => r[0].length));
      const w2 = Math.max(0, ...cells.map((r) => r[2].length));
      for (const [label, cur, sum] of cells) lines.push(`  ${label.padEnd(w0)}  ${cur}  ${sum.padStart(w2)}`);
      if (this.fullReversals > 0) lines.push(`  ${operationLabel('RV')}: ${this.fullReversals} full reversal${this.fullReversals === 1 ? '' : 's'}`);
    }
    return lines.join('\n') + '\n';
  }

  /**
   * The summary as JSON for `--summary-json`: `"schema": 1`, what the caller
   * passes (environment, input, inputSha256, exitCode…), and the counts.
   * Every string is card-masked and keys naming a secret are dropped.
   */
  toJSON(extra: SummaryJsonExtra = {}): SummaryJson {
    const { elapsedMs: givenMs, ...rest } = extra;
    const ms = this.elapsed(givenMs);
    const byStatus: Record<string, number> = {};
    for (const s of STATUS_ORDER) if (s !== 'valid' || this.count(s) > 0) byStatus[s] = this.count(s);
    const byOperation: Record<string, Record<string, number>> = {};
    for (const k of this.operationKeys()) {
      const row: Record<string, number> = {};
      for (const s of STATUS_ORDER) {
        const n = this.byOperation.get(k)!.get(s);
        if (n) row[s] = n;
      }
      byOperation[k === NO_OPERATION ? 'none' : k] = row;
    }
    const amountsSucceeded: Record<string, Record<string, string>> = {};
    for (const op of OPERATION_ORDER) {
      const byCurrency = this.amounts.get(op);
      if (!byCurrency) continue;
      const out: Record<string, string> = {};
      for (const cur of [...byCurrency.keys()].sort()) out[cur] = fromMinorUnits(byCurrency.get(cur)!);
      amountsSucceeded[op] = out;
    }
    const json: SummaryJson = {
      schema: 1,
      ...safeForLog(rest),
      rows: this.total,
      byStatus,
      byOperation,
      amountsSucceeded,
      fullReversalsSucceeded: this.fullReversals,
      alreadyDone: this.done,
      elapsedMs: Math.round(ms),
      rowsPerSecond: Math.round(rowsPerSecond(this.total, ms) * 10) / 10,
    };
    json.schema = 1;
    return json;
  }
}

/** A new, empty summary. */
export function createSummary(options: SummaryOptions = {}): Summary {
  return new Summary(options);
}
