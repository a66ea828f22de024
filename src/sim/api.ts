/**
 * The gateway API itself: routing, authentication, parameter validation, the
 * rules, and the gateway's JSON. Every call is synchronous from parsed request
 * to recorded transaction, which is what makes the ledger safe under
 * concurrency. HTTP, faults and timers live in server.ts.
 */
import { classifyResultCode, describeResultCode } from '../gateway/result-codes.js';
import type { OpType } from '../rows/types.js';
import { brandMatches, expiryNotPast, luhnValid, maskCardNumber } from './card.js';
import { CODE, type Ledger, type NewTx, outcomeOf, type ParameterError, type Tx } from './ledger.js';
import { AMOUNT_RE, CURRENCY_RE, formatCents, gatewayTimestamp, ID_RE, newId, toCents } from './util.js';

export interface Reply {
  status: number;
  body: string;
  /** Seconds, for a Retry-After header (HTTP 429). */
  retryAfter?: number;
}

export interface ApiOptions {
  token: string;
  entities: ReadonlySet<string>;
  /** Normalised amount ("13.13") → forced result code. */
  forceCodes: ReadonlyMap<string, string>;
  retryAfterSeconds: number;
}

export const BUILD_NUMBER = 'payops-sim@1';

const CREATE_TYPES = ['PA', 'DB', 'CD'] as const;
const REFERENCE_TYPES = ['CP', 'RF', 'RV', 'RB', 'RC'] as const;
const ALL_TYPES_PATTERN = '^(PA|DB|CD|CP|RF|RV|RB|RC)$';
const MERCHANT_TX_ID_MIN = 8;
const MERCHANT_TX_ID_MAX = 255;

/**
 * HTTP status for a result code, as the gateway answers: 200 for success,
 * review and pending; 401/403 for refused credentials; 429 for throttling;
 * 400 for every other code, including the unknown group (900.x, 800.110.100,
 * 999.999.999) except `000.400.030`, a processed (000.x) answer sent with 200.
 */
export function httpStatusFor(code: string): number {
  if (code === CODE.unauthenticated) return 401;
  if (code === CODE.unauthorisedEntity) return 403;
  if (code === CODE.throttled) return 429;
  const status = classifyResultCode(code);
  if (status === 'succeeded' || status === 'review' || status === 'pending') return 200;
  if (status === 'unknown' && code.startsWith('000.')) return 200;
  return 400;
}

interface Result {
  code: string;
  description: string;
  parameterErrors?: ParameterError[];
}

function result(code: string, parameterErrors?: ParameterError[]): Result {
  return parameterErrors ? { code, description: describeResultCode(code), parameterErrors } : { code, description: describeResultCode(code) };
}

/** A transaction as the gateway shows it (in a POST answer, a GET, or a query's `payments`). */
function txView(tx: Tx): Record<string, unknown> {
  const view: Record<string, unknown> = { id: tx.id };
  if (tx.referencedId !== null) view.referencedId = tx.referencedId;
  if (tx.registrationId !== null) view.registrationId = tx.registrationId;
  view.paymentType = tx.paymentType;
  if (tx.paymentBrand !== undefined) view.paymentBrand = tx.paymentBrand;
  if (tx.amount !== null) view.amount = tx.amount;
  if (tx.currency !== null) view.currency = tx.currency;
  view.descriptor = tx.descriptor;
  if (tx.merchantTransactionId !== null) view.merchantTransactionId = tx.merchantTransactionId;
  view.result = result(tx.resultCode, tx.parameterErrors);
  if (tx.card !== undefined) view.card = tx.card;
  return view;
}

function mtidProblem(value: string): string | undefined {
  return value.length < MERCHANT_TX_ID_MIN || value.length > MERCHANT_TX_ID_MAX
    ? `must be ${MERCHANT_TX_ID_MIN} to ${MERCHANT_TX_ID_MAX} characters long`
    : undefined;
}

type Route =
  | { kind: 'create' }
  | { kind: 'reference'; id: string }
  | { kind: 'registration'; id: string }
  | { kind: 'get'; id: string }
  | { kind: 'query' }
  | { kind: 'notFound' }
  | { kind: 'method'; allow: string };

/** Split on '/', ignoring one trailing slash: "/v1/payments/abc" → ["", "v1", "payments", "abc"]. */
export function route(method: string, path: string): Route {
  const parts = path.split('/');
  if (parts.length > 2 && parts[parts.length - 1] === '') parts.pop();
  const [, version, resource, id, sub] = parts;
  const n = parts.length;
  if (version === 'v1' && resource === 'payments') {
    if (n === 3) return method === 'POST' ? { kind: 'create' } : { kind: 'method', allow: 'POST' };
    if (n === 4) {
      if (method === 'POST') return { kind: 'reference', id: id! };
      if (method === 'GET') return { kind: 'get', id: id! };
      return { kind: 'method', allow: 'GET, POST' };
    }
  }
  if (version === 'v1' && resource === 'registrations' && n === 5 && sub === 'payments') {
    return method === 'POST' ? { kind: 'registration', id: id! } : { kind: 'method', allow: 'POST' };
  }
  if ((version === 'v1' || version === 'v3') && resource === 'query') {
    if (n === 3) return method === 'GET' ? { kind: 'query' } : { kind: 'method', allow: 'GET' };
    if (n === 4) return method === 'GET' ? { kind: 'get', id: id! } : { kind: 'method', allow: 'GET' };
  }
  return { kind: 'notFound' };
}

export class GatewayApi {
  constructor(
    private readonly ledger: Ledger,
    private readonly opts: ApiOptions,
  ) {}

  private envelope(status: number, payload: Record<string, unknown>, entityId: string | null, retryAfter?: number, time = Date.now()): Reply {
    payload.buildNumber = BUILD_NUMBER;
    payload.timestamp = gatewayTimestamp(time);
    payload.ndc = `${entityId ?? newId()}_${newId()}`;
    const reply: Reply = { status, body: JSON.stringify(payload) };
    if (retryAfter !== undefined) reply.retryAfter = retryAfter;
    return reply;
  }

  /** An answer that records nothing (auth, routing, queries, faults). */
  plain(status: number, code: string, entityId: string | null = null, parameterErrors?: ParameterError[]): Reply {
    return this.envelope(status, { result: result(code, parameterErrors) }, entityId, status === 429 ? this.opts.retryAfterSeconds : undefined);
  }

  private answer(tx: Tx): Reply {
    const status = httpStatusFor(tx.resultCode);
    return this.envelope(status, txView(tx), tx.entityId, status === 429 ? this.opts.retryAfterSeconds : undefined, tx.time);
  }

  private authorised(authorization: string | undefined): boolean {
    if (authorization === undefined) return false;
    const space = authorization.indexOf(' ');
    return space > 0 && authorization.slice(0, space).toLowerCase() === 'bearer' && authorization.slice(space + 1).trim() === this.opts.token;
  }

  /** Handle one gateway request. `params` are the body's (POST) or the query string's (GET). */
  handle(method: string, path: string, params: URLSearchParams, authorization: string | undefined): Reply {
    const r = route(method, path);
    if (r.kind === 'notFound') return this.plain(404, CODE.badParameter, null, [{ name: 'path', value: path, message: 'no such resource' }]);
    if (r.kind === 'method') return this.plain(405, CODE.badParameter, null, [{ name: 'method', value: method, message: `must be ${r.allow}` }]);
    if (!this.authorised(authorization)) return this.plain(401, CODE.unauthenticated);
    const entityRaw = params.get('entityId');
    if (entityRaw !== null && ID_RE.test(entityRaw) && !this.opts.entities.has(entityRaw.toLowerCase())) {
      return this.plain(403, CODE.unauthorisedEntity, entityRaw.toLowerCase());
    }
    switch (r.kind) {
      case 'get':
      case 'query':
        return this.query(r, params, entityRaw);
      default:
        return this.post(r, params, entityRaw);
    }
  }

  private query(r: { kind: 'get'; id: string } | { kind: 'query' }, params: URLSearchParams, entityRaw: string | null): Reply {
    const errors: ParameterError[] = [];
    if (entityRaw === null || !ID_RE.test(entityRaw)) {
      errors.push({ name: 'entityId', value: entityRaw ?? '', message: entityRaw === null ? 'is required' : 'must match ^[a-f0-9]{32}$' });
    }
    let mtid: string | null = null;
    if (r.kind === 'get') {
      if (!ID_RE.test(r.id)) errors.push({ name: 'id', value: r.id, message: 'must match ^[a-f0-9]{32}$' });
    } else {
      mtid = params.get('merchantTransactionId');
      const problem = mtid === null ? 'is required' : mtidProblem(mtid);
      if (problem) errors.push({ name: 'merchantTransactionId', value: mtid ?? '', message: problem });
    }
    if (errors.length > 0) return this.plain(400, CODE.badParameter, null, errors);
    const entityId = entityRaw!.toLowerCase();
    if (r.kind === 'get') {
      const tx = this.ledger.get(r.id.toLowerCase(), entityId);
      if (tx === undefined) return this.plain(404, CODE.notFound, entityId);
      return this.envelope(200, txView(tx), entityId, undefined, tx.time);
    }
    const found = this.ledger.byMerchantTransactionId(entityId, mtid!);
    if (found.length === 0) return this.plain(404, CODE.notFound, entityId);
    const payments = found.map((tx) => {
      const view = txView(tx);
      view.timestamp = gatewayTimestamp(tx.time);
      return view;
    });
    return this.envelope(200, { result: result(CODE.queryOk), payments }, entityId);
  }

  private post(r: { kind: 'create' } | { kind: 'reference'; id: string } | { kind: 'registration'; id: string }, params: URLSearchParams, entityRaw: string | null): Reply {
    const errors: ParameterError[] = [];
    const paymentType = params.get('paymentType');
    const amountRaw = params.get('amount');
    const currency = params.get('currency');
    const mtid = params.get('merchantTransactionId');

    if (entityRaw === null || !ID_RE.test(entityRaw)) {
      errors.push({ name: 'entityId', value: entityRaw ?? '', message: entityRaw === null ? 'is required' : 'must match ^[a-f0-9]{32}$' });
    }
    const pathId = r.kind === 'create' ? null : r.id;
    const pathIdValid = pathId !== null && ID_RE.test(pathId);
    if (pathId !== null && !pathIdValid) {
      errors.push({ name: r.kind === 'registration' ? 'registrationId' : 'referencedPaymentId', value: pathId, message: 'must match ^[a-f0-9]{32}$' });
    }
    const allowed: readonly string[] = r.kind === 'reference' ? REFERENCE_TYPES : CREATE_TYPES;
    if (paymentType === null) {
      errors.push({ name: 'paymentType', value: '', message: 'is required' });
    } else if (!allowed.includes(paymentType)) {
      errors.push({
        name: 'paymentType',
        value: paymentType,
        message: new RegExp(ALL_TYPES_PATTERN).test(paymentType)
          ? `must be one of ${allowed.join(', ')} on ${r.kind === 'reference' ? 'POST /v1/payments/{id}' : r.kind === 'create' ? 'POST /v1/payments' : 'POST /v1/registrations/{id}/payments'}`
          : `must match ${ALL_TYPES_PATTERN}`,
      });
    }
    const amountValid = amountRaw !== null && AMOUNT_RE.test(amountRaw);
    if (amountRaw !== null && !amountValid) errors.push({ name: 'amount', value: amountRaw, message: 'must match ^[0-9]{1,12}(\\.[0-9]{2})?$' });
    if (currency !== null && !CURRENCY_RE.test(currency)) errors.push({ name: 'currency', value: currency, message: 'must match ^[A-Z]{3}$' });
    if (amountRaw !== null && currency === null) errors.push({ name: 'currency', value: '', message: 'is required with amount' });
    if (currency !== null && amountRaw === null && paymentType === 'RV') errors.push({ name: 'amount', value: '', message: 'is required with currency' });
    if (mtid !== null) {
      const problem = mtidProblem(mtid);
      if (problem) errors.push({ name: 'merchantTransactionId', value: mtid, message: problem });
    }

    // Card data: for payments created with a card (POST /v1/payments).
    let card: { digits: string; holder: string; month: string; year: string; brand: string } | undefined;
    if (r.kind === 'create') {
      const digits = params.get('card.number');
      const holder = params.get('card.holder');
      const month = params.get('card.expiryMonth');
      const year = params.get('card.expiryYear');
      const brand = params.get('paymentBrand');
      const before = errors.length;
      if (digits === null || !/^[0-9]{12,19}$/.test(digits)) {
        errors.push({ name: 'card.number', value: digits === null ? '' : maskCardNumber(digits), message: digits === null ? 'is required' : 'must match ^[0-9]{12,19}$' });
      }
      if (holder === null || holder.trim().length === 0 || holder.length > 128) {
        errors.push({ name: 'card.holder', value: holder ?? '', message: holder === null ? 'is required' : 'must be 1 to 128 characters long' });
      }
      if (month === null || !/^(0[1-9]|1[0-2])$/.test(month)) {
        errors.push({ name: 'card.expiryMonth', value: month ?? '', message: month === null ? 'is required' : 'must match ^(0[1-9]|1[0-2])$' });
      }
      if (year === null || !/^[0-9]{4}$/.test(year)) {
        errors.push({ name: 'card.expiryYear', value: year ?? '', message: year === null ? 'is required' : 'must match ^[0-9]{4}$' });
      }
      if (brand === null || !/^[A-Z0-9_]{1,32}$/.test(brand)) {
        errors.push({ name: 'paymentBrand', value: brand ?? '', message: brand === null ? 'is required' : 'must match ^[A-Z0-9_]{1,32}$' });
      }
      if (errors.length === before) card = { digits: digits!, holder: holder!, month: month!, year: year!, brand: brand! };
    }

    const cents = amountValid ? toCents(amountRaw!) : null;
    const amount = cents !== null ? formatCents(cents) : amountRaw;
    const entityId = entityRaw !== null && ID_RE.test(entityRaw) ? entityRaw.toLowerCase() : (entityRaw ?? '');
    const base: NewTx = {
      id: newId(),
      referencedId: r.kind === 'reference' ? (pathIdValid ? pathId!.toLowerCase() : pathId) : null,
      registrationId: r.kind === 'registration' ? (pathIdValid ? pathId!.toLowerCase() : pathId) : null,
      paymentType: paymentType ?? '',
      amount,
      currency,
      entityId,
      merchantTransactionId: mtid,
      resultCode: CODE.success,
    };
    if (card !== undefined) {
      base.paymentBrand = card.brand;
      base.card = { bin: card.digits.slice(0, 6), last4Digits: card.digits.slice(-4), holder: card.holder, expiryMonth: card.month, expiryYear: card.year };
    }
    const reject = (code: string, parameterErrors?: ParameterError[]): Reply => {
      base.resultCode = code;
      if (parameterErrors) base.parameterErrors = parameterErrors;
      return this.answer(this.ledger.record(base));
    };

    if (errors.length > 0) return reject(CODE.badParameter, errors);
    // Every operation but a full reversal needs a positive amount.
    if (cents === 0 || (cents === null && paymentType !== 'RV')) return reject(CODE.noAmount);
    if (card !== undefined) {
      if (!luhnValid(card.digits)) return reject(CODE.invalidCard);
      if (!brandMatches(card.brand, card.digits)) return reject(CODE.brandMismatch);
      if (!expiryNotPast(card.month, card.year)) return reject(CODE.cardExpired);
    }

    const forced = amount !== null ? this.opts.forceCodes.get(amount) : undefined;
    if (forced !== undefined && outcomeOf(forced) === 'rejected') return reject(forced);
    const code = forced ?? CODE.success;

    if (r.kind === 'reference') {
      const op = paymentType as Exclude<OpType, 'CD'>;
      const ref = this.ledger.get(base.referencedId!, entityId);
      if (ref === undefined) return reject(CODE.unknownReference);
      const refusal = this.ledger.check(op, ref, cents, currency);
      if (refusal !== null) return reject(refusal);
      if (outcomeOf(code) === 'executed') this.ledger.apply(op, ref, cents);
      base.resultCode = code;
      base.cents = cents ?? 0;
      return this.answer(this.ledger.record(base));
    }
    if (r.kind === 'registration' && this.ledger.registration(base.registrationId!, entityId) === undefined) {
      return reject(CODE.unknownReference);
    }
    base.resultCode = code;
    base.cents = cents!;
    return this.answer(this.ledger.record(base));
  }
}
