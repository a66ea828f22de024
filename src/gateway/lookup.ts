/**
 * Looking up what the gateway did with a merchant transaction id (docs/exactly-once.md#lookups):
 * `GET /v1/query?merchantTransactionId=…&entityId=…`. The query's own
 * top-level `000.000.100` is not the row's outcome; the matching transaction
 * in `payments` is.
 */
import type { Exchange } from './client.js';
import { gatewayResultOf, type GatewayResult, parseGatewayJson } from './response.js';
import type { RowStatus } from '../rows/types.js';
import { classifyResultCode, isCredentialsRefused, NOT_FOUND_CODE, THROTTLED_CODE } from './result-codes.js';

export interface LookupTarget {
  type: string;
  /** Referenced payment id; undefined for credits (registration or card). */
  paymentId?: string;
  amount?: string;
  currency?: string;
}

export type LookupAnswer = (
  | { kind: 'found'; status: RowStatus; result: GatewayResult }
  | { kind: 'absent' }
  /** A transaction of this type on this reference under the id, for another amount or currency. */
  | { kind: 'mismatch'; result: GatewayResult }
  /**
   * A transaction under the id that may be this row's, but a field needed to
   * tell (type, reference, amount, currency) is missing from the answer: it
   * is neither found nor absent. Looked up again; in the end the row stays
   * unknown, never sent again.
   */
  | { kind: 'unconfirmed'; result: GatewayResult }
  | { kind: 'credentials'; reason: string }
  | {
      kind: 'unknown';
      reason: string;
      retryAfterMs?: number;
      throttled: boolean;
      /** The throttle named this id or the row's payment: a per-id quota, not the whole account's. */
      throttledId?: string;
    }
) & {
  /** The gateway answered with its JSON and not a 5xx (docs/exactly-once.md#stopping). */
  exchanged: boolean;
  /** An answer that was not the gateway's JSON. */
  foreign: boolean;
};

const RANK: Record<RowStatus, number> = { succeeded: 4, review: 4, pending: 3, unknown: 2, rejected: 1 };

/**
 * Interpret the answer to one lookup of one merchant transaction id.
 *
 * Merchants often give every transaction of an order one id (PA, CP, RF):
 * a transaction of another type, or on another reference, is not this row's
 * and is passed over. Only one of this type on this reference with another
 * amount or currency is a conflict; amounts compare as numbers.
 */
export function interpretLookup(ex: Exchange, target: LookupTarget, lookedUpId?: string): LookupAnswer {
  if (ex.kind !== 'answered') return { kind: 'unknown', reason: ex.reason, throttled: false, exchanged: false, foreign: false };
  const parsed = parseGatewayJson(ex.body);
  const seen = { exchanged: parsed !== undefined && ex.httpStatus < 500, foreign: parsed === undefined };
  if (ex.httpStatus === 429 || parsed?.code === THROTTLED_CODE) {
    const named = parsed?.id?.toLowerCase();
    const perId = named !== undefined && (named === lookedUpId?.toLowerCase() || (target.paymentId !== undefined && named === target.paymentId.toLowerCase()));
    return {
      kind: 'unknown',
      reason: 'lookup throttled',
      throttled: true,
      ...seen,
      ...(ex.retryAfterMs !== undefined ? { retryAfterMs: ex.retryAfterMs } : {}),
      ...(perId ? { throttledId: named } : {}),
    };
  }
  // Refused for the query only (an entity without transaction reports answers
  // 403 800.900.301, while its payments go through): the row's outcome cannot
  // be looked up with these credentials. Not a reason to stop the run, nor to
  // send the row: it stays unknown.
  if (ex.httpStatus === 401 || ex.httpStatus === 403 || isCredentialsRefused(parsed?.code)) {
    const what = parsed ? `${parsed.code}${parsed.description ? ` ${parsed.description}` : ''}` : `HTTP ${ex.httpStatus}`;
    return {
      kind: 'credentials',
      reason: `the gateway refused the lookup (${what}): the entity may have no transaction reports, or the token no right to query; check the row in the backoffice`,
      ...seen,
    };
  }
  if (!parsed || ex.httpStatus >= 500) return { kind: 'unknown', reason: `lookup answered HTTP ${ex.httpStatus}`, throttled: false, ...seen };
  if (parsed.code === NOT_FOUND_CODE) return { kind: 'absent', ...seen };
  const payments = (parsed.raw as { payments?: unknown }).payments;
  if (!Array.isArray(payments)) return { kind: 'unknown', reason: `lookup answered ${parsed.code}`, throttled: false, ...seen };
  let best: { status: RowStatus; result: GatewayResult } | undefined;
  let mismatch: GatewayResult | undefined;
  let unconfirmed: GatewayResult | undefined;
  for (const p of payments) {
    const result = gatewayResultOf(p);
    if (!result) continue;
    const m = matchOf(result, target);
    if (m === 'other') continue;
    if (m === 'conflict') mismatch ??= result;
    else if (m === 'unconfirmed') unconfirmed ??= result;
    else {
      const status = classifyResultCode(result.code);
      if (!best || RANK[status] > RANK[best.status]) best = { status, result };
    }
  }
  // A rejection found beside a transaction that cannot be confirmed is not
  // the whole story: that one may be this row's, executed.
  if (best && (best.status !== 'rejected' || !unconfirmed)) return { kind: 'found', ...best, ...seen };
  if (mismatch) return { kind: 'mismatch', result: mismatch, ...seen };
  if (unconfirmed) return { kind: 'unconfirmed', result: unconfirmed, ...seen };
  return { kind: 'absent', ...seen };
}

type Match = 'this' | 'other' | 'conflict' | 'unconfirmed';

/**
 * Whether a transaction found under the id is this row's. A field the
 * answer lacks never widens the match: the transaction is then "unconfirmed"
 * unless a field it does have already shows it is another row's.
 */
export function matchOf(tx: GatewayResult, t: LookupTarget): Match {
  let missing = false;
  if (tx.paymentType === undefined) missing = true;
  else if (tx.paymentType !== t.type) return 'other';
  if (t.paymentId !== undefined) {
    if (tx.referencedId === undefined) missing = true;
    else if (tx.referencedId.toLowerCase() !== t.paymentId.toLowerCase()) return 'other';
  }
  if (missing) return 'unconfirmed';
  // A full reversal is sent without an amount and the gateway reports the
  // amount it reversed: any amount is this row's.
  if (t.amount !== undefined) {
    if (tx.amount === undefined) return 'unconfirmed';
    if (!sameAmount(tx.amount, t.amount)) return 'conflict';
  }
  if (t.currency !== undefined) {
    if (tx.currency === undefined) return 'unconfirmed';
    if (tx.currency.toUpperCase() !== t.currency.toUpperCase()) return 'conflict';
  }
  return 'this';
}

/** `1000`, `1000.0` and `1000.00` are one amount; anything that is not a plain decimal equals only itself. */
export function sameAmount(a: string, b: string): boolean {
  if (a === b) return true;
  const na = canonicalAmount(a);
  return na !== undefined && na === canonicalAmount(b);
}

function canonicalAmount(v: string): string | undefined {
  const m = /^\s*([0-9]+)(?:\.([0-9]*))?\s*$/.exec(v);
  if (!m) return undefined;
  const whole = m[1]!.replace(/^0+(?=[0-9])/, '');
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}
