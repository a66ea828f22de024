/**
 * Looking up what the gateway did with a merchant transaction id (SPEC §4):
 * `GET /v1/query?merchantTransactionId=…&entityId=…`. The query's own
 * top-level `000.000.100` is not the row's outcome; the matching transaction
 * in `payments` is.
 */
import type { Exchange } from './client.js';
import { gatewayResultOf, type GatewayResult, parseGatewayJson } from './response.js';
import { classifyResultCode, isCredentialsRefused, NOT_FOUND_CODE, type RowStatus, THROTTLED_CODE } from './result-codes.js';

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
  | { kind: 'mismatch'; result: GatewayResult }
  | { kind: 'credentials'; reason: string }
  | { kind: 'unknown'; reason: string; retryAfterMs?: number; throttled: boolean }
) & {
  /** The gateway answered with its JSON and not a 5xx (SPEC §4 Stopping). */
  exchanged: boolean;
  /** An answer that was not the gateway's JSON. */
  foreign: boolean;
};

const RANK: Record<RowStatus, number> = { succeeded: 4, review: 4, pending: 3, unknown: 2, rejected: 1 };

/** Interpret the answer to one lookup of one merchant transaction id. */
export function interpretLookup(ex: Exchange, target: LookupTarget): LookupAnswer {
  if (ex.kind !== 'answered') return { kind: 'unknown', reason: ex.reason, throttled: false, exchanged: false, foreign: false };
  const parsed = parseGatewayJson(ex.body);
  const seen = { exchanged: parsed !== undefined && ex.httpStatus < 500, foreign: parsed === undefined };
  if (ex.httpStatus === 429 || parsed?.code === THROTTLED_CODE) {
    return { kind: 'unknown', reason: 'lookup throttled', throttled: true, ...seen, ...(ex.retryAfterMs !== undefined ? { retryAfterMs: ex.retryAfterMs } : {}) };
  }
  if (ex.httpStatus === 401 || ex.httpStatus === 403 || isCredentialsRefused(parsed?.code)) {
    return { kind: 'credentials', reason: 'credentials refused for the lookup', ...seen };
  }
  if (!parsed || ex.httpStatus >= 500) return { kind: 'unknown', reason: `lookup answered HTTP ${ex.httpStatus}`, throttled: false, ...seen };
  if (parsed.code === NOT_FOUND_CODE) return { kind: 'absent', ...seen };
  const payments = (parsed.raw as { payments?: unknown }).payments;
  if (!Array.isArray(payments)) return { kind: 'unknown', reason: `lookup answered ${parsed.code}`, throttled: false, ...seen };
  let best: { status: RowStatus; result: GatewayResult } | undefined;
  let mismatch: GatewayResult | undefined;
  for (const p of payments) {
    const result = gatewayResultOf(p);
    if (!result) continue;
    if (!matches(result, target)) {
      mismatch ??= result;
      continue;
    }
    const status = classifyResultCode(result.code);
    if (!best || RANK[status] > RANK[best.status]) best = { status, result };
  }
  if (best) return { kind: 'found', ...best, ...seen };
  if (mismatch) return { kind: 'mismatch', result: mismatch, ...seen };
  return { kind: 'absent', ...seen };
}

function matches(tx: GatewayResult, t: LookupTarget): boolean {
  if (tx.paymentType !== undefined && tx.paymentType !== t.type) return false;
  if (t.paymentId && tx.referencedId !== undefined && tx.referencedId.toLowerCase() !== t.paymentId) return false;
  // A full reversal is sent without an amount and the gateway reports the
  // amount it reversed, so an absent amount matches any.
  if (t.amount !== undefined && tx.amount !== undefined && tx.amount !== t.amount) return false;
  if (t.currency !== undefined && tx.currency !== undefined && tx.currency !== t.currency) return false;
  return true;
}
