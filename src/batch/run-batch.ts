/**
 * The pipeline: read → validate → plan (journal) → send → classify → write.
 *
 * Records are pulled from the input only while few rows wait to be sent
 * (the read-ahead) and the reorder window has room, so memory stays flat. Each valid row is planned against the journal, then
 * sent under the concurrency limit and `--rate`, one at a time per payment,
 * with retries for what certainly did not execute. Rows whose outcome is
 * unknown are set aside and looked up once `--settle` has passed, while the
 * rest of the file goes on. Outcomes leave in input order.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../errors.js';
import type { GatewayClient } from '../gateway/client.js';
import { interpretLookup, type LookupTarget } from '../gateway/lookup.js';
import { buildLookupRequest, buildOperationRequest } from '../gateway/requests.js';
import { describeRejection, interpretExchange, type GatewayResult } from '../gateway/response.js';
import { MANUAL_ACTION_CODE } from '../gateway/result-codes.js';
import type { Journal, OutcomeRecord, RowIdentity } from '../plan/journal.js';
import { describeUse, type Decision, type Planner } from '../plan/planner.js';
import { StateWriteError } from '../plan/store/errors.js';
import { baseOf, isDerivedId, SeenIds } from '../plan/txid.js';
import { findSuperseding, recordSupersede } from '../plan/superseded.js';
import type { FieldValues, InputRecord, Operation, Provenance, RowOutcome, RowStatus } from '../rows/types.js';
import { validateRow } from '../rows/validate.js';
import { isoNow } from './clock.js';
import { backoffMs, Pacer } from './pacer.js';
import { PaymentOrder } from './payment-order.js';
import { ReorderWindow } from './reorder-window.js';
import { Slots } from './slots.js';

export interface BatchOptions {
  /** The input's records, in arrays of those read at once. */
  batches: AsyncIterable<InputRecord[]>;
  valuesOf(cells: string[]): FieldValues;
  /** Name of the input for the journal's provenance (base name, or `stdin`). */
  sourceName: string;
  defaultEntityId: string | undefined;
  client: GatewayClient;
  journal: Journal;
  planner: Planner;
  /** Keyed hash of a card number, for the journal's reference of a card credit. */
  cardRef(number: string): string;
  concurrency: number;
  rate: number | undefined;
  maxAttempts: number;
  settleMs: number;
  lookupIntervalMs: number;
  /**
   * Per request: a send an earlier run journalled may have lasted this long
   * after its intent, so its --settle counts from there.
   */
  timeoutMs?: number;
  maxOutageMs: number;
  decimalComma: boolean;
  allowCardData: boolean;
  testMode?: 'EXTERNAL' | 'INTERNAL';
  dryRun: boolean;
  sink(outcome: RowOutcome): void | Promise<void>;
  /**
   * Keep the place of a row set aside for a lookup, so the rows after it can
   * be written meanwhile; `fill` gives its outcome later. Absent when the
   * outputs cannot keep places (stdout): set-aside rows then hold the window.
   */
  deferral?: {
    defer(): unknown;
    fill(place: unknown, outcome: RowOutcome): void | Promise<void>;
  };
  /** Stop taking rows when this fires (signals). */
  stopSignal: AbortSignal;
  /** Rows start (a describer of what the run waits for) or stop (undefined) waiting for lookups: for the progress line. */
  onWaiting?: (describe: (() => string | undefined) | undefined) => void;
}

export interface BatchResult {
  /** Why the run stopped early, if it did. */
  stoppedBy?: Error;
}

interface Row {
  seq: number;
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

/** A row is finished with a status, or set aside for a lookup. */
type SendResult = { done: RowOutcome } | { unknown: string };

const WINDOW = 1024;
/**
 * Rows read ahead of sending: started and not finished, as a multiple of the
 * concurrency. Rows waiting for a lookup or for an earlier row of their
 * payment are not counted (the window bounds them): a file with many rows per
 * payment side by side still keeps every slot busy. Enough that intents wait for a
 * sync together and every slot has a row ready; more only keeps objects alive
 * long enough for the garbage collector to copy them (10% CPU at 1024).
 */
const READ_AHEAD_PER_SLOT = 4;
const MIN_READ_AHEAD = 64;
/**
 * Once the read-ahead is full, reading resumes only when this many rows have
 * finished, so rows are planned a few at a time and their intents share one
 * sync. Larger bursts hold up answers waiting to be processed (at 50 ms
 * latency and concurrency 64, a burst of 64 cost 1.5% of throughput).
 */
const REFILL = 16;
/** The place of a set-aside row when the outputs failed before keeping it. */
const LOST = Symbol('lost');
/** Rows set aside for lookups at once before they, too, hold the window. */
const MAX_ASIDE = 10_000;

/** What the window hands to the writers, in input order: an outcome, or a place kept for one. */
type Slot = { outcome: RowOutcome } | { keep: (place: unknown) => void; lost: (err: unknown) => void };

export async function runBatch(o: BatchOptions): Promise<BatchResult> {
  const window = new ReorderWindow<Slot>(
    WINDOW,
    (slot) => ('outcome' in slot ? o.sink(slot.outcome) : slot.keep(o.deferral!.defer())),
    // The outputs failed: stop, and a row waiting for its place must not wait forever.
    (slot, err) => {
      stop(err instanceof Error ? err : new Error(String(err)));
      if ('lost' in slot) slot.lost(err);
    },
  );
  /** Rows whose place is kept in the outputs while they wait for a lookup (at most MAX_ASIDE). */
  let aside = 0;
  /**
   * Rows waiting for a lookup (whether or not their place is kept) or for an
   * earlier row of their payment: not counted in the read-ahead.
   */
  let parked = 0;
  const readAhead = Math.max(MIN_READ_AHEAD, READ_AHEAD_PER_SLOT * o.concurrency);
  const resumeAt = readAhead - Math.min(REFILL, o.concurrency);
  /** The reader, waiting for the rows in flight to drop to `resumeAt`. */
  let reader: (() => void) | undefined;
  const wakeReader = () => {
    if (reader && active - parked <= resumeAt) {
      const wake = reader;
      reader = undefined;
      wake();
    }
  };
  const slots = new Slots(o.concurrency);
  const limit = <T>(task: () => Promise<T>): Promise<T> => slots.run(task);
  const order = new PaymentOrder();
  const seenIds = new SeenIds();
  const wake = new AbortController();
  // Every row sleeping for a lookup listens to it: more than 10 is normal, not a leak (no MaxListenersExceededWarning on stderr).
  setMaxListeners(0, wake.signal);
  const pacer = new Pacer(o.rate, wake.signal);
  const refusedEntities = new Set<string>();
  /** Rows started and not finished; `allFinished` is called when it drops to 0 after reading ended. */
  let active = 0;
  let allFinished: (() => void) | undefined;
  let stoppedBy: Error | undefined;
  let lastSuccessAt = Date.now();
  let gatewayJsonSeen = false;
  let nonGatewayAnswers = 0;

  /** Rows sleeping until their next lookup, and when it is due. */
  const waits = new Map<Row, number>();
  /** What the run waits for, computed only when the progress line is drawn (never per row). */
  const waitingText = (): string | undefined => {
    if (waits.size === 0) return undefined;
    let next = Infinity;
    for (const due of waits.values()) if (due < next) next = due;
    return `waiting for ${waits.size} lookup${waits.size === 1 ? '' : 's'} (--settle / --lookup-interval), next in ${formatWait(Math.max(0, next - Date.now()))}`;
  };

  const stop = (err: Error) => {
    if (!stoppedBy) stoppedBy = err;
    wake.abort();
  };
  const onSignal = () => stop(o.stopSignal.reason instanceof Error ? o.stopSignal.reason : new Error('stopped'));
  if (o.stopSignal.aborted) onSignal();
  else o.stopSignal.addEventListener('abort', onSignal, { once: true });

  /** Every exchange passes here: outage and wrong-URL rules (docs/exactly-once.md#stopping). */
  const observe = (seen: { exchanged: boolean; foreign: boolean }, httpStatus: number | undefined): void => {
    const now = Date.now();
    if (seen.exchanged) {
      gatewayJsonSeen = true;
      lastSuccessAt = now;
      return;
    }
    if (seen.foreign && !gatewayJsonSeen && ++nonGatewayAnswers >= NON_GATEWAY_STOP) {
      stop(
        new AbortError(
          `the first ${nonGatewayAnswers} answers were not the gateway's JSON (last: HTTP ${httpStatus ?? '?'}); check --gateway / OPPWA_BASE_URL`,
        ),
      );
      return;
    }
    if (now - lastSuccessAt > o.maxOutageMs) {
      stop(
        new AbortError(
          `no successful exchange with the gateway for ${Math.round((now - lastSuccessAt) / 1000)}s (--max-outage); ` +
            `what was done is journalled: run the same command again when the gateway is back`,
        ),
      );
    }
  };

  const base = (row: Pick<Row, 'line' | 'cells' | 'op'>, mtxid: string | undefined): RowOutcome => {
    const out: RowOutcome = { line: row.line, cells: row.cells, status: 'failed', attempts: 0, op: row.op, paymentType: row.op.type };
    if (mtxid) out.merchantTransactionId = mtxid;
    return out;
  };

  const fromResult = (row: Row, status: RowStatus, result: GatewayResult, note?: string): RowOutcome => {
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
  };

  const failed = (row: Row, error: string, sent: boolean): RowOutcome => {
    o.journal.outcome({
      key: row.decision.key,
      id: row.decision.id,
      s: 'failed',
      sent,
      d: error,
      at: isoNow(),
      src: o.sourceName,
      line: row.line,
    });
    return { ...base(row, row.decision.id), attempts: row.attempts, error, processedAt: isoNow() };
  };

  const record = (row: Row, out: RowOutcome): RowOutcome => {
    const rec: Omit<OutcomeRecord, 'k'> = {
      key: row.decision.key,
      id: row.decision.id,
      s: out.status,
      sent: true,
      at: out.processedAt ?? isoNow(),
      src: o.sourceName,
      line: row.line,
    };
    if (out.resultCode) rec.c = out.resultCode;
    // Even an empty one: the journal leaves out only a description that is the code's own.
    if (out.resultDescription !== undefined) rec.d = out.resultDescription;
    if (out.newPaymentId) rec.n = out.newPaymentId;
    if (out.note) rec.note = out.note;
    o.journal.outcome(rec);
    if (row.supersedes) recordSupersede(o.journal, row.supersedes.id, rec, row.supersedes);
    return out;
  };

  /** Make the row's intent durable: before any request of it can leave (docs/exactly-once.md#reruns). */
  const recordIntent = (row: Row): Promise<void> => {
    const idn = row.identity;
    return o.journal.intent({
      key: row.decision.key,
      gen: row.decision.gen,
      id: idn.id,
      type: idn.type,
      ref: idn.ref,
      amount: idn.amount,
      currency: idn.currency,
      entity: idn.entity,
      at: isoNow(),
      src: o.sourceName,
      line: row.line,
    });
  };

  /** Send until the gateway decides, the outcome becomes unknown, or attempts run out. */
  const sendPhase = async (row: Row): Promise<SendResult> => {
    for (;;) {
      if (stoppedBy) return { done: { ...failed(row, notStartedError(stoppedBy), false), notStarted: true } };
      if (refusedEntities.has(row.entity)) {
        return { done: failed(row, `not sent: the gateway refused the credentials for entity ${row.entity}`, false) };
      }
      if (row.attempts >= o.maxAttempts) {
        return { done: failed(row, `not sent: gave up after ${row.attempts} attempts (--max-attempts)`, false) };
      }
      const req = buildOperationRequest(row.op, { entityId: row.entity, merchantTransactionId: row.decision.id, testMode: o.testMode });
      // A connection slot only while the request waits for the pace, is in
      // flight and its answer is judged: a row waiting out a backoff or a
      // per-id throttle holds none. The pace is awaited inside the slot, so a
      // pause for the whole account holds every row queued for a slot too,
      // and what stops the run (refused credentials) is known before the
      // slot goes to the next row.
      let httpStatus: number | undefined;
      const it = await limit(async () => {
        if (!pacer.isOpen()) await pacer.ready();
        if (stoppedBy || refusedEntities.has(row.entity)) return undefined;
        // Last check before the POST leaves: the state store (a PostgreSQL lease) still vouches for this run; else not sent, and the run stops.
        if (!o.journal.canSend()) return void stop(o.journal.failure.reason instanceof Error ? o.journal.failure.reason : new Error('the state store cannot vouch for this run any more'));
        row.attempts++;
        row.lastSentAt = Date.now();
        const ex = await o.client.send(req);
        // --settle counts from the end of the send: until then it may be executing.
        row.lastSentAt = Date.now();
        row.sentEnd = row.lastSentAt;
        row.absentAt = 0;
        httpStatus = ex.kind === 'answered' ? ex.httpStatus : undefined;
        const got = interpretExchange(ex, { paymentId: row.op.paymentId, merchantTransactionId: row.decision.id });
        observe(got, httpStatus);
        if (got.kind === 'credentials') {
          if (row.entity === o.defaultEntityId || !o.defaultEntityId) {
            stop(
              new AbortError(
                `the gateway refused the access token for entity ${row.entity} (${got.reason.replace(/^credentials refused \((.*)\)$/, '$1')}); ` +
                  `check OPPWA_ACCESS_TOKEN or --token-file, and --entity-id`,
              ),
            );
          } else {
            refusedEntities.add(row.entity);
          }
        }
        // A throttle for the whole account slows every worker.
        if (got.kind === 'retry' && got.throttled && got.throttledId === undefined) {
          pacer.pauseAll(Math.max(got.retryAfterMs ?? 0, backoffMs(row.attempts)));
        }
        return got;
      });
      if (it === undefined) continue;
      // No gateway JSON yet in this run, and an answer that is not the gateway's and says the request was not processed
      // (a 4xx page, 501): the request reached some other server, not a gateway. Failed, not sent; not unknown.
      if (httpStatus !== undefined && it.foreign && !gatewayJsonSeen && notProcessedStatus(httpStatus)) {
        return { done: failed(row, `not sent to a gateway: the server at --gateway answered HTTP ${httpStatus} with no gateway JSON (a wrong URL?)`, false) };
      }
      switch (it.kind) {
        case 'outcome':
          if (it.status === 'unknown') {
            // An unknown-group code: it may have executed; a lookup may tell more later.
            row.lastResult = { result: it.result, ...(it.note ? { note: it.note } : {}) };
            return { unknown: `the gateway answered ${it.result.code}` };
          }
          return { done: record(row, fromResult(row, it.status, it.result, it.note)) };
        case 'credentials':

          return { done: failed(row, `not executed: ${it.reason} for entity ${row.entity}`, false) };
        case 'retry': {
          // A throttle for the whole account paused every worker (above); one
          // naming this payment or id delays only this row (and, in file
          // order, the rows of its payment behind it), as does any other retry.
          if (!(it.throttled && it.throttledId === undefined)) {
            const wait = Math.max(it.retryAfterMs ?? 0, backoffMs(row.attempts));
            await sleep(wait, undefined, { signal: wake.signal }).catch(() => undefined);
          }
          if (row.attempts >= o.maxAttempts) {
            return { done: failed(row, `not sent: ${it.reason}; gave up after ${row.attempts} attempts (--max-attempts)`, false) };
          }
          continue;
        }
        case 'unknown':
          return { unknown: it.reason };
      }
    }
  };

  const target = (row: Row): LookupTarget => {
    const t: LookupTarget = { type: row.op.type };
    if (row.op.paymentId) t.paymentId = row.op.paymentId;
    if (row.op.amount) t.amount = row.op.amount;
    if (row.op.currency) t.currency = row.op.currency;
    return t;
  };

  /**
   * Look a set-aside row up until the gateway says what happened (docs/exactly-once.md#lookups).
   * The first lookup waits `--settle` after the end of the
   * last send (which is at least `--timeout`); the row is sent again only
   * after two rounds `--lookup-interval` apart found every id absent, so an
   * original still queued in front of the gateway, or not yet in its query
   * results, is found by the second round. Runs inside the row's payment
   * chain: the rows of its payment wait, and a send again keeps file order.
   */
  const settle = async (row: Row, reason: string): Promise<RowOutcome> => {
    let lastReason = reason;
    /** A per-id throttle of a lookup: this row's next round waits at least until then. */
    let holdUntil = 0;
    /** A lookup found a transaction that may be this row's but cannot be confirmed (until an answer says otherwise). */
    let unconfirmedBefore = false;
    for (;;) {
      const due = Math.max(holdUntil, row.lastSentAt + (row.lookups === 0 ? o.settleMs : o.lookupIntervalMs));
      if (stoppedBy || row.lookups >= o.maxAttempts) break;
      const wait = due - Date.now();
      if (wait > 0) {
        waits.set(row, due);
        if (waits.size === 1) o.onWaiting?.(waitingText);
        await sleep(wait, undefined, { signal: wake.signal }).catch(() => undefined);
        waits.delete(row);
        if (waits.size === 0) o.onWaiting?.(undefined);
      }
      if (stoppedBy) break;
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
        const ex = await limit(async () => {
          if (!pacer.isOpen()) await pacer.ready();
          return o.client.send(buildLookupRequest(id, row.entity));
        });
        const ans = interpretLookup(ex, target(row), id);
        observe(ans, ex.kind === 'answered' ? ex.httpStatus : undefined);
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
          return failed(row, `merchant_transaction_id ${id} is used at the gateway by another operation (${ans.result.paymentType ?? '?'} ${ans.result.amount ?? ''} ${ans.result.currency ?? ''}); not sent`, false);
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
            else pacer.pauseAll(hold);
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
        return record(row, fromResult(row, found.status, found.result, found.note));
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
      await recordIntent(row);
      const again = await sendPhase(row);
      if ('done' in again) return again.done;
      lastReason = again.unknown;
      row.lookups = 0;
    }
    const out: RowOutcome = row.lastResult
      ? fromResult(row, 'unknown', row.lastResult.result, row.lastResult.note)
      : { ...base(row, row.decision.id), status: 'unknown', attempts: row.attempts, processedAt: isoNow() };
    const pk = paymentKey(row);
    if (pk !== undefined && !unsettled.has(pk)) unsettled.set(pk, row.line);
    out.error = `outcome unknown (${lastReason}); ${stoppedBy ? 'the run stopped before it could be looked up' : `still unknown after ${row.lookups} lookup${row.lookups === 1 ? '' : 's'}`}: run again later to look it up`;
    o.journal.outcome({ key: row.decision.key, id: row.decision.id, s: 'unknown', sent: true, ...(out.resultCode ? { c: out.resultCode } : {}), d: lastReason, at: out.processedAt!, src: o.sourceName, line: row.line });
    return out;
  };

  /**
   * Settle a row set aside: its place in the outputs is kept and the window
   * moves on, unless the outputs cannot keep places or too many rows wait.
   */
  const setAside = async (row: Row, reason: string): Promise<RowOutcome | undefined> => {
    parked++;
    wakeReader();
    try {
      if (!o.deferral || aside >= MAX_ASIDE) return await settle(row, reason);
      aside++;
      try {
        const place = new Promise<unknown>((keep, lost) => window.complete(row.seq, { keep, lost })).catch(() => LOST);
        const out = await settle(row, reason);
        const where = await place;
        // The outputs failed (the run ends with their error); the outcome is in the journal.
        if (where !== LOST) await o.deferral.fill(where, out);
      } finally {
        aside--;
      }
      return undefined;
    } finally {
      parked--;
    }
  };

  /**
   * Run a row's whole course (send, and the lookups of a set-aside row) once
   * every earlier row of its payment has finished its own: a capture whose
   * outcome is unknown holds back the reversal after it until it is settled.
   */
  const inOrder = <T>(row: Row, task: () => Promise<T>): Promise<T> => {
    const key = paymentKey(row);
    if (!order.isBusy(key)) return order.run(key, task);
    parked++;
    wakeReader();
    return order.run(key, () => {
      parked--;
      return task();
    });
  };

  /** Payments with a row left unknown in this run (→ its line): their later rows are not sent. */
  const unsettled = new Map<string, number>();

  const process = (row: Row): Promise<RowOutcome | undefined> => {
    // The intent is on disk before the request can leave. Its write starts
    // before the row waits for its payment's turn or a connection slot, so
    // the rows waiting for one sync travel together while the slots stay
    // busy sending (a crash meanwhile makes the row a lookup, never a resend).
    // The row takes its place in its payment's chain at once, in file order:
    // a lookup row (no intent to write) must not overtake an earlier row, nor
    // wait in the chain for a place in the outputs behind a row it holds up.
    const durable = row.decision.action === 'send' ? recordIntent(row) : undefined;
    // Awaited in the chain; marked handled now, so a failed write waiting there is not an unhandled rejection.
    durable?.catch(() => undefined);
    return inOrder(row, async () => {
      if (durable) await durable;
      const key = paymentKey(row);
      const before = key === undefined ? undefined : unsettled.get(key);
      if (before !== undefined) {
        // An earlier row of this payment may or may not have executed: what
        // this one does depends on it (a reversal after a capture).
        const why = `line ${before} of the same payment has an unknown outcome; run again once it is known, and the rows go in file order`;
        if (row.decision.action === 'send') return failed(row, `not sent: ${why}`, false);
        // Sent by an earlier run, perhaps: the journal keeps saying so (no outcome written).
        return { ...base(row, row.decision.id), status: 'unknown', attempts: 0, processedAt: isoNow(), error: `not looked up: ${why}` };
      }
      if (row.decision.action === 'lookup') {
        const at = row.decision.lastSentAt;
        row.lastSentAt = at > 0 ? at + (o.timeoutMs ?? 0) : 0;
        row.sentEnd = row.lastSentAt;
        return setAside(row, row.decision.confirm ? 'an earlier run' : '--lookup-first');
      }
      const first = await sendPhase(row);
      if ('done' in first) return first.done;
      return setAside(row, first.unknown);
    });
  };

  const start = async (row: Row): Promise<void> => {
    active++;
    let out: RowOutcome | undefined;
    try {
      out = await process(row);
    } catch (err) {
      // The state store stopped taking intents: this row's was not recorded, so it was not sent.
      if (err instanceof StateWriteError) out = failed(row, `not sent: ${err.message}`, false);
      else out = failed(row, `internal error: ${(err as Error).message}`, true);
    }
    if (out) window.complete(row.seq, { outcome: out });
    if (--active === 0) allFinished?.();
    wakeReader();
  };

  const emit = (seq: number, outcome: RowOutcome) => window.complete(seq, { outcome });
  const rules = { decimalComma: o.decimalComma, allowCardData: o.allowCardData, hasDefaultEntity: o.defaultEntityId !== undefined };
  for await (const batch of o.batches) {
  // A remote store (PostgreSQL) fetches the history of the ids the rows carry before they are planned.
  if (o.journal.remote) await prefetchIds(o, batch);
  for (const rec of batch) {
    if (active - parked >= readAhead) await new Promise<void>((resolve) => (reader = resolve));
    let seq = window.tryOpen();
    if (seq < 0) seq = await window.open();
    const values = o.valuesOf(rec.cells);
    const provenance: Provenance = {};
    if (values.last_status) provenance.lastStatus = values.last_status.trim();
    const v = validateRow(values, rules);
    const fileId = values.merchant_transaction_id?.trim() || undefined;
    if (!v.ok) {
      const short = rec.short ? `row has ${rec.short.cells} cell${rec.short.cells === 1 ? '' : 's'}, the header has ${rec.short.header} (a row cut short?); ` : '';
      emit(seq, { line: rec.line, cells: rec.cells, status: 'invalid', attempts: 0, error: short + v.errors.join('; '), ...(fileId ? { merchantTransactionId: fileId } : {}) });
      continue;
    }
    const op = v.op;
    const entity = op.entityId ?? o.defaultEntityId;
    if (!entity) {
      emit(seq, { ...base({ line: rec.line, cells: rec.cells, op }, fileId), status: 'invalid', error: 'entity_id is empty and no default entity is set: fill the cell or pass --entity-id / OPPWA_ENTITY_ID' });
      continue;
    }
    if (op.merchantTransactionId && seenIds.add(op.merchantTransactionId)) {
      emit(seq, { ...base({ line: rec.line, cells: rec.cells, op }, fileId), status: 'invalid', error: `merchant_transaction_id "${op.merchantTransactionId}" is used by an earlier row of this file; each row needs its own` });
      continue;
    }
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
      stop(err);
      emit(seq, { ...base({ line: rec.line, cells: rec.cells, op }, fileId), error: `not sent: ${err.message}` });
      continue;
    }
    const cellsRow = { line: rec.line, cells: rec.cells, op };
    if (decision.action === 'conflict') {
      emit(seq, { ...base(cellsRow, decision.id), error: decision.message });
      continue;
    }
    // A row corrected through a failed-rows file: reported with its correction, never sent (issue 13).
    const sup = decision.action === 'done' && ['succeeded', 'review', 'pending'].includes(decision.outcome.s) ? undefined : findSuperseding(o.journal, decision.id);
    if (sup) {
      const how = baseOf(sup.id) === baseOf(decision.id) ? 'sent again' : 'corrected';
      emit(seq, { ...earlier(cellsRow, sup), note: `${how} by ${sup.src} line ${sup.line} — ${sup.s}` });
      continue;
    }
    if (decision.action === 'done') {
      emit(seq, earlier(cellsRow, decision.outcome));
      continue;
    }
    if (o.dryRun) {
      emit(seq, {
        ...base(cellsRow, decision.id),
        status: 'pending',
        note: decision.action === 'send' ? 'would send' : 'would look up (an earlier send has no known outcome)',
      });
      continue;
    }
    if (stoppedBy) {
      emit(seq, { ...base(cellsRow, decision.id), error: notStartedError(stoppedBy), notStarted: true });
      continue;
    }
    const rowIdentity: RowIdentity = { id: decision.id, type: identity.type, ref: identity.ref, amount: identity.amount, currency: identity.currency, entity };
    const supersedes =
      provenance.lastStatus && fileId && isDerivedId(fileId) && fileId !== decision.id
        ? { id: fileId, ...(values.source_file?.trim() ? { file: values.source_file.trim() } : {}), ...(values.source_line?.trim() ? { line: values.source_line.trim() } : {}) }
        : undefined;
    void start({ seq, line: rec.line, cells: rec.cells, op, entity, identity: rowIdentity, decision, attempts: 0, lastSentAt: 0, lookups: 0, absentAt: 0, sentEnd: 0, ...(supersedes ? { supersedes } : {}) });
  }
  }
  if (active > 0) await new Promise<void>((resolve) => (allFinished = resolve));
  await window.drain();
  await o.journal.flush();
  o.stopSignal.removeEventListener('abort', onSignal);
  return stoppedBy ? { stoppedBy } : {};
}

/** The ids rows of a batch carry, and their bases, for a remote store to fetch before planning. */
function prefetchIds(o: BatchOptions, batch: InputRecord[]): Promise<void> {
  const keys: string[] = [];
  for (const rec of batch) {
    const id = o.valuesOf(rec.cells).merchant_transaction_id?.trim();
    if (!id) continue;
    keys.push(id);
    if (isDerivedId(id)) keys.push(baseOf(id));
  }
  return o.journal.prefetch(keys);
}

/** Answers without the gateway's JSON before the run stops (SPEC said 10; issue 13: stop sooner). */
const NON_GATEWAY_STOP = 3;

/** HTTP statuses that say the server did not process the request: 4xx (not 401/403/408/429), 501, 505. */
function notProcessedStatus(status: number): boolean {
  if (status === 501 || status === 505) return true;
  return status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

/** The error of a row the run never started. */
function notStartedError(stoppedBy: Error): string {
  return `not started: the run was stopped (${stoppedBy.message.split(';')[0]}) — run the same command again`;
}

/** `1m40s`, `12s`. */
function formatWait(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Rows that refer to one payment are chained; credits are independent. */
function paymentKey(row: Row): string | undefined {
  return row.op.paymentId ? `${row.entity}/${row.op.paymentId}` : undefined;
}

/** A row completed by an earlier run, reported with that run's outcome. */
function earlier(row: { line: number; cells: string[]; op: Operation }, rec: OutcomeRecord): RowOutcome {
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

