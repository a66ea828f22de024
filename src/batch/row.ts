/** A row admitted to be sent or looked up, as the steps of the batch carry it along. */
import type { GatewayResult } from '../gateway/response.js';
import type { RowIdentity } from '../plan/journal.js';
import type { Decision } from '../plan/planner.js';
import type { Operation, RowOutcome } from '../rows/types.js';

export interface Row {
  /** Its place in the outputs (OutputPlaces). */
  place: number;
  line: number;
  cells: string[];
  op: Operation;
  entity: string;
  identity: RowIdentity;
  decision: Exclude<Decision, { action: 'done' | 'conflict' }>;
  attempts: number;
  lastSentAt: number;
  lookups: number;
  /** When a round of lookups last found every id absent (0: not since the last send). */
  absentAt: number;
  /** When the row's last send ended, as far as known (0: not known, e.g. a failed-rows file from elsewhere). */
  sentEnd: number;
  /** The gateway's last answer when it was an unknown-group code (900.x, 000.400.030…). */
  lastResult?: { result: GatewayResult; note?: string };
  /** A correction from a failed-rows file: the original row's id and place, which it supersedes. */
  supersedes?: { id: string; file?: string; line?: string };
}

/** What sending came to: the row is finished with a status, or set aside for a lookup (why). */
export type SendResult = { done: RowOutcome } | { unknown: string };

/** Rows that refer to one payment are chained; credits are independent. */
export function paymentKey(row: Pick<Row, 'op' | 'entity'>): string | undefined {
  return row.op.paymentId ? `${row.entity}/${row.op.paymentId}` : undefined;
}
