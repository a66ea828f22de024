/**
 * The simulator's ledger: every transaction by id and by (entity, merchant
 * transaction id), and the gateway's rules for what a backoffice operation
 * may do to the payment it references. All checks and updates are
 * synchronous, so concurrent requests on one payment can never overdraw it.
 */
import { classifyResultCode, NOT_FOUND_CODE, QUERY_OK_CODE, THROTTLED_CODE } from '../gateway/result-codes.js';
import type { OpType } from '../rows/types.js';
import type { NormalisedSeed } from './seed.js';

export type Outcome = 'executed' | 'pending' | 'rejected';

/**
 * The gateway's transaction modes: `testMode=INTERNAL` (integrator test),
 * `testMode=EXTERNAL` (connector test), and live (no testMode, live host).
 */
export type TxMode = 'INTERNAL' | 'EXTERNAL' | 'LIVE';

export interface ParameterError {
  name: string;
  /** The value sent; null when the parameter was not sent (as the gateway answers, cardprocess_test.rb `failed_void_response`). */
  value: string | null;
  message: string;
}

export interface CardSummary {
  bin: string;
  last4Digits: string;
  holder: string;
  expiryMonth: string;
  expiryYear: string;
}

/** One transaction the gateway knows: seeded, executed, pending or rejected. */
export interface Tx {
  id: string;
  /** The payment a backoffice operation refers to, as sent. */
  referencedId: string | null;
  /** False when the referenced payment was not found (unknown or another entity's): the gateway then shows no referencedId. */
  linked: boolean;
  /** The registration a payment was made on. */
  registrationId: string | null;
  paymentType: string;
  /** As sent, two decimals; null for a full reversal or when absent. */
  amount: string | null;
  currency: string | null;
  /** What the gateway shows: a full reversal echoes the amount and currency it reversed. */
  shownAmount: string | null;
  shownCurrency: string | null;
  entityId: string;
  merchantTransactionId: string | null;
  resultCode: string;
  parameterErrors: ParameterError[] | undefined;
  outcome: Outcome;
  /** Epoch ms when recorded (a seeded payment: its created_at). */
  time: number;
  descriptor: string;
  /** The descriptor's number, `1234.5678.9012`. */
  shortId: string;
  seeded: boolean;
  /** The mode it was made in; null for a seeded payment without test_mode (any mode may reference it). */
  mode: TxMode | null;
  /** Seed column `chargebacked`: a refund or reversal is refused with 700.300.600. */
  chargebacked: boolean;
  /** The answer to the request carries no `id` (parameter errors, declines: cardprocess_test.rb). */
  answeredWithoutId: boolean;
  paymentBrand: string | undefined;
  card: CardSummary | undefined;
  // Balances, in cents, of an executed payment that others can reference.
  cents: number;
  captured: number;
  refunded: number;
  reversed: number;
  receipted: number;
  fullyReversed: boolean;
  /** --single-capture: a capture closed this PA. */
  closed: boolean;
}

export interface RuleOptions {
  singleCapture: boolean;
  noPartialReversal: boolean;
  /** --reversal-window: a reversal of a payment older than this is refused with 700.300.700. */
  reversalWindowMs?: number | undefined;
  /** --refund-window: a refund of a payment older than this is refused with 700.400.200. */
  refundWindowMs?: number | undefined;
  /** --capture-window: a capture of a PA older than this is refused with 700.300.400. */
  captureWindowMs?: number | undefined;
}

type RefOp = Exclude<OpType, 'CD'>;

/** Which payment types each backoffice operation may reference (the gateway's 700.400.5x0 texts). */
const REFERENCEABLE: Record<RefOp, readonly string[]> = {
  CP: ['PA'],
  RF: ['DB', 'CP', 'RB', 'RC'],
  RV: ['PA', 'DB', 'CP', 'RB'],
  RB: ['DB'],
  RC: ['PA', 'CP', 'DB', 'RB'],
};

/**
 * What the gateway answers when an operation finds no successful transaction
 * of a type it needs: the reference is unknown, of another type, or was
 * rejected. The gateway's result-code list has 700.400.510 (capture),
 * 520 (refund), 530 (reversal) and 560 (receipt); activemerchant's
 * remote_cardprocess_test.rb `test_failed_capture` recorded 700.400.510 for a
 * capture of an id the gateway never issued. The list has no such code for a
 * rebill: the simulator chose 700.100.100 ("reference id not existing") for an
 * unknown one, 700.300.100 ("invalid type") for another type and 700.300.200
 * ("referenced tx was rejected") for a rejected DB.
 */
const NEEDS: Record<RefOp, string> = {
  CP: '700.400.510',
  RF: '700.400.520',
  RV: '700.400.530',
  RB: '700.300.100',
  RC: '700.400.560',
};
const NEEDS_REJECTED: Record<RefOp, string> = { ...NEEDS, RB: '700.300.200' };
export const UNKNOWN_REFERENCE: Record<RefOp, string> = { ...NEEDS, RB: '700.100.100' };

/**
 * The gateway's "cannot …" code when the amount or the payment's state does
 * not allow the operation (value exceeded, already reversed). A rebill of a
 * reversed DB: 700.300.300 ("already refunded, captured or reversed"); a
 * receipt beyond the payment: 700.100.300 ("invalid amount (probably too
 * large)") — both the simulator's choice, the list having no rebill or
 * receipt volume code (700.400.400/402 are chargeback codes).
 */
const CANNOT: Record<RefOp, string> = {
  CP: '700.400.100',
  RF: '700.400.200',
  RV: '700.400.300',
  RB: '700.300.300',
  RC: '700.100.300',
};

export const CODE = {
  success: '000.100.110',
  successLive: '000.000.000',
  successConnector: '000.100.112',
  queryOk: QUERY_OK_CODE,
  badParameter: '200.300.404',
  noAmount: '100.550.300',
  unknownRegistration: '700.100.100',
  otherEntity: '700.400.700',
  currencyMismatch: '700.100.500',
  modeMismatch: '700.100.600',
  chargebacked: '700.300.600',
  reversalTooLate: '700.300.700',
  captureTooLate: '700.300.400',
  refundTooLate: '700.400.200',
  pendingReference: '700.400.570',
  notFound: NOT_FOUND_CODE,
  duplicate: '800.110.100',
  invalidCard: '100.100.101',
  cardExpired: '100.100.303',
  brandMismatch: '100.100.700',
  unauthenticated: '800.900.300',
  unauthorisedEntity: '800.900.301',
  throttled: THROTTLED_CODE,
  serverError: '900.400.100',
} as const;

/** The success code of a mode (the gateway's result-code list; cardprocess_test.rb records 000.100.110 on the test host). */
export function successCode(mode: TxMode): string {
  return mode === 'LIVE' ? CODE.successLive : mode === 'EXTERNAL' ? CODE.successConnector : CODE.success;
}

export function outcomeOf(code: string): Outcome {
  const status = classifyResultCode(code);
  if (status === 'rejected') return 'rejected';
  if (status === 'pending') return 'pending';
  return 'executed'; // succeeded, review, and unknown-group codes (docs/simulator.md#ledger)
}

let descriptorCounter = 0;
/** The next short id, `0000.0000.0001`: the number the gateway puts first in a descriptor. */
function nextShortId(): string {
  descriptorCounter = (descriptorCounter + 1) % 1e12;
  const digits = String(descriptorCounter).padStart(12, '0');
  return `${digits.slice(0, 4)}.${digits.slice(4, 8)}.${digits.slice(8)}`;
}

export interface NewTx {
  id: string;
  referencedId?: string | null;
  registrationId?: string | null;
  paymentType: string;
  amount?: string | null;
  currency?: string | null;
  entityId: string;
  merchantTransactionId?: string | null;
  resultCode: string;
  parameterErrors?: ParameterError[];
  cents?: number;
  paymentBrand?: string;
  card?: CardSummary;
  linked?: boolean;
  shownAmount?: string | null;
  shownCurrency?: string | null;
  mode?: TxMode | null;
  /** Overrides the outcome the code implies (a duplicate refused with 800.110.100 executed nothing). */
  outcome?: Outcome;
  answeredWithoutId?: boolean;
}

export class Ledger {
  /** Everything recorded in answer to a request, in order (seeds excluded). */
  readonly log: Tx[] = [];
  /** Every transaction (and seeded payment) by id. */
  private readonly byId = new Map<string, Tx>();
  /** Transactions by entity + merchant transaction id, in order. */
  private readonly byMerchantId = new Map<string, Tx[]>();
  /** Seeded registrations (RG) by id. */
  private readonly registrations = new Map<string, NormalisedSeed>();

  constructor(readonly rules: RuleOptions) {}

  /** Seeded payments succeeded in their test_mode, else in the simulator's mode (`mode`). */
  seed(seeds: readonly NormalisedSeed[], time: number, mode: TxMode = 'INTERNAL'): void {
    for (const s of seeds) {
      if (s.paymentType === 'RG') {
        this.registrations.set(s.id, s);
        continue;
      }
      const tx = this.make(
        { id: s.id, paymentType: s.paymentType, amount: s.amount, currency: s.currency, entityId: s.entityId, resultCode: successCode(s.testMode ?? mode), cents: s.cents, mode: s.testMode },
        s.createdAt ?? time,
        true,
      );
      tx.chargebacked = s.chargebacked;
      this.byId.set(s.id, tx);
    }
  }

  private make(n: NewTx, time: number, seeded: boolean): Tx {
    const shortId = nextShortId();
    const amount = n.amount ?? null;
    const currency = n.currency ?? null;
    return {
      id: n.id,
      referencedId: n.referencedId ?? null,
      linked: n.linked ?? true,
      registrationId: n.registrationId ?? null,
      paymentType: n.paymentType,
      amount,
      currency,
      shownAmount: n.shownAmount !== undefined ? n.shownAmount : amount,
      shownCurrency: n.shownCurrency !== undefined ? n.shownCurrency : currency,
      entityId: n.entityId,
      merchantTransactionId: n.merchantTransactionId ?? null,
      resultCode: n.resultCode,
      parameterErrors: n.parameterErrors,
      outcome: n.outcome ?? outcomeOf(n.resultCode),
      time,
      descriptor: `${shortId} SIM_Channel`,
      shortId,
      seeded,
      mode: n.mode ?? null,
      chargebacked: false,
      answeredWithoutId: n.answeredWithoutId ?? false,
      paymentBrand: n.paymentBrand,
      card: n.card,
      cents: n.cents ?? 0,
      captured: 0,
      refunded: 0,
      reversed: 0,
      receipted: 0,
      fullyReversed: false,
      closed: false,
    };
  }

  /** Record a transaction answered to a request (executed, pending or rejected). */
  record(n: NewTx): Tx {
    const tx = this.make(n, Date.now(), false);
    this.log.push(tx);
    this.byId.set(tx.id, tx);
    if (tx.merchantTransactionId !== null) {
      const key = `${tx.entityId}\u0000${tx.merchantTransactionId}`;
      const list = this.byMerchantId.get(key);
      if (list) list.push(tx);
      else this.byMerchantId.set(key, [tx]);
    }
    return tx;
  }

  /** A transaction of this entity, or undefined (another entity's payment is not found). */
  get(id: string, entityId: string): Tx | undefined {
    const tx = this.byId.get(id);
    return tx !== undefined && tx.entityId === entityId ? tx : undefined;
  }

  /** A transaction of any entity. */
  find(id: string): Tx | undefined {
    return this.byId.get(id);
  }

  /**
   * --duplicate-check: an executed or pending transaction of this entity with
   * the same merchant transaction id, payment type and amount. O(transactions
   * under that merchant transaction id).
   */
  hasDuplicate(entityId: string, merchantTransactionId: string, paymentType: string, amount: string | null): boolean {
    const list = this.byMerchantId.get(`${entityId}\u0000${merchantTransactionId}`);
    if (list === undefined) return false;
    for (const tx of list) {
      if (tx.outcome !== 'rejected' && tx.paymentType === paymentType && tx.amount === amount) return true;
    }
    return false;
  }

  registration(id: string, entityId: string): NormalisedSeed | undefined {
    const rg = this.registrations.get(id);
    return rg !== undefined && rg.entityId === entityId ? rg : undefined;
  }

  byMerchantTransactionId(entityId: string, merchantTransactionId: string): readonly Tx[] {
    return this.byMerchantId.get(`${entityId}\u0000${merchantTransactionId}`) ?? [];
  }

  /** What remains on a payment for an operation that consumes it (captures on a PA, refunds otherwise). */
  private remaining(ref: Tx): number {
    if (ref.fullyReversed) return 0;
    if (ref.paymentType === 'PA') return ref.closed ? 0 : ref.cents - ref.captured - ref.reversed;
    return ref.cents - ref.refunded - ref.reversed;
  }

  /**
   * May `op` be performed on `ref` with this amount (cents; null = full
   * reversal), currency and mode, at `now`? Returns the gateway's rejection
   * code, or null. The order is the simulator's choice: what the reference is,
   * then its mode, state and age, then currency and amount.
   */
  check(op: RefOp, ref: Tx, cents: number | null, currency: string | null, mode: TxMode, now: number): string | null {
    if (!REFERENCEABLE[op].includes(ref.paymentType)) return NEEDS[op];
    if (ref.outcome === 'pending') return CODE.pendingReference;
    if (ref.outcome === 'rejected') return NEEDS_REJECTED[op];
    if (ref.mode !== null && ref.mode !== mode) return CODE.modeMismatch;
    if (ref.chargebacked && (op === 'RF' || op === 'RV')) return CODE.chargebacked;
    const age = now - ref.time;
    const r = this.rules;
    if (op === 'RV' && r.reversalWindowMs !== undefined && age > r.reversalWindowMs) return CODE.reversalTooLate;
    if (op === 'RF' && r.refundWindowMs !== undefined && age > r.refundWindowMs) return CODE.refundTooLate;
    if (op === 'CP' && r.captureWindowMs !== undefined && age > r.captureWindowMs) return CODE.captureTooLate;
    if (currency !== null && ref.currency !== null && currency !== ref.currency) return CODE.currencyMismatch;
    const amount = cents ?? 0;
    switch (op) {
      case 'CP':
        return amount > this.remaining(ref) ? CANNOT.CP : null;
      case 'RF':
        return amount > this.remaining(ref) ? CANNOT.RF : null;
      case 'RV': {
        if (ref.fullyReversed) return CANNOT.RV;
        const left = this.remaining(ref);
        if (cents === null) {
          const used = ref.paymentType === 'PA' ? ref.captured : ref.refunded;
          return used > 0 || left <= 0 ? CANNOT.RV : null;
        }
        if (this.rules.noPartialReversal) return CANNOT.RV;
        return amount > left ? CANNOT.RV : null;
      }
      case 'RB':
        return ref.fullyReversed ? CANNOT.RB : null;
      case 'RC':
        return ref.fullyReversed || amount > ref.cents - ref.receipted - ref.reversed ? CANNOT.RC : null;
    }
  }

  /** What a full reversal of `ref` reverses, in cents (what the gateway echoes as its amount). */
  fullReversalCents(ref: Tx): number {
    return this.remaining(ref);
  }

  /** Apply an operation that `check` allowed. */
  apply(op: RefOp, ref: Tx, cents: number | null): void {
    switch (op) {
      case 'CP':
        ref.captured += cents ?? 0;
        if (this.rules.singleCapture) ref.closed = true;
        return;
      case 'RF':
        ref.refunded += cents ?? 0;
        return;
      case 'RV': {
        const amount = cents ?? this.remaining(ref);
        ref.reversed += amount;
        if (cents === null || ref.reversed >= ref.cents) ref.fullyReversed = true;
        return;
      }
      case 'RC':
        ref.receipted += cents ?? 0;
        return;
      case 'RB':
        return; // a rebill is a new charge; it does not consume the DB
    }
  }
}
