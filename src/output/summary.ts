/**
 * The end-of-run summary (docs/outputs.md#stderr): rows by status, by operation × status,
 * amounts succeeded per operation and currency (exact, BigInt minor units),
 * rows already done by an earlier run, time and rows/s. As a short text table
 * for stderr (`toText`) and as JSON for `--summary-json` (`toJSON`, with
 * `"schema": 2`; its shape is src/output/summary-schema.ts and schemas/summary.schema.json).
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
import { EXECUTED, SUMMARY_ORDER } from '../statuses.js';
import { fromMinorUnits, toMinorUnits } from './amounts.js';
import { formatDuration, formatRate, paint, rowsPerSecond, statusStyle } from './format.js';
import { JSON_SCHEMA, safeForLog } from './json-log.js';

let summaryFileWritten = false;

/** Whether this process wrote its `--summary-json` (the top-level catch writes one for a run that ended before). */
export function summaryWritten(): boolean {
  return summaryFileWritten;
}

/** Say that `--summary-json` was written. */
export function markSummaryWritten(): void {
  summaryFileWritten = true;
}

/** A row's status as the summary counts it: not-started rows and a dry run's rows have their own. */
export type SummaryStatus = RowOutcome['status'] | 'would send' | 'would look up' | 'not started';

/** Statuses in the order the summary shows them. */
export const STATUS_ORDER: readonly SummaryStatus[] = SUMMARY_ORDER;

/** Operations in the order the summary shows them. */
const OPERATION_ORDER: readonly OpType[] = OP_TYPES;
/** The key of rows with no operation (they did not pass validation). */
const NO_OPERATION = '-';

function operationLabel(key: string): string {
  return key === NO_OPERATION ? '(not valid)' : `${OPERATION_RULES[key as OpType]?.name ?? key} ${key}`;
}

/** Rows not started because the run stopped (a signal, an outage): counted apart, never as failed. */
export function isNotStarted(o: Pick<RowOutcome, 'notStarted'>): boolean {
  return o.notStarted === true;
}

/** One reason rows were invalid, for the summary: how many, what, and a row where it happened. */
export interface InvalidReason {
  rows: number;
  reason: string;
  first_line: number;
}

/** An invalid row's first error with the quoted values taken out: rows that fail the same way share it. */
export function reasonOf(error: string): string {
  const first = error.split('; ')[0] ?? error;
  return first
    .replace(/"(?:[^"\\]|\\.)*"/g, '…')
    .replace(/\d+(?:[.,]\d+)*/g, '…')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `1234567.50` → `1,234,567.50`: sums people read, with thousands separators. */
export function groupThousands(amount: string): string {
  const [int, frac] = amount.split('.');
  const grouped = (int ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** `1 row`, `2 rows`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export interface SummaryOptions {
  /** A dry run: rows to be sent are counted as `would send` and their amounts summed. */
  dryRun?: boolean;
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

/**
 * `--summary-json` and the JSON log's `summary` event. Schema 2: every key
 * snake_case, as the CSV columns and the `row` events are (schema 1 mixed
 * `byStatus` with `result_code`).
 */
export interface SummaryJson {
  schema: 2;
  rows: number;
  by_status: Record<string, number>;
  by_operation: Record<string, Partial<Record<string, number>>>;
  amounts_succeeded: Record<string, Record<string, string>>;
  full_reversals_succeeded: number;
  already_done: number;
  not_started: number;
  invalid_reasons: InvalidReason[];
  elapsed_ms: number;
  rows_per_second: number;
  [key: string]: unknown;
}



/** camelCase → snake_case, for the keys a caller passes. */
export function snakeKeys(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[key] = v !== null && typeof v === 'object' && !Array.isArray(v) ? snakeKeys(v as Record<string, unknown>) : v;
  }
  return out;
}

export class Summary {
  private readonly clock: () => number;
  private readonly startedAt: number;
  private readonly dryRun: boolean;
  private total = 0;
  private done = 0;
  private notStartedRows = 0;
  /** Rows done earlier by a correction through a failed-rows file. */
  private corrected = 0;
  /** Invalid rows that would be valid with `--decimal-comma`. */
  private decimalCommaRows = 0;
  private readonly reasons = new Map<string, InvalidReason>();
  /** Rows already done: the earliest and latest date, and the files they were done by. */
  private readonly doneBy = new Map<string, { rows: number; first: string; last: string }>();
  private fullReversals = 0;
  private readonly byStatus = new Map<SummaryStatus, number>();
  /** operation key → status → rows */
  private readonly byOperation = new Map<string, Map<SummaryStatus, number>>();
  /** operation → currency → minor units */
  private readonly amounts = new Map<string, Map<string, bigint>>();

  constructor(options: SummaryOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.startedAt = options.startedAt ?? this.clock();
    this.dryRun = options.dryRun ?? false;
  }

  /** The status a row is counted under: `not started`, `would send` / `would look up` in a dry run. */
  private label(o: RowOutcome): SummaryStatus {
    if (isNotStarted(o)) return 'not started';
    if (this.dryRun && o.status === 'pending' && !o.alreadyDone) {
      return (o.note === 'would send' ? 'would send' : 'would look up');
    }
    return o.status;
  }

  /** One invalid row would be valid with `--decimal-comma` (the reporter checks its amount). */
  noteDecimalComma(): void {
    this.decimalCommaRows++;
  }

  /** Count one row's outcome. */
  add(o: RowOutcome): void {
    this.total++;
    const status = this.label(o);
    if (status === ('not started')) this.notStartedRows++;
    if (o.alreadyDone) {
      this.done++;
      const m = /by (.+?) line \d+/.exec(o.note ?? '');
      // A file name may hold control characters (an ANSI escape): shown as \xNN, never sent to the terminal raw.
      // eslint-disable-next-line no-control-regex
      const by = (m?.[1] ?? '?').replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
      const at = (o.processedAt ?? '').slice(0, 10);
      const d = this.doneBy.get(by);
      // A row corrected (or sent again) through a failed-rows file is no repeat of an operation: no --batch-id warning.
      if (/^(corrected|sent again) by /.test(o.note ?? '')) this.corrected++;
      else if (!d) this.doneBy.set(by, { rows: 1, first: at, last: at });
      else {
        d.rows++;
        if (at < d.first) d.first = at;
        if (at > d.last) d.last = at;
      }
    }
    if (o.status === 'invalid' && o.error) {
      const reason = reasonOf(o.error);
      const r = this.reasons.get(reason);
      if (r) r.rows++;
      else this.reasons.set(reason, { rows: 1, reason, first_line: o.line });
    }
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    const op = o.paymentType ?? o.op?.type ?? NO_OPERATION;
    let row = this.byOperation.get(op);
    if (!row) this.byOperation.set(op, (row = new Map()));
    row.set(status, (row.get(status) ?? 0) + 1);
    const counts = this.dryRun ? status === ('would send') : EXECUTED.has(o.status) && !o.alreadyDone;
    if (counts && op !== NO_OPERATION) {
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
    const order: SummaryStatus[] = [...(this.dryRun ? (['would send', 'would look up'] as const) : []), ...STATUS_ORDER, 'not started'];
    return order.filter((s) => (this.byStatus.get(s) ?? 0) > 0);
  }

  /** Rows not started because the run stopped. */
  get notStarted(): number {
    return this.notStartedRows;
  }

  /** Rows this run processed (not started ones and rows done earlier left out): the rate's numerator. */
  get processed(): number {
    return this.total - this.notStartedRows - this.done;
  }

  /** The top reasons rows were invalid, most frequent first. */
  invalidReasons(top = 3): InvalidReason[] {
    return [...this.reasons.values()].sort((a, b) => b.rows - a.rows || a.first_line - b.first_line).slice(0, top);
  }

  /** The hint for decimal commas, when most invalid rows would pass with `--decimal-comma`. */
  decimalCommaHint(): string | undefined {
    const invalid = this.count('invalid');
    if (this.decimalCommaRows === 0 || this.decimalCommaRows * 2 < invalid) return undefined;
    return `${plural(this.decimalCommaRows, 'invalid row')} would be valid with --decimal-comma (their amounts are written like 12,50): run again with --decimal-comma`;
  }

  /**
   * Rows done by another file, or more than a day ago: often an operation
   * that legitimately repeats (a monthly rebill) and was not sent. Undefined
   * when every row was done today by the same file.
   */
  alreadyDoneWarning(sourceName: string | undefined, today = new Date(this.clock()).toISOString().slice(0, 10)): string | undefined {
    const yesterday = new Date(Date.parse(today) - 86_400_000).toISOString().slice(0, 10);
    const odd = [...this.doneBy].filter(([by, d]) => by !== sourceName || d.first < yesterday);
    if (odd.length === 0) return undefined;
    const what = odd
      .slice(0, 3)
      .map(([by, d]) => `${plural(d.rows, 'row')} by ${by} on ${d.first === d.last ? d.first : `${d.first} to ${d.last}`}`)
      .join(', ');
    return `${plural(odd.reduce((n, [, d]) => n + d.rows, 0), 'row was', 'rows were')} not sent because identical rows were already done (${what}). ` +
      `If these operations are meant to happen again (a monthly rebill), run with a new --batch-id (e.g. --batch-id ${today.slice(0, 7)})`;
  }

  /** The summary as a short table for people. Colour only when `color` (the caller honours NO_COLOR and TTY). */
  toText(options: SummaryTextOptions): string {
    const c = options.color;
    const ms = this.elapsed(options.elapsedMs);
    const lines: string[] = [];
    const processed = this.processed;
    const apart = [
      ...(this.done > 0 ? [`${this.done} done by earlier runs`] : []),
      ...(this.notStartedRows > 0 ? [`${this.notStartedRows} not started`] : []),
    ];
    const rate = `${formatRate(rowsPerSecond(processed, ms))} rows/s`;
    lines.push(
      apart.length === 0
        ? `${paint(c, 'bold', 'rows')}: ${this.total} in ${formatDuration(ms)} (${rate})`
        : `${paint(c, 'bold', 'rows')}: ${this.total} (${apart.join(', ')}); ${processed} ${this.dryRun ? 'checked' : 'processed'} in this run in ${formatDuration(ms)} (${rate})`,
    );
    const statuses = this.presentStatuses();
    const statusWidth = Math.max(9, ...statuses.map((s) => s.length));
    const countWidth = Math.max(1, ...statuses.map((s) => String(this.count(s)).length));
    for (const s of statuses) {
      lines.push(`  ${paint(c, statusStyle(s), s.padEnd(statusWidth))}  ${String(this.count(s)).padStart(countWidth)}`);
    }
    if (this.done > 0) {
      const by = [...this.doneBy].slice(0, 3).map(([f, d]) => `${f} on ${d.first === d.last ? d.first : `${d.first} to ${d.last}`}`).join(', ');
      const corrected = this.corrected > 0 ? `${this.corrected} corrected through a failed-rows file` : '';
      const via = [by && `by ${by}`, corrected].filter(Boolean).join('; ');
      lines.push(`  already done earlier: ${this.done} (${via}; reported with the earlier outcome, not sent again)`);
    }
    if (this.notStartedRows > 0) lines.push(`  not started: ${this.notStartedRows} (the run was stopped; run the same command again to do them)`);
    const reasons = this.invalidReasons();
    if (reasons.length > 0) {
      lines.push('');
      lines.push(paint(c, 'bold', 'invalid rows, top reasons'));
      const w = Math.max(...reasons.map((r) => String(r.rows).length));
      for (const r of reasons) lines.push(`  ${String(r.rows).padStart(w)} × ${r.reason} (first on line ${r.first_line})`);
      const hint = this.decimalCommaHint();
      if (hint) lines.push(`  hint: ${hint}`);
    }

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
        amountLines.push([operationLabel(op), cur, groupThousands(fromMinorUnits(byCurrency.get(cur)!))].join('\u0000'));
      }
    }
    if (amountLines.length > 0 || this.fullReversals > 0) {
      lines.push('');
      lines.push(
        paint(c, 'bold', this.dryRun ? 'amounts that would be sent' : `amounts succeeded${this.done > 0 ? ' in this run (rows done by earlier runs not included)' : ''}`),
      );
      const cells = amountLines.map((l) => l.split('\u0000') as [string, string, string]);
      const w0 = Math.max(0, ...cells.map((r) => r[0].length));
      const w2 = Math.max(0, ...cells.map((r) => r[2].length));
      for (const [label, cur, sum] of cells) lines.push(`  ${label.padEnd(w0)}  ${cur}  ${sum.padStart(w2)}`);
      if (this.fullReversals > 0) lines.push(`  ${operationLabel('RV')}: ${plural(this.fullReversals, 'full reversal')}`);
    }
    return lines.join('\n') + '\n';
  }

  /**
   * The summary as JSON for `--summary-json`: `"schema": 2`, what the caller
   * passes (environment, input, inputSha256, exitCode…), and the counts.
   * Every string is card-masked and keys naming a secret are dropped.
   */
  toJSON(extra: SummaryJsonExtra = {}): SummaryJson {
    const { elapsedMs: givenMs, ...rest } = extra;
    const ms = this.elapsed(givenMs);
    const byStatus: Record<string, number> = {};
    for (const s of STATUS_ORDER) if (s !== 'valid' || this.count(s) > 0) byStatus[s] = this.count(s);
    for (const s of this.presentStatuses()) byStatus[s.replace(/ /g, '_')] = this.count(s);
    const byOperation: Record<string, Record<string, number>> = {};
    for (const k of this.operationKeys()) {
      const row: Record<string, number> = {};
      for (const [s, n] of this.byOperation.get(k)!) if (n) row[s.replace(/ /g, '_')] = n;
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
    const hint = this.decimalCommaHint();
    const json: SummaryJson = {
      schema: JSON_SCHEMA,
      ...safeForLog(snakeKeys(rest)),
      rows: this.total,
      by_status: byStatus,
      by_operation: byOperation,
      [this.dryRun ? 'amounts_would_send' : 'amounts_succeeded']: amountsSucceeded,
      amounts_succeeded: this.dryRun ? {} : amountsSucceeded,
      full_reversals_succeeded: this.dryRun ? 0 : this.fullReversals,
      already_done: this.done,
      already_done_by: [...this.doneBy].map(([file, d]) => ({ file, rows: d.rows, first_date: d.first, last_date: d.last })),
      not_started: this.notStartedRows,
      invalid_reasons: safeForLog(this.invalidReasons()),
      ...(hint ? { hint } : {}),
      processed: this.processed,
      elapsed_ms: Math.round(ms),
      rows_per_second: Math.round(rowsPerSecond(this.processed, ms) * 10) / 10,
    };
    json.schema = JSON_SCHEMA;
    return json;
  }
}

/** A new, empty summary. */
export function createSummary(options: SummaryOptions = {}): Summary {
  return new Summary(options);
}
