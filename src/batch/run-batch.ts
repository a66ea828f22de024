/**
 * The pipeline: read → admit (validate, plan against the journal) → send →
 * classify → write. Each step has its own file; what they share is one
 * BatchState (state.ts).
 *
 * - read: records are pulled from the input only while few rows wait to be
 *   sent (read-ahead.ts) and the outputs have a place for them
 *   (output-places.ts), so memory stays flat;
 * - admit (admit.ts): validate, in-file duplicates, plan, dry run;
 * - send (send.ts): under the concurrency limit and `--rate`, one at a time
 *   per payment (payment-order.ts), with retries for what certainly did not
 *   execute; every answer passes the stop rules (stop-rules.ts);
 * - settle (settle.ts): rows whose outcome is unknown are set aside, keeping
 *   their place in the outputs, and looked up once `--settle` has passed,
 *   while the rest of the file goes on;
 * - write: outcomes (outcomes.ts) fill their places, and leave in input order.
 */
import type { RowOutcome } from '../rows/types.js';
import { StateWriteError } from '../plan/store/errors.js';
import { isoNow } from './clock.js';
import { admitRecord, prefetchIds } from './admit.js';
import { base, failed } from './outcomes.js';
import { paymentKey, type Row } from './row.js';
import { sendRow, recordIntent } from './send.js';
import { setAside } from './settle.js';
import { BatchState, type BatchOptions } from './state.js';

export type { BatchOptions } from './state.js';

export interface BatchResult {
  /** Why the run stopped early, if it did. */
  stoppedBy?: Error;
}

export async function runBatch(o: BatchOptions): Promise<BatchResult> {
  const b = new BatchState(o);
  const onSignal = () => b.stop(o.stopSignal.reason instanceof Error ? o.stopSignal.reason : new Error('stopped'));
  if (o.stopSignal.aborted) onSignal();
  else o.stopSignal.addEventListener('abort', onSignal, { once: true });

  // read
  for await (const batch of o.batches) {
    if (o.journal.remote) await prefetchIds(b, batch);
    for (const rec of batch) {
      const room = b.readAhead.room();
      if (room) await room;
      let place = b.places.tryOpen();
      if (place < 0) place = await b.places.open();
      // admit
      const admitted = admitRecord(b, rec, place);
      if ('outcome' in admitted) b.places.complete(place, admitted);
      // send → classify → write
      else void start(b, admitted.row);
    }
  }
  const idle = b.readAhead.idle();
  if (idle) await idle;
  await b.places.drain();
  await o.journal.flush();
  o.stopSignal.removeEventListener('abort', onSignal);
  return b.stoppedBy ? { stoppedBy: b.stoppedBy } : {};
}

/** A row's whole course, its outcome written to its place (unless a set-aside row filled the place the outputs kept). */
async function start(b: BatchState, row: Row): Promise<void> {
  b.readAhead.started();
  let out: RowOutcome | undefined;
  try {
    out = await course(b, row);
  } catch (err) {
    // The state store stopped taking intents: this row's was not recorded, so it was not sent.
    if (err instanceof StateWriteError) out = failed(b, row, `not sent: ${err.message}`, false);
    else out = failed(b, row, `internal error: ${(err as Error).message}`, true);
  }
  if (out) b.places.complete(row.place, { outcome: out });
  b.readAhead.finished();
}

/** Send (or look up) a row in its payment's turn; set it aside when its outcome is unknown. */
function course(b: BatchState, row: Row): Promise<RowOutcome | undefined> {
  // The intent is on disk before the request can leave. Its write starts
  // before the row waits for its payment's turn or a connection slot, so
  // the rows waiting for one sync travel together while the slots stay
  // busy sending (a crash meanwhile makes the row a lookup, never a resend).
  // The row takes its place in its payment's chain at once, in file order:
  // a lookup row (no intent to write) must not overtake an earlier row, nor
  // wait in the chain for a place in the outputs behind a row it holds up.
  const durable = row.decision.action === 'send' ? recordIntent(b, row) : undefined;
  // Awaited in the chain; marked handled now, so a failed write waiting there is not an unhandled rejection.
  durable?.catch(() => undefined);
  return inTurn(b, row, async () => {
    if (durable) await durable;
    const key = paymentKey(row);
    const before = key === undefined ? undefined : b.unsettled.get(key);
    if (before !== undefined) {
      // An earlier row of this payment may or may not have executed: what
      // this one does depends on it (a reversal after a capture).
      const why = `line ${before} of the same payment has an unknown outcome; run again once it is known, and the rows go in file order`;
      if (row.decision.action === 'send') return failed(b, row, `not sent: ${why}`, false);
      // Sent by an earlier run, perhaps: the journal keeps saying so (no outcome written).
      return { ...base(row, row.decision.id), status: 'unknown', attempts: 0, processedAt: isoNow(), error: `not looked up: ${why}` };
    }
    if (row.decision.action === 'lookup') {
      const at = row.decision.lastSentAt;
      row.lastSentAt = at > 0 ? at + (b.o.timeoutMs ?? 0) : 0;
      row.sentEnd = row.lastSentAt;
      return setAside(b, row, row.decision.confirm ? 'an earlier run' : '--lookup-first');
    }
    const first = await sendRow(b, row);
    if ('done' in first) return first.done;
    return setAside(b, row, first.unknown);
  });
}

/**
 * Run a row's whole course (send, and the lookups of a set-aside row) once
 * every earlier row of its payment has finished its own: a capture whose
 * outcome is unknown holds back the reversal after it until it is settled.
 */
function inTurn<T>(b: BatchState, row: Row, task: () => Promise<T>): Promise<T> {
  const key = paymentKey(row);
  if (!b.turns.isBusy(key)) return b.turns.run(key, task);
  b.readAhead.park();
  return b.turns.run(key, () => {
    b.readAhead.unpark();
    return task();
  });
}
