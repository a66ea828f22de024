/**
 * The gateway API itself: routing, authentication, parameter validation, the
 * rules, and the gateway's JSON. Every call is synchronous from parsed request
 * to recorded transaction, which is what makes the ledger safe under
 * concurrency. HTTP, faults and timers live in server.ts.
 *
 * Where the simulator follows the gateway and where it had to choose: the
 * sources are public (recorded responses in activemerchant's
 * test/unit/gateways/cardprocess_test.rb and remote_*_test.rb, the gateway's
 * result-code list, white-label documentation pages; the project's research
 * notes list them as "gateway evidence"), and each rule below names its source
 * or says "chose".
 */
import { classifyResultCode, describeResultCode } from '../gateway/result-codes.js';
import type { OpType } from '../rows/types.js';
import { brandMatches, expiryNotPast, luhnValid, maskCardNumber } from './card.js';
import { CODE, type Ledger, type NewTx, outcomeOf, type ParameterError, successCode, type Tx, type TxMode, UNKNOWN_REFERENCE } from './ledger.js';
import type { PerIdThrottle } from './throttle.js';
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
  /** The mode of a request without testMode (--mode): INTERNAL (integrator test, the default), EXTERNAL (connector test) or LIVE. */
  mode?: TxMode;
  /** --duplicate-check: a second transaction with the same merchant transaction id, type and amount answers 800.110.100. */
  duplicateCheck?: boolean;
  /** --query-lag: a transaction shows in GET /v1/query… only this many ms after it was made. */
  queryLagMs?: number;
  /** --no-reports: entities whose GET /v1/query… answers 800.900.301. */
  noReports?: ReadonlySet<string>;
  /** Per-id throttling (--per-id-throttle); absent = off. */
  throttle?: PerIdThrottle;
}

/**
 * The gateway's buildNumber shape: a 40-hex commit, `@`, and the build time
 * `YYYY-MM-DD HH:MM:SS +0000` (cardprocess_test.rb:
 * `a89317e58e01406de09ff75de6c962f2365f66e9@2017-11-27 15:38:09 +0000`).
 */
export const BUILD_NUMBER = '5a1e7c0de0000000000000000000000000000001@2026-11-01 00:00:00 +0000';

/** The description of a per-id throttle answer, in the white-label pages' words. */
export const PER_ID_THROTTLE_DESCRIPTION = 'Too many requests. Please try again later.';

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

/**
 * An empty parameter is a parameter not sent: the gateway treats `amount=` on
 * a full reversal (activemerchant opp.rb's void) and `descriptor=` as absent.
 */
function param(params: URLSearchParams, name: string): string | null {
  const v = params.get(name);
  return v === '' ? null : v;
}

/**
 * The entity, as `entityId` or `authentication.entityId` (activemerchant's
 * opp.rb sends the latter with a Bearer token; its remote test is green
 * against the test gateway). The legacy `authentication.userId` /
 * `authentication.password` pair is not accepted: without a Bearer token the
 * answer is 800.900.300.
 */
function entityParam(params: URLSearchParams): string | null {
  return param(params, 'entityId') ?? param(params, 'authentication.entityId');
}

/**
 * A transaction as the gateway shows it: in a POST answer (`answer`) or in a
 * GET / a query's `payments`. Recorded answers (cardprocess_test.rb) show what
 * the simulator does: a parameter error (200.300.404) is the result alone, no
 * id; a decline (800.x) has no id; a rejection has no amount, currency or
 * descriptor; every answer with an id has `risk.score`. `shortId` and
 * `resultDetails` follow the gateway's documented answers (hyperswitch's aci
 * transformers read them); their contents are the simulator's.
 */
function txView(tx: Tx, answer: boolean): Record<string, unknown> {
  if (answer && tx.resultCode === CODE.badParameter) return { result: result(tx.resultCode, tx.parameterErrors) };
  const view: Record<string, unknown> = {};
  if (!answer || !tx.answeredWithoutId) view.id = tx.id;
  if (tx.referencedId !== null && tx.linked) view.referencedId = tx.referencedId;
  if (tx.registrationId !== null) view.registrationId = tx.registrationId;
  view.paymentType = tx.paymentType;
  if (tx.paymentBrand !== undefined) view.paymentBrand = tx.paymentBrand;
  const shown = !answer || tx.outcome !== 'rejected';
  if (shown && tx.shownAmount !== null) view.amount = tx.shownAmount;
  if (shown && tx.shownCurrency !== null) view.currency = tx.shownCurrency;
  if (shown) view.descriptor = tx.descriptor;
  if (tx.merchantTransactionId !== null) view.merchantTransactionId = tx.merchantTransactionId;
  const res = result(tx.resultCode, tx.parameterErrors);
  view.result = res;
  if (view.id !== undefined) {
    view.shortId = tx.shortId;
    view.resultDetails = { ExtendedDescription: res.description, clearingInstituteName: 'PAYOPS SIMULATOR', ConnectorTxID1: tx.shortId, AcquirerResponse: tx.outcome === 'rejected' ? '05' : '00' };
  }
  if (tx.card !== undefined) view.card = tx.card;
  if (view.id !== undefined) view.risk = { score: tx.card !== undefined && tx.outcome !== 'rejected' ? '100' : '0' };
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
  | { kind: 'get'; id: string; report: boolean }
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
      if (method === 'GET') return { kind: 'get', id: id!, report: false };
      return { kind: 'method', allow: 'GET, POST' };
    }
  }
  if (version === 'v1' && resource === 'registrations' && n === 5 && sub === 'payments') {
    return method === 'POST' ? { kind: 'registration', id: id! } : { kind: 'method', allow: 'POST' };
  }
  if ((version === 'v1' || version === 'v3') && resource === 'query') {
    if (n === 3) return method === 'GET' ? { kind: 'query' } : { kind: 'method', allow: 'GET' };
    if (n === 4) return method === 'GET' ? { kind: 'get', id: id!, report: true } : { kind: 'method', allow: 'GET' };
  }
  return { kind: 'notFound' };
}

type RefOp = Exclude<OpType, 'CD'>;
const TEST_MODES: ReadonlySet<string> = new Set(['INTERNAL', 'EXTERNAL']);

export class GatewayApi {
  private readonly mode: TxMode;

  constructor(
    private readonly ledger: Ledger,
    private readonly opts: ApiOptions,
  ) {
    this.mode = opts.mode ?? 'INTERNAL';
  }

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
    return this.envelope(status, txView(tx, true), tx.entityId, status === 429 ? this.opts.retryAfterSeconds : undefined, tx.time);
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
    const entityRaw = entityParam(params);
    if (entityRaw !== null && ID_RE.test(entityRaw) && !this.opts.entities.has(entityRaw.toLowerCase())) {
      return this.plain(403, CODE.unauthorisedEntity, entityRaw.toLowerCase());
    }
    if (this.opts.throttle !== undefined) {
      const throttled = this.throttled(this.opts.throttle, r, params, entityRaw);
      if (throttled !== undefined) return throttled;
    }
    switch (r.kind) {
      case 'get':
      case 'query':
        return this.query(r, params, entityRaw);
      default:
        return this.post(r, params, entityRaw);
    }
  }

  /**
   * Per-id throttling: GET /v1/query/{id}, GET /v1/payments/{id} and GET
   * /v1/query?merchantTransactionId= each count per id (the merchant
   * transaction id for the last), POST /v1/payments/{id} per referenced
   * payment; a new payment (POST /v1/payments) is not counted per id. The
   * answer: HTTP 429, 800.120.100, an id, and "Too many requests. Please try
   * again later."; nothing is recorded.
   */
  private throttled(t: PerIdThrottle, r: Route, params: URLSearchParams, entityRaw: string | null): Reply | undefined {
    let key: string | null = null;
    let limit = t.queryLimit;
    if (r.kind === 'get') {
      if (ID_RE.test(r.id)) key = `${r.report ? 'Q' : 'G'}${r.id.toLowerCase()}`;
    } else if (r.kind === 'query') {
      const mtid = params.get('merchantTransactionId');
      if (mtid) key = `M${(entityRaw ?? '').toLowerCase()}\u0000${mtid}`;
    } else if (r.kind === 'reference') {
      if (ID_RE.test(r.id)) key = `P${r.id.toLowerCase()}`;
      limit = t.postLimit;
    }
    if (key === null) return undefined;
    const refused = t.take(key, limit, Date.now());
    if (refused === undefined) return undefined;
    const entity = entityRaw !== null && ID_RE.test(entityRaw) ? entityRaw.toLowerCase() : null;
    return this.envelope(429, { id: newId(), result: { code: CODE.throttled, description: PER_ID_THROTTLE_DESCRIPTION } }, entity, refused.retryAfterSeconds);
  }

  private query(r: { kind: 'get'; id: string; report: boolean } | { kind: 'query' }, params: URLSearchParams, entityRaw: string | null): Reply {
    const errors: ParameterError[] = [];
    if (entityRaw === null || !ID_RE.test(entityRaw)) {
      errors.push({ name: 'entityId', value: entityRaw, message: entityRaw === null ? 'is required' : 'must match ^[a-f0-9]{32}$' });
    }
    let mtid: string | null = null;
    if (r.kind === 'get') {
      if (!ID_RE.test(r.id)) errors.push({ name: 'id', value: r.id, message: 'must match ^[a-f0-9]{32}$' });
    } else {
      mtid = param(params, 'merchantTransactionId');
      const problem = mtid === null ? 'is required' : mtidProblem(mtid);
      if (problem) errors.push({ name: 'merchantTransactionId', value: mtid, message: problem });
    }
    if (errors.length > 0) return this.plain(400, CODE.badParameter, null, errors);
    const entityId = entityRaw!.toLowerCase();
    const report = r.kind === 'query' || r.report;
    // Chose: an entity without transaction reports is refused as a user without the rights (800.900.301, HTTP 403).
    if (report && this.opts.noReports !== undefined && this.opts.noReports.has(entityId)) return this.plain(403, CODE.unauthorisedEntity, entityId);
    const lag = report ? (this.opts.queryLagMs ?? 0) : 0;
    const now = Date.now();
    // Seeded payments were made before the simulator started: the lag is over for them.
    const visible = (tx: Tx): boolean => lag === 0 || tx.seeded || now - tx.time >= lag;
    if (r.kind === 'get') {
      const tx = this.ledger.get(r.id.toLowerCase(), entityId);
      // Query not found: 700.400.580 (digital-blueprint's PayUnityTest.php records it, with HTTP 400 or 404; chose 404).
      if (tx === undefined || !visible(tx)) return this.plain(404, CODE.notFound, entityId);
      return this.envelope(200, txView(tx, false), entityId, undefined, tx.time);
    }
    let found = this.ledger.byMerchantTransactionId(entityId, mtid!);
    if (lag > 0) found = found.filter(visible);
    if (found.length === 0) return this.plain(404, CODE.notFound, entityId);
    const payments = found.map((tx) => {
      const view = txView(tx, false);
      view.timestamp = gatewayTimestamp(tx.time);
      return view;
    });
    return this.envelope(200, { result: result(CODE.queryOk), payments }, entityId);
  }

  private post(r: { kind: 'create' } | { kind: 'reference'; id: string } | { kind: 'registration'; id: string }, params: URLSearchParams, entityRaw: string | null): Reply {
    const errors: ParameterError[] = [];
    const paymentType = param(params, 'paymentType');
    const amountRaw = param(params, 'amount');
    const currency = param(params, 'currency');
    const mtid = param(params, 'merchantTransactionId');
    const testMode = param(params, 'testMode');

    if (entityRaw === null || !ID_RE.test(entityRaw)) {
      errors.push({ name: 'entityId', value: entityRaw, message: entityRaw === null ? 'is required' : 'must match ^[a-f0-9]{32}$' });
    }
    const pathId = r.kind === 'create' ? null : r.id;
    const pathIdValid = pathId !== null && ID_RE.test(pathId);
    if (pathId !== null && !pathIdValid) {
      errors.push({ name: r.kind === 'registration' ? 'registrationId' : 'referencedPaymentId', value: pathId, message: 'must match ^[a-f0-9]{32}$' });
    }
    const allowed: readonly string[] = r.kind === 'reference' ? REFERENCE_TYPES : CREATE_TYPES;
    if (paymentType === null) {
      errors.push({ name: 'paymentType', value: null, message: 'is required' });
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
    if (amountRaw !== null && currency === null) errors.push({ name: 'currency', value: null, message: 'is required with amount' });
    if (currency !== null && amountRaw === null && paymentType === 'RV') errors.push({ name: 'amount', value: null, message: 'is required with currency' });
    if (mtid !== null) {
      const problem = mtidProblem(mtid);
      if (problem) errors.push({ name: 'merchantTransactionId', value: mtid, message: problem });
    }
    if (testMode !== null && !TEST_MODES.has(testMode)) errors.push({ name: 'testMode', value: testMode, message: 'must be one of INTERNAL, EXTERNAL' });
    // A request's mode: its testMode, else the simulator's (--mode).
    const mode: TxMode = testMode === 'INTERNAL' || testMode === 'EXTERNAL' ? testMode : this.mode;

    // Card data: for payments created with a card (POST /v1/payments).
    let card: { digits: string; holder: string; month: string; year: string; brand: string } | undefined;
    if (r.kind === 'create') {
      const digits = param(params, 'card.number');
      const holder = param(params, 'card.holder');
      const month = param(params, 'card.expiryMonth');
      const year = param(params, 'card.expiryYear');
      const brand = param(params, 'paymentBrand');
      const before = errors.length;
      if (digits === null || !/^[0-9]{12,19}$/.test(digits)) {
        errors.push({ name: 'card.number', value: digits === null ? null : maskCardNumber(digits), message: digits === null ? 'is required' : 'must match ^[0-9]{12,19}$' });
      }
      if (holder === null || holder.trim().length === 0 || holder.length > 128) {
        errors.push({ name: 'card.holder', value: holder, message: holder === null ? 'is required' : 'must be 1 to 128 characters long' });
      }
      if (month === null || !/^(0[1-9]|1[0-2])$/.test(month)) {
        errors.push({ name: 'card.expiryMonth', value: month, message: month === null ? 'is required' : 'must match ^(0[1-9]|1[0-2])$' });
      }
      if (year === null || !/^[0-9]{4}$/.test(year)) {
        errors.push({ name: 'card.expiryYear', value: year, message: year === null ? 'is required' : 'must match ^[0-9]{4}$' });
      }
      if (brand === null || !/^[A-Z0-9_]{1,32}$/.test(brand)) {
        errors.push({ name: 'paymentBrand', value: brand, message: brand === null ? 'is required' : 'must match ^[A-Z0-9_]{1,32}$' });
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
      mode,
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
    // --duplicate-check (white-label pages; the result-code list's 800.110.100): refused before processing, so it executed nothing.
    if (this.opts.duplicateCheck === true && mtid !== null && this.ledger.hasDuplicate(entityId, mtid, base.paymentType, amount)) {
      base.outcome = 'rejected';
      return reject(CODE.duplicate);
    }

    const forced = amount !== null ? this.opts.forceCodes.get(amount) : undefined;
    if (forced !== undefined && outcomeOf(forced) === 'rejected') {
      // A decline answers without an id (cardprocess_test.rb `failed_authorize_response`, a forced 800.100.151).
      if (forced.startsWith('800.')) base.answeredWithoutId = true;
      return reject(forced);
    }
    const code = forced ?? successCode(mode);

    if (r.kind === 'reference') {
      const op = paymentType as RefOp;
      const ref = this.ledger.get(base.referencedId!, entityId);
      if (ref === undefined) {
        // Another entity's payment: 700.400.700 ("initial and referencing channel-ids do not match").
        if (this.ledger.find(base.referencedId!) !== undefined) return reject(CODE.otherEntity);
        // An id the gateway does not know: the operation's 700.400.5x0 (remote_cardprocess_test.rb `test_failed_capture`).
        base.linked = false;
        return reject(UNKNOWN_REFERENCE[op]);
      }
      const refusal = this.ledger.check(op, ref, cents, currency, mode, Date.now());
      if (refusal !== null) return reject(refusal);
      if (cents === null) {
        // A full reversal echoes the amount and currency it reversed (cardprocess_test.rb `successful_void_response`).
        base.shownAmount = formatCents(this.ledger.fullReversalCents(ref));
        base.shownCurrency = ref.currency;
      }
      if (outcomeOf(code) === 'executed') this.ledger.apply(op, ref, cents);
      base.resultCode = code;
      base.cents = cents ?? 0;
      return this.answer(this.ledger.record(base));
    }
    if (r.kind === 'registration') {
      const rg = this.ledger.registration(base.registrationId!, entityId);
      if (rg === undefined) return reject(CODE.unknownRegistration);
      if (rg.testMode !== null && rg.testMode !== mode) return reject(CODE.modeMismatch);
    }
    base.resultCode = code;
    base.cents = cents!;
    return this.answer(this.ledger.record(base));
  }
}
