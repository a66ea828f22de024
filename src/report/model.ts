/**
 * The report's figures, built from rows one at a time (a run's outcomes or a
 * results file's records, see from-outcome.ts and results-reader.ts) and
 * independent of how they are shown (html.ts renders them; the web page can
 * render the same model).
 *
 * Memory stays bounded for any number of rows: counts and sums are kept in
 * full, the lists (rows needing a person, failed rows, example lines of a
 * group) are capped, and the model says how many were left out.
 *
 * The figures follow the end-of-run summary (src/output/summary.ts), so the
 * report, the summary on stderr and --summary-json never disagree:
 * - rows by status count every row, rows done by an earlier run included;
 * - amounts succeeded count rows whose status is `succeeded` or `review`
 *   (both mean the gateway executed the operation) that this run executed:
 *   rows already done earlier are left out; a full reversal has no amount
 *   and is counted instead.
 */
import type { RunMetricsSnapshot } from './metrics.js';
import { fromMinorUnits, toMinorUnits } from '../output/amounts.js';
import { OP_TYPES, OPERATION_RULES } from '../rows/operations.js';
import { MANUAL_ACTION_CODE, RESULT_DESCRIPTIONS } from '../gateway/result-codes.js';
import type { OpType } from '../rows/types.js';
import { EXECUTED, FAILED_FILE, FINAL_STATUSES, type FinalStatus } from '../statuses.js';

/** Statuses a results file can hold, in the order the report shows them. */
export const REPORT_STATUSES = FINAL_STATUSES;
export type ReportStatus = FinalStatus;

/** What each status means, in a sentence a finance person understands. */
export const STATUS_MEANING: Readonly<Record<ReportStatus, string>> = {
  succeeded: 'executed by the gateway',
  review: 'executed; the gateway asks for a manual check',
  pending: 'not final yet; look it up later',
  unknown: 'may or may not have executed; needs a lookup',
  rejected: 'refused by the gateway; nothing was executed',
  failed: 'not executed (the gateway could not be reached or did not have it)',
  invalid: 'not sent: the row is not valid',
};

/** One row as the report needs it. Every string is as written in the results file (card data already masked). */
export interface ReportRow {
  line: number;
  status: string;
  resultCode: string;
  resultDescription: string;
  newPaymentId: string;
  merchantTransactionId: string;
  /** The operation's code (CP, RF, …) or '' for a row that did not pass validation. */
  operation: string;
  paymentId: string;
  /** The normalised amount ("12.50") or '' (a full reversal, an invalid row). */
  amount: string;
  currency: string;
  processedAt: string;
  error: string;
  note: string;
  /** Completed by an earlier run (reported with that run's outcome). */
  alreadyDone: boolean;
  /** The user's own columns' values, in the order of `ReportMeta.userColumns`. */
  userCells: string[];
}

export type GatewayKindName = 'sim' | 'test' | 'live';

export interface ReportMeta {
  /** Where the figures come from: a run that just ended, or a results file read afterwards. */
  origin: 'run' | 'results-file';
  environment?: { kind: GatewayKindName; gateway: string };
  /** The input of the run: its file name (or stdin) and SHA-256. */
  input?: { name?: string; sha256?: string };
  /** The results file the report was made from. */
  resultsFile?: { name: string; sha256: string };
  /** ISO 8601 UTC: when the run started (a run), or the earliest processed_at (a results file). */
  startedAt?: string;
  elapsedMs?: number;
  /** The payops version that made the report. */
  version: string;
  /** ISO 8601 UTC: when the report was made. */
  generatedAt: string;
  /** Name of the failed-rows file, for the note under the failed rows table. */
  failedFile?: string;
  /** Names of the user's own columns (shown with the rows). */
  userColumns: string[];
  /** Throughput and latency (a run only). */
  metrics?: RunMetricsSnapshot;
  /** The run was stopped before the end (a signal, an outage). */
  stopped?: string;
}

export type AttentionKind = 'manual' | 'unknown' | 'review' | 'pending' | 'found';

/** What a person should do for each kind of row that needs one, most urgent first. */
export const ATTENTION: Readonly<Record<AttentionKind, { title: string; todo: string }>> = {
  manual: {
    title: 'Manual action required (000.400.030)',
    todo: 'The gateway executed part of it and could not undo it: reverse the payment shown by hand in the gateway backoffice, then check the customer was not charged twice.',
  },
  unknown: {
    title: 'Outcome unknown',
    todo: 'It may or may not have executed. Run payops reconcile on the results file (lookups only), or run the same command again: payops looks it up first and never sends it twice. Do not send it another way.',
  },
  review: {
    title: 'Executed, review requested',
    todo: 'The gateway executed it but asks for a manual check (see its description): check the payment in the backoffice.',
  },
  pending: {
    title: 'Pending',
    todo: 'Not final yet: run payops reconcile on the results file later to fetch the outcome.',
  },
  found: {
    title: 'Found by lookup',
    todo: 'An earlier send reached the gateway; a lookup found its outcome and it was not sent again. Check that the payment shown is the one you expect.',
  },
};

export const ATTENTION_ORDER: readonly AttentionKind[] = ['manual', 'unknown', 'review', 'pending', 'found'];

/** The kind of attention a row needs, or undefined. */
export function attentionOf(row: Pick<ReportRow, 'status' | 'resultCode' | 'note'>): AttentionKind | undefined {
  if (row.resultCode === MANUAL_ACTION_CODE) return 'manual';
  if (row.status === 'unknown') return 'unknown';
  if (row.status === 'review') return 'review';
  if (row.status === 'pending') return 'pending';
  if (/^found by (lookup|reconcile)/.test(row.note)) return 'found';
  return undefined;
}

export interface AttentionItem {
  kind: AttentionKind;
  row: ReportRow;
}

export interface FailureGroup {
  status: string;
  /** The result code, or '' when the gateway gave none (then `error` says what happened). */
  resultCode: string;
  description: string;
  rows: number;
  /** The first lines of the group (at most LINES_SHOWN). */
  lines: number[];
}

export interface InvalidGroup {
  /** What is wrong, as the first row of the group says it. */
  problem: string;
  /** How to fix it, as the first row of the group says it ('' when the message gives none). */
  fix: string;
  rows: number;
  lines: number[];
}

export interface AmountLine {
  operation: OpType;
  operationName: string;
  currency: string;
  amount: string;
  rows: number;
}

export interface ReportModel {
  meta: ReportMeta;
  rows: number;
  byStatus: { status: ReportStatus; rows: number; meaning: string }[];
  /** Rows whose status is none of REPORT_STATUSES (a results file edited by hand). */
  otherStatus: number;
  alreadyDone: number;
  amounts: AmountLine[];
  fullReversals: number;
  attention: { total: number; byKind: Record<AttentionKind, number>; items: AttentionItem[] };
  failures: FailureGroup[];
  invalid: InvalidGroup[];
  failedRows: { total: number; shown: ReportRow[] };
  /** Earliest and latest processed_at in the rows (ISO 8601), when any. */
  firstProcessedAt?: string;
  lastProcessedAt?: string;
}

export interface ReportLimits {
  /** Rows needing a person listed in full (default 200). */
  attention?: number;
  /** Failed rows listed (default 100). */
  failedRows?: number;
}

const LINES_SHOWN = 10;

/**
 * The part of a validation message that names the problem, and the part that
 * says how to fix it: messages are `<problem>: <fix>` (docs/input.md), the colon
 * outside quotes. Several messages of one row are joined with `; `.
 */
export function splitReason(message: string): { problem: string; fix: string } {
  let quoted = false;
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ':' && message[i + 1] === ' ') {
      return { problem: message.slice(0, i), fix: message.slice(i + 2) };
    }
  }
  return { problem: message, fix: '' };
}

/** A row's validation messages (an invalid row's `error` joins them with `; `; each starts with a field's name). */
export function splitMessages(error: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < error.length; i++) {
    const c = error[i];
    if (c === '"') quoted = !quoted;
    // A message may itself hold "; " (`…: must be 32 hexadecimal characters; "n" is not hexadecimal`):
    // a new message starts with a field's name.
    else if (!quoted && c === ';' && error[i + 1] === ' ' && /^[a-z][a-z_]* /.test(error.slice(i + 2, i + 40))) {
      out.push(error.slice(start, i));
      start = i + 2;
    }
  }
  out.push(error.slice(start));
  return out.map((m) => m.trim()).filter((m) => m !== '');
}

/**
 * The key that groups messages of one kind: quoted values and numbers
 * replaced, so `amount "12,50" is ambiguous: use 12.50…` and
 * `amount "7,25" is ambiguous: use 7.25…` are one group.
 */
export function reasonKey(message: string): string {
  return message.replace(/"(?:[^"]|"")*"/g, '"…"').replace(/\d+(?:[.,]\d+)*/g, '#');
}

export class ReportBuilder {
  private total = 0;
  private done = 0;
  private other = 0;
  private fullReversals = 0;
  private readonly byStatus = new Map<string, number>();
  private readonly amounts = new Map<string, { units: bigint; rows: number }>();
  private readonly attentionItems: AttentionItem[] = [];
  private attentionTotal = 0;
  private readonly attentionByKind: Record<AttentionKind, number> = { manual: 0, unknown: 0, review: 0, pending: 0, found: 0 };
  private readonly failures = new Map<string, FailureGroup>();
  private readonly invalid = new Map<string, InvalidGroup>();
  private readonly failed: ReportRow[] = [];
  private failedTotal = 0;
  private first: string | undefined;
  private last: string | undefined;
  private readonly maxAttention: number;
  private readonly maxFailed: number;

  constructor(limits: ReportLimits = {}) {
    this.maxAttention = limits.attention ?? 200;
    this.maxFailed = limits.failedRows ?? 100;
  }

  add(row: ReportRow): void {
    this.total++;
    if (row.alreadyDone) this.done++;
    if ((REPORT_STATUSES as readonly string[]).includes(row.status)) {
      this.byStatus.set(row.status, (this.byStatus.get(row.status) ?? 0) + 1);
    } else this.other++;
    if (row.processedAt) {
      if (this.first === undefined || row.processedAt < this.first) this.first = row.processedAt;
      if (this.last === undefined || row.processedAt > this.last) this.last = row.processedAt;
    }

    const op = row.operation as OpType;
    if (EXECUTED.has(row.status) && !row.alreadyDone && OP_TYPES.includes(op)) {
      const units = row.amount ? toMinorUnits(row.amount) : undefined;
      if (units !== undefined && row.currency) {
        const key = `${op}\u0000${row.currency}`;
        const sum = this.amounts.get(key) ?? { units: 0n, rows: 0 };
        sum.units += units;
        sum.rows++;
        this.amounts.set(key, sum);
      } else if (op === 'RV' && !row.amount) this.fullReversals++;
    }

    const kind = attentionOf(row);
    if (kind) {
      this.attentionTotal++;
      this.attentionByKind[kind]++;
      if (this.attentionItems.length < this.maxAttention) this.attentionItems.push({ kind, row });
    }

    if (row.status === 'rejected' || row.status === 'failed') {
      const key = `${row.status}\u0000${row.resultCode}\u0000${row.resultCode ? '' : reasonKey(row.error || row.note)}`;
      let g = this.failures.get(key);
      if (!g) {
        const description =
          row.resultDescription || RESULT_DESCRIPTIONS[row.resultCode] || row.error || row.note || '(no description)';
        g = { status: row.status, resultCode: row.resultCode, description, rows: 0, lines: [] };
        this.failures.set(key, g);
      }
      g.rows++;
      if (g.lines.length < LINES_SHOWN) g.lines.push(row.line);
    }

    if (row.status === 'invalid') {
      const messages = splitMessages(row.error);
      for (const message of messages.length > 0 ? messages : ['(no reason given)']) {
        const key = reasonKey(message);
        let g = this.invalid.get(key);
        if (!g) {
          g = { ...splitReason(message), rows: 0, lines: [] };
          this.invalid.set(key, g);
        }
        g.rows++;
        if (g.lines.length < LINES_SHOWN) g.lines.push(row.line);
      }
    }

    if (FAILED_FILE.has(row.status)) {
      this.failedTotal++;
      if (this.failed.length < this.maxFailed) this.failed.push(row);
    }
  }

  build(meta: ReportMeta): ReportModel {
    const byLine = (a: { line: number }, b: { line: number }) => a.line - b.line;
    const amounts: AmountLine[] = [];
    for (const op of OP_TYPES) {
      const currencies = [...this.amounts.keys()].filter((k) => k.startsWith(`${op}\u0000`)).map((k) => k.slice(op.length + 1));
      for (const currency of currencies.sort()) {
        const sum = this.amounts.get(`${op}\u0000${currency}`)!;
        amounts.push({ operation: op, operationName: OPERATION_RULES[op].name, currency, amount: fromMinorUnits(sum.units), rows: sum.rows });
      }
    }
    const model: ReportModel = {
      meta,
      rows: this.total,
      byStatus: REPORT_STATUSES.map((status) => ({ status, rows: this.byStatus.get(status) ?? 0, meaning: STATUS_MEANING[status] })),
      otherStatus: this.other,
      alreadyDone: this.done,
      amounts,
      fullReversals: this.fullReversals,
      attention: {
        total: this.attentionTotal,
        byKind: { ...this.attentionByKind },
        items: [...this.attentionItems].sort(
          (a, b) => ATTENTION_ORDER.indexOf(a.kind) - ATTENTION_ORDER.indexOf(b.kind) || a.row.line - b.row.line,
        ),
      },
      failures: [...this.failures.values()].sort((a, b) => b.rows - a.rows || a.resultCode.localeCompare(b.resultCode)),
      invalid: [...this.invalid.values()].sort((a, b) => b.rows - a.rows || a.problem.localeCompare(b.problem)),
      failedRows: { total: this.failedTotal, shown: [...this.failed].sort(byLine) },
    };
    if (this.first !== undefined) model.firstProcessedAt = this.first;
    if (this.last !== undefined) model.lastProcessedAt = this.last;
    return model;
  }
}
