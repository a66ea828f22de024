/**
 * Admitting a record: validate it, refuse an id an earlier row of the file
 * used, plan it against the journal (send, look up, or already done), and
 * in a dry run say what would happen. A record either becomes a row to send
 * or look up, or gets its outcome at once.
 */
import type { RowIdentity } from '../plan/journal.js';
import type { Decision } from '../plan/planner.js';
import { StateWriteError } from '../plan/store/errors.js';
import { findSuperseding } from '../plan/superseded.js';
import { baseOf, isDerivedId, type SeenIds } from '../plan/txid.js';
import type { InputRecord, Provenance, RowOutcome } from '../rows/types.js';
import { DONE } from '../statuses.js';
import { validateRow } from '../rows/validate.js';
import { base, earlier, notStartedError } from './outcomes.js';
import type { Row } from './row.js';
import type { BatchState } from './state.js';

export type Admitted = { row: Row } | { outcome: RowOutcome };

/** The error of a record that fails validation: what is wrong, after a note when the row was cut short. */
export function invalidError(rec: InputRecord, errors: readonly string[]): string {
  const short = rec.short ? `row has ${rec.short.cells} cell${rec.short.cells === 1 ? '' : 's'}, the header has ${rec.short.header} (a row cut short?); ` : '';
  return short + errors.join('; ');
}

/** The error of a row whose merchant_transaction_id an earlier row of the file used (and the id counted as seen), or undefined. */
export function duplicateIdError(id: string | undefined, seen: SeenIds): string | undefined {
  return id && !seen.addIfNew(id) ? `merchant_transaction_id "${id}" is used by an earlier row of this file; each row needs its own` : undefined;
}

/** Admit the record read into output place `place`. A state store that cannot be read stops the run (the row is not sent). */
export function admitRecord(b: BatchState, rec: InputRecord, place: number): Admitted {
  const o = b.o;
  const values = o.valuesOf(rec.cells);
  const provenance: Provenance = {};
  if (values.last_status) provenance.lastStatus = values.last_status.trim();
  const v = validateRow(values, b.rules);
  const fileId = values.merchant_transaction_id?.trim() || undefined;
  if (!v.ok) {
    return { outcome: { line: rec.line, cells: rec.cells, status: 'invalid', attempts: 0, error: invalidError(rec, v.errors), ...(fileId ? { merchantTransactionId: fileId } : {}) } };
  }
  const op = v.op;
  const cellsRow = { line: rec.line, cells: rec.cells, op };
  const entity = op.entityId ?? o.defaultEntityId;
  if (!entity) {
    return { outcome: { ...base(cellsRow, fileId), status: 'invalid', error: 'entity_id is empty and no default entity is set: fill the cell or pass --entity-id / OPPWA_ENTITY_ID' } };
  }
  const duplicate = duplicateIdError(op.merchantTransactionId, b.seenIds);
  if (duplicate) return { outcome: { ...base(cellsRow, fileId), status: 'invalid', error: duplicate } };
  const identity: Omit<RowIdentity, 'id'> = {
    type: op.type,
    ref: op.card ? o.cardRef(op.card.number) : (op.paymentId ?? op.registrationId ?? ''),
    amount: op.amount ?? '',
    currency: op.currency ?? '',
    entity,
  };
  let decision: Decision;
  try {
    decision = o.planner.plan({ op, identity, provenance });
  } catch (err) {
    // The row's history cannot be read: it is never sent, and the run stops.
    if (!(err instanceof StateWriteError)) throw err;
    b.stop(err);
    return { outcome: { ...base(cellsRow, fileId), error: `not sent: ${err.message}` } };
  }
  if (decision.action === 'conflict') return { outcome: { ...base(cellsRow, decision.id), error: decision.message } };
  // A row corrected through a failed-rows file: reported with its correction, never sent (issue 13).
  const sup = decision.action === 'done' && DONE.has(decision.outcome.s) ? undefined : findSuperseding(o.journal, decision.id);
  if (sup) {
    const how = baseOf(sup.id) === baseOf(decision.id) ? 'sent again' : 'corrected';
    return { outcome: { ...earlier(cellsRow, sup), note: `${how} by ${sup.src} line ${sup.line} — ${sup.s}` } };
  }
  if (decision.action === 'done') return { outcome: earlier(cellsRow, decision.outcome) };
  if (o.dryRun) {
    return {
      outcome: {
        ...base(cellsRow, decision.id),
        status: 'pending',
        note: decision.action === 'send' ? 'would send' : 'would look up (an earlier send has no known outcome)',
      },
    };
  }
  if (b.stoppedBy) return { outcome: { ...base(cellsRow, decision.id), error: notStartedError(b.stoppedBy), notStarted: true } };
  const rowIdentity: RowIdentity = { id: decision.id, type: identity.type, ref: identity.ref, amount: identity.amount, currency: identity.currency, entity };
  const supersedes =
    provenance.lastStatus && fileId && isDerivedId(fileId) && fileId !== decision.id
      ? { id: fileId, ...(values.source_file?.trim() ? { file: values.source_file.trim() } : {}), ...(values.source_line?.trim() ? { line: values.source_line.trim() } : {}) }
      : undefined;
  return {
    row: { place, line: rec.line, cells: rec.cells, op, entity, identity: rowIdentity, decision, attempts: 0, lastSentAt: 0, lookups: 0, absentAt: 0, sentEnd: 0, ...(supersedes ? { supersedes } : {}) },
  };
}

/** The ids the records of a batch carry, and their bases, for a remote store (PostgreSQL) to fetch before they are planned. */
export function prefetchIds(b: BatchState, batch: InputRecord[]): Promise<void> {
  const keys: string[] = [];
  for (const rec of batch) {
    const id = b.o.valuesOf(rec.cells).merchant_transaction_id?.trim();
    if (!id) continue;
    keys.push(id);
    if (isDerivedId(id)) keys.push(baseOf(id));
  }
  return b.o.journal.prefetch(keys);
}
