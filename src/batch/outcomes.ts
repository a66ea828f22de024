/**
 * Building a row's outcome (what the outputs get), and the journal record of
 * the outcomes that have one.
 */
import { describeRejection, type GatewayResult } from '../gateway/response.js';
import type { RowStatus } from '../statuses.js';
import type { Journal, OutcomeRecord } from '../plan/journal.js';
import { recordSupersede } from '../plan/superseded.js';
import type { Operation, RowOutcome } from '../rows/types.js';
import { isoNow } from './clock.js';
import type { Row } from './row.js';

/** Where the outcomes go in the journal: the journal, and the input's name for their provenance. */
export interface OutcomeJournal {
  o: { journal: Journal; sourceName: string };
}

/** A failed outcome of a row, before anything is known of it (the cells, the operation and the id). */
export function base(row: { line: number; cells: string[]; op: Operation }, mtxid: string | undefined): RowOutcome {
  const out: RowOutcome = { line: row.line, cells: row.cells, status: 'failed', attempts: 0, op: row.op, paymentType: row.op.type };
  if (mtxid) out.merchantTransactionId = mtxid;
  return out;
}

/** The outcome of a row the gateway answered (or a lookup found). */
export function fromResult(row: Row, status: RowStatus, result: GatewayResult, note?: string): RowOutcome {
  const out = base(row, row.decision.id);
  out.status = status;
  out.resultCode = result.code;
  out.resultDescription = result.description;
  out.attempts = row.attempts;
  out.processedAt = isoNow();
  if (result.id) out.newPaymentId = result.id;
  const err = status === 'rejected' ? describeRejection(result) : undefined;
  if (err) out.error = err;
  if (note) out.note = note;
  return out;
}

/** A row that failed with `error`, journalled (`sent`: whether a request of it may have reached the gateway). */
export function failed(b: OutcomeJournal, row: Row, error: string, sent: boolean): RowOutcome {
  b.o.journal.outcome({
    key: row.decision.key,
    id: row.decision.id,
    s: 'failed',
    sent,
    d: error,
    at: isoNow(),
    src: b.o.sourceName,
    line: row.line,
  });
  return { ...base(row, row.decision.id), attempts: row.attempts, error, processedAt: isoNow() };
}

/** Journal the outcome the gateway gave a row (and the row it supersedes, if any); returns it. */
export function record(b: OutcomeJournal, row: Row, out: RowOutcome): RowOutcome {
  const rec: Omit<OutcomeRecord, 'k'> = {
    key: row.decision.key,
    id: row.decision.id,
    s: out.status,
    sent: true,
    at: out.processedAt ?? isoNow(),
    src: b.o.sourceName,
    line: row.line,
  };
  if (out.resultCode) rec.c = out.resultCode;
  // Even an empty one: the journal leaves out only a description that is the code's own.
  if (out.resultDescription !== undefined) rec.d = out.resultDescription;
  if (out.newPaymentId) rec.n = out.newPaymentId;
  if (out.note) rec.note = out.note;
  b.o.journal.outcome(rec);
  if (row.supersedes) recordSupersede(b.o.journal, row.supersedes.id, rec, row.supersedes);
  return out;
}

/** A row completed by an earlier run, reported with that run's outcome. */
export function earlier(row: { line: number; cells: string[]; op: Operation }, rec: OutcomeRecord): RowOutcome {
  const out: RowOutcome = {
    line: row.line,
    cells: row.cells,
    status: rec.s as RowOutcome['status'],
    attempts: 0,
    op: row.op,
    paymentType: row.op.type,
    merchantTransactionId: rec.id,
    processedAt: rec.at,
    alreadyDone: true,
    note: `already done on ${rec.at.slice(0, 10)} by ${rec.src} line ${rec.line}`,
  };
  if (rec.c) out.resultCode = rec.c;
  if (rec.d) out.resultDescription = rec.d;
  if (rec.n) out.newPaymentId = rec.n;
  return out;
}

/** The error of a row the run never started. */
export function notStartedError(stoppedBy: Error): string {
  return `not started: the run was stopped (${stoppedBy.message.split(';')[0]}) — run the same command again`;
}
