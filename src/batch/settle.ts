/**
 * Settling rows whose outcome is unknown: set aside, and looked up once
 * `--settle` has passed, while the rest of the file goes on
 * (docs/exactly-once.md#lookups). A row set aside keeps its place in the
 * outputs, so the rows after it can be written meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { interpretLookup, type LookupTarget } from '../gateway/lookup.js';
import { buildLookupRequest } from '../gateway/requests.js';
import type { GatewayResult } from '../gateway/response.js';
import { MANUAL_ACTION_CODE } from '../gateway/result-codes.js';
import type { RowStatus } from '../statuses.js';
import type { RowOutcome } from '../rows/types.js';
import { isoNow } from './clock.js';
import { base, failed, fromResult, record } from './outcomes.js';
import { backoffMs } from './pacer.js';
import { paymentKey, type Row } from './row.js';
import { recordIntent, sendRow } from './send.js';
import type { BatchState } from './state.js';

/** The place of a set-aside row when the outputs failed before keeping it. */
const LOST = Symbol('lost');
/** Rows set aside for lookups at once before they, too, hold the output places. */
const MAX_ASIDE = 10_000;

/**
 * Settle a row set aside: its place in the outputs is kept and the places
 * move on, unless the outputs cannot keep places or too many rows wait.
 * Undefined when the outcome went to its kept place.
 */
export async function setAside(b: BatchState, row: Row, reason: string): Promise<RowOutcome | undefined> {
  b.readAhead.park();
  try {
    if (!b.o.deferral || b.aside >= MAX_ASIDE) return await settleRow(b, row, reason);
    b.aside++;
    try {
      const kept = new Promise<unknown>((keep, lost) => b.places.complete(row.place, { keep, lost })).catch(() => LOST);
      const out = await settleRow(b, row, reason);
      const where = await kept;
      // The outputs failed (the run ends with their error); the outcome is in the journal.
      if (where !== LOST) await b.o.deferral.fill(where, out);
    } finally {
      b.aside--;
    }
    return undefined;
  } finally {
    b.readAhead.unpark();
  }
}

/**
 * Look a set-aside row up until the gateway says what happened.
 * The first lookup waits `--settle` after the end of the
 * last send (which is at least `--timeout`); the row is sent again only
 * after two rounds `--lookup-interval` apart found every id absent, so an
 * original still queued in front of the gateway, or not yet in its query
 * results, is found by the second round. Runs inside the row's payment
 * chain: the rows of its payment wait, and a send again keeps file order.
 */
export async function settleRow(b: BatchState, row: Row, reason: string): Promise<RowOutcome> {
  const o = b.o;
  let lastReason = reason;
  /** A per-id throttle of a lookup: this row's next round waits at least until then. */
  let holdUntil = 0;
  /** A lookup found a transaction that may be this row's but cannot be confirmed (until an answer says otherwise). */
  let unconfirmedBefore = false;
  for (;;) {
    const due = Math.max(holdUntil, row.lastSentAt + (row.lookups === 0 ? o.settleMs : o.lookupIntervalMs));
    if (b.stoppedBy || row.lookups >= o.maxAttempts) break;
    const wait = due - Date.now();
    if (wait > 0) {
      b.waits.begin(row, due);
      await sleep(wait, undefined, { signal: b.wake.signal }).catch(() => undefined);
      b.waits.end(row);
    }
    if (b.stoppedBy) break;
    row.lookups++;
    /** When this round of lookups started: an "absent" proves only what was visible by then. */
    const roundStart = Date.now();
    const d = row.decision;
    const ids = d.action === 'lookup' ? d.ids : [d.id];
    const sendAs = d.action === 'lookup' && d.sendAs ? d.sendAs : { id: d.id, key: d.key, gen: d.gen };
    const rerun = d.action === 'lookup' && d.rerunRejected === true;
    let absent = 0;
    let found: { status: RowStatus; result: GatewayResult; note: string } | undefined;
    let unconfirmed = false;
    let queryRefused = false;
    for (const id of ids) {
      const ex = await b.limit(async () => {
        if (!b.pacer.isOpen()) await b.pacer.ready();
        return o.client.send(buildLookupRequest(id, row.entity));
      });
      const ans = interpretLookup(ex, target(row), id);
      b.stopRules.observe(ans, ex.kind === 'answered' ? ex.httpStatus : undefined);
      row.lastSentAt = Date.now();
      // A rerun of a rejected row: the old attempt's rejection, or the
      // content before the user corrected it, is not this send's outcome.
      const oldAttempt = rerun && id !== sendAs.id;
      if (ans.kind === 'found' && !(oldAttempt && ans.status === 'rejected')) {
        const note = `found by lookup after ${lastReason}`;
        if (!found || ans.status !== 'rejected') {
          found = { status: ans.status, result: ans.result, note: ans.result.code === MANUAL_ACTION_CODE ? `${note}; manual action required` : note };
        }
        if (ans.status !== 'rejected') break;
      } else if (ans.kind === 'absent' || ans.kind === 'found' || (ans.kind === 'mismatch' && oldAttempt)) {
        absent++;
      } else if (ans.kind === 'mismatch') {
        return failed(b, row, `merchant_transaction_id ${id} is used at the gateway by another operation (${ans.result.paymentType ?? '?'} ${ans.result.amount ?? ''} ${ans.result.currency ?? ''}); not sent`, false);
      } else if (ans.kind === 'unconfirmed') {
        unconfirmed = true;
        unconfirmedBefore = true;
        lastReason = `the lookup of ${id} found a transaction (${ans.result.code}) whose answer lacks the fields to confirm it is this row's`;
      } else if (ans.kind === 'credentials') {
        // Asking again will not help: the row stays unknown (never sent on it).
        lastReason = ans.reason;
        queryRefused = true;
      } else {
        // A throttled or failed lookup tells nothing new: a transaction found earlier that may be this row's stays the reason.
        if (!unconfirmedBefore) lastReason = ans.reason;
        if (ans.throttled) {
          const hold = Math.max(ans.retryAfterMs ?? 0, backoffMs(row.lookups));
          if (ans.throttledId !== undefined) holdUntil = Math.max(holdUntil, Date.now() + hold);
          else b.pacer.pauseAll(hold);
        }
      }
    }
    // A transaction that may be this row's, executed, outranks a rejection.
    if (found && !(unconfirmed && found.status === 'rejected')) {
      if (found.status === 'unknown') {
        lastReason = `the gateway reported ${found.result.code}`;
        // Found, but its outcome is itself unknown: the note must not say the row was settled by the lookup.
        const manual = found.result.code === MANUAL_ACTION_CODE ? '; manual action required' : '';
        row.lastResult = { result: found.result, note: `looked up: the gateway has the transaction, still with ${found.result.code} (outcome not final)${manual}` };
        row.absentAt = 0;
        continue;
      }
      return record(b, row, fromResult(row, found.status, found.result, found.note));
    }
    if (queryRefused) break;
    if (found || unconfirmed || absent < ids.length) {
      row.absentAt = 0;
      continue;
    }
    // Absent proves "never executed" only once the original can no longer
    // be executing nor missing from the query results (SPEC §4; the query
    // lag is shorter than --settle):
    // - send time known (this run sent it, or the journal has its intent):
    //   a round started --settle plus --lookup-interval after the send
    //   ended, so a row just set aside needs a second absent round, one an
    //   earlier run sent long ago does not;
    // - send time unknown (a failed-rows file from elsewhere, --lookup-first
    //   with a state that knows nothing): it may have been sent elsewhere
    //   just before, inside the query lag. The first absent round proves
    //   nothing; a second one started at least --settle after the first
    //   ended does. Every --lookup-first row pays this too.
    const now = Date.now();
    const proven = row.sentEnd > 0 ? roundStart >= row.sentEnd + o.settleMs + o.lookupIntervalMs : row.absentAt > 0 && roundStart >= row.absentAt + o.settleMs;
    if (!proven) {
      if (row.absentAt === 0) row.absentAt = now;
      // With the send time unknown, a lookup before --settle has passed since the first absent would prove nothing: wait for it.
      if (row.sentEnd === 0) holdUntil = Math.max(holdUntil, row.absentAt + o.settleMs);
      lastReason =
        row.sentEnd > 0
          ? 'absent at the lookup, to be confirmed by another --lookup-interval later'
          : 'absent at the lookup, to be confirmed by another one --settle later (when it was sent is not known)';
      if (row.lookups >= o.maxAttempts) break;
      continue;
    }
    // The gateway never executed it: send under the latest id (or, for a
    // rerun of a rejected row, the next one), in this payment's turn.
    row.decision = { action: 'send', id: sendAs.id, key: sendAs.key, gen: sendAs.gen, derived: d.derived };
    row.identity.id = sendAs.id;
    // This journal may never have seen the row (a failed-rows file from elsewhere).
    await recordIntent(b, row);
    const again = await sendRow(b, row);
    if ('done' in again) return again.done;
    lastReason = again.unknown;
    row.lookups = 0;
  }
  return leftUnknown(b, row, lastReason);
}

/** The row is still unknown: journalled so, and its payment's later rows are not sent in this run. */
function leftUnknown(b: BatchState, row: Row, lastReason: string): RowOutcome {
  const out: RowOutcome = row.lastResult
    ? fromResult(row, 'unknown', row.lastResult.result, row.lastResult.note)
    : { ...base(row, row.decision.id), status: 'unknown', attempts: row.attempts, processedAt: isoNow() };
  const pk = paymentKey(row);
  if (pk !== undefined && !b.unsettled.has(pk)) b.unsettled.set(pk, row.line);
  out.error = `outcome unknown (${lastReason}); ${b.stoppedBy ? 'the run stopped before it could be looked up' : `still unknown after ${row.lookups} lookup${row.lookups === 1 ? '' : 's'}`}: run again later to look it up`;
  b.o.journal.outcome({ key: row.decision.key, id: row.decision.id, s: 'unknown', sent: true, ...(out.resultCode ? { c: out.resultCode } : {}), d: lastReason, at: out.processedAt!, src: b.o.sourceName, line: row.line });
  return out;
}

/** What a lookup's answer must match to be this row's. */
function target(row: Row): LookupTarget {
  const t: LookupTarget = { type: row.op.type };
  if (row.op.paymentId) t.paymentId = row.op.paymentId;
  if (row.op.amount) t.amount = row.op.amount;
  if (row.op.currency) t.currency = row.op.currency;
  return t;
}
