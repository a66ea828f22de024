/**
 * Sending a row, with retries for what certainly did not execute: until the
 * gateway decides, the outcome becomes unknown (the row is then set aside
 * for a lookup), or attempts run out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildOperationRequest } from '../gateway/requests.js';
import { interpretExchange } from '../gateway/response.js';
import { isoNow } from './clock.js';
import { failed, fromResult, notStartedError, record } from './outcomes.js';
import { backoffMs } from './pacer.js';
import type { Row, SendResult } from './row.js';
import type { BatchState } from './state.js';

/** Make the row's intent durable: before any request of it can leave (docs/exactly-once.md#reruns). */
export function recordIntent(b: BatchState, row: Row): Promise<void> {
  const idn = row.identity;
  return b.o.journal.intent({
    key: row.decision.key,
    gen: row.decision.gen,
    id: idn.id,
    type: idn.type,
    ref: idn.ref,
    amount: idn.amount,
    currency: idn.currency,
    entity: idn.entity,
    at: isoNow(),
    src: b.o.sourceName,
    line: row.line,
  });
}

/** Send until the gateway decides, the outcome becomes unknown, or attempts run out. */
export async function sendRow(b: BatchState, row: Row): Promise<SendResult> {
  const o = b.o;
  for (;;) {
    if (b.stoppedBy) return { done: { ...failed(b, row, notStartedError(b.stoppedBy), false), notStarted: true } };
    if (b.stopRules.isRefused(row.entity)) {
      return { done: failed(b, row, `not sent: the gateway refused the credentials for entity ${row.entity}`, false) };
    }
    if (row.attempts >= o.maxAttempts) {
      return { done: failed(b, row, `not sent: gave up after ${row.attempts} attempts (--max-attempts)`, false) };
    }
    const req = buildOperationRequest(row.op, { entityId: row.entity, merchantTransactionId: row.decision.id, testMode: o.testMode });
    // A connection slot only while the request waits for the pace, is in
    // flight and its answer is judged: a row waiting out a backoff or a
    // per-id throttle holds none. The pace is awaited inside the slot, so a
    // pause for the whole account holds every row queued for a slot too,
    // and what stops the run (refused credentials) is known before the
    // slot goes to the next row.
    let httpStatus: number | undefined;
    const it = await b.limit(async () => {
      if (!b.pacer.isOpen()) await b.pacer.ready();
      if (b.stoppedBy || b.stopRules.isRefused(row.entity)) return undefined;
      // Last check before the POST leaves: the state store (a PostgreSQL lease) still vouches for this run; else not sent, and the run stops.
      if (!o.journal.canSend()) return void b.stop(o.journal.failure.reason instanceof Error ? o.journal.failure.reason : new Error('the state store cannot vouch for this run any more'));
      row.attempts++;
      row.lastSentAt = Date.now();
      const ex = await o.client.send(req);
      // --settle counts from the end of the send: until then it may be executing.
      row.lastSentAt = Date.now();
      row.sentEnd = row.lastSentAt;
      row.absentAt = 0;
      httpStatus = ex.kind === 'answered' ? ex.httpStatus : undefined;
      const got = interpretExchange(ex, { paymentId: row.op.paymentId, merchantTransactionId: row.decision.id });
      b.stopRules.observe(got, httpStatus);
      if (got.kind === 'credentials') b.stopRules.credentialsRefused(row.entity, got.reason);
      // A throttle for the whole account slows every worker.
      if (got.kind === 'retry' && got.throttled && got.throttledId === undefined) {
        b.pacer.pauseAll(Math.max(got.retryAfterMs ?? 0, backoffMs(row.attempts)));
      }
      return got;
    });
    if (it === undefined) continue;
    // The request reached some other server, not a gateway: failed, not sent; not unknown.
    if (b.stopRules.isWrongUrl(httpStatus, it.foreign)) {
      return { done: failed(b, row, `not sent to a gateway: the server at --gateway answered HTTP ${httpStatus} with no gateway JSON (a wrong URL?)`, false) };
    }
    switch (it.kind) {
      case 'outcome':
        if (it.status === 'unknown') {
          // An unknown-group code: it may have executed; a lookup may tell more later.
          row.lastResult = { result: it.result, ...(it.note ? { note: it.note } : {}) };
          return { unknown: `the gateway answered ${it.result.code}` };
        }
        return { done: record(b, row, fromResult(row, it.status, it.result, it.note)) };
      case 'credentials':
        return { done: failed(b, row, `not executed: ${it.reason} for entity ${row.entity}`, false) };
      case 'retry': {
        // A throttle for the whole account paused every worker (above); one
        // naming this payment or id delays only this row (and, in file
        // order, the rows of its payment behind it), as does any other retry.
        if (!(it.throttled && it.throttledId === undefined)) {
          const wait = Math.max(it.retryAfterMs ?? 0, backoffMs(row.attempts));
          await sleep(wait, undefined, { signal: b.wake.signal }).catch(() => undefined);
        }
        if (row.attempts >= o.maxAttempts) {
          return { done: failed(b, row, `not sent: ${it.reason}; gave up after ${row.attempts} attempts (--max-attempts)`, false) };
        }
        continue;
      }
      case 'unknown':
        return { unknown: it.reason };
    }
  }
}
