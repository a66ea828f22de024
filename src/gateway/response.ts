/**
 * What an exchange with the gateway means for a row: a final outcome, a
 * retry, refused credentials, or an unknown outcome. Statuses of result codes
 * come from `result-codes.ts` and nowhere else.
 */
import * as z from 'zod';
import type { Exchange } from './client.js';
import {
  classifyResultCode,
  isCredentialsRefused,
  MANUAL_ACTION_CODE,
  THROTTLED_CODE,
} from './result-codes.js';
import type { RowStatus } from '../statuses.js';

export interface GatewayResult {
  code: string;
  description: string;
  /** The id of the transaction the request created (also for rejections). */
  id?: string;
  paymentType?: string;
  amount?: string;
  currency?: string;
  merchantTransactionId?: string;
  referencedId?: string;
  parameterErrors?: Array<{ name?: string; value?: unknown; message?: string }>;
}

export type Interpretation = (
  /** The gateway decided: succeeded, review, pending, rejected, or an unknown-group code. */
  | { kind: 'outcome'; status: RowStatus; result: GatewayResult; note?: string }
  /** Nothing was executed; send again after a backoff. */
  | {
      kind: 'retry';
      reason: string;
      throttled: boolean;
      retryAfterMs?: number;
      /** The throttle named the request's payment or merchant transaction id: a per-id quota, not the account's. */
      throttledId?: string;
    }
  /** HTTP 401/403 or 800.900.3xx: the credentials were refused. */
  | { kind: 'credentials'; reason: string }
  /** The request may have executed; only a lookup can tell. */
  | { kind: 'unknown'; reason: string }
) & {
  /** The gateway answered with its JSON and not a 5xx: a successful exchange (docs/exactly-once.md#stopping). */
  exchanged: boolean;
  /** An answer that was not the gateway's JSON (a wrong URL, a proxy page). */
  foreign: boolean;
};

/** Parse the gateway's JSON; undefined when the body is not it (a wrong URL, a proxy page). */
export function parseGatewayJson(body: string): (GatewayResult & { raw: Record<string, unknown> }) | undefined {
  const json = parseJson(body);
  const result = gatewayResultOf(json);
  return result && Object.assign(result, { raw: json as Record<string, unknown> });
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A field the gateway may leave out: taken when it is text, ignored otherwise. */
const optionalText = z.string().optional().catch(undefined);

/**
 * The part of the gateway's JSON payops reads (docs/gateway.md): a
 * `result.code` it must have; everything else is taken when it has the
 * expected type and ignored when not. Other fields are not looked at.
 */
const gatewayJson = z.object({
  result: z.object({
    code: z.string(),
    description: z.string().catch(''),
    parameterErrors: z.array(z.unknown()).optional().catch(undefined),
  }),
  id: optionalText,
  paymentType: optionalText,
  amount: optionalText,
  currency: optionalText,
  merchantTransactionId: optionalText,
  referencedId: optionalText,
});

/** The gateway's transaction fields of an already parsed JSON object, or undefined without a `result.code`. */
export function gatewayResultOf(json: unknown): GatewayResult | undefined {
  const parsed = gatewayJson.safeParse(json);
  if (!parsed.success) return undefined;
  const { result, ...raw } = parsed.data;
  const out: GatewayResult = { code: result.code, description: result.description };
  if (raw.id) out.id = raw.id;
  if (raw.paymentType !== undefined) out.paymentType = raw.paymentType;
  if (raw.amount !== undefined) out.amount = raw.amount;
  if (raw.currency !== undefined) out.currency = raw.currency;
  if (raw.merchantTransactionId !== undefined) out.merchantTransactionId = raw.merchantTransactionId;
  if (raw.referencedId !== undefined) out.referencedId = raw.referencedId;
  if (result.parameterErrors) out.parameterErrors = result.parameterErrors as GatewayResult['parameterErrors'];
  return out;
}

/**
 * Interpret one exchange of an operation request. `sent` names the ids of the
 * request, so a throttle answer naming one of them is told apart from one
 * for the whole account.
 */
export function interpretExchange(ex: Exchange, sent?: { paymentId?: string | undefined; merchantTransactionId?: string | undefined }): Interpretation {
  if (ex.kind === 'not-sent') return { kind: 'retry', reason: ex.reason, throttled: false, exchanged: false, foreign: false };
  if (ex.kind === 'lost') return { kind: 'unknown', reason: ex.reason, exchanged: false, foreign: false };
  const parsed = gatewayResultOf(parseJson(ex.body));
  const exchanged = parsed !== undefined && ex.httpStatus < 500;
  const foreign = parsed === undefined;
  if (ex.httpStatus === 429 || parsed?.code === THROTTLED_CODE) {
    const named = parsed?.id?.toLowerCase();
    const perId = named !== undefined && (named === sent?.paymentId?.toLowerCase() || named === sent?.merchantTransactionId?.toLowerCase());
    return {
      kind: 'retry',
      reason: perId ? `throttled by the gateway for ${named}` : 'throttled by the gateway',
      throttled: true,
      exchanged,
      foreign,
      ...(ex.retryAfterMs !== undefined ? { retryAfterMs: ex.retryAfterMs } : {}),
      ...(perId ? { throttledId: named } : {}),
    };
  }
  if (ex.httpStatus === 401 || ex.httpStatus === 403 || isCredentialsRefused(parsed?.code)) {
    const what = parsed ? `${parsed.code} ${parsed.description}` : `HTTP ${ex.httpStatus}`;
    return { kind: 'credentials', reason: `credentials refused (${what})`, exchanged, foreign };
  }
  if (ex.httpStatus >= 500) {
    return { kind: 'unknown', reason: `gateway answered HTTP ${ex.httpStatus}`, exchanged, foreign };
  }
  if (!parsed) {
    return { kind: 'unknown', reason: `HTTP ${ex.httpStatus} without a readable result.code`, exchanged, foreign };
  }
  const status = classifyResultCode(parsed.code);
  if (parsed.code === MANUAL_ACTION_CODE) return { kind: 'outcome', status, result: parsed, note: 'manual action required', exchanged, foreign };
  return { kind: 'outcome', status, result: parsed, exchanged, foreign };
}

/** Text for a rejection's error column: the gateway's description and any parameter errors. */
export function describeRejection(result: GatewayResult): string | undefined {
  if (!result.parameterErrors?.length) return undefined;
  return result.parameterErrors
    .map((p) => `${p.name ?? '?'}: ${p.message ?? 'invalid'}`)
    .join('; ');
}
