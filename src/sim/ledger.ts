/**
 * The simulator's ledger: every transaction by id and by (entity, merchant
 * transaction id), and the gateway's rules for what a backoffice operation
 * may do to the payment it references. All checks and updates are
 * synchronous, so concurrent requests on one payment can never overdraw it.
 */
import { classifyResultCode, describeResultCode, NOT_FOUND_CODE, QUERY_OK_CODE, THROTTLED_CODE } from '../gateway/result-codes.js';
import type { OpType } from '../rows/types.js';
import type { NormalisedSeed } from './seed.js';

export type Outcome = 'executed' | 'pending' | 'rejected';

export interface ParameterError {
  name: string;
  value: string;
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
  /** The payment a backoffice operation refers to. */
  referencedId: string | null;
  /** The registration a payment was made on. */
  registrationId: string | null;
  paymentType: string;
  /** As sent, two decimals; null for a full reversal or when absent. */
  amount: string | null;
  currency: string | null;
  entityId: string;
  merchantTransactionId: string | null;
  resultCode: string;
  parameterErrors: ParameterError[] | undefined;
  outcome: Outcome;
  /** Epoch ms when recorded. */
  time: number;
  descriptor: string;
  seeded: boolean;
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
}

/** Which payment types each backoffice operation may reference (SPEC §1, gateway's own list). */
const REFERENCEABLE: Record<Exclude<OpType, 'CD'>, readonly string[]> = {
  CP: ['PA'],
  RF: ['DB', 'CP', 'RB', 'RC'],
  RV: ['PA', 'DB', 'CP', 'RB'],
  RB: ['DB'],
  RC: ['PA', 'CP', 'DB', 'RB'],
};

/** The gateway's "cannot …" code of each operation. */
const CANNOT: Record<Exclude<OpType, 'CD'>, string> = {
  CP: '700.400.100',
  RF: '700.400.200',
  RV: '700.400.300',
  RB: '700.400.400',
  RC: '700.400.402',
};

export const CODE = {
  success: '000.100.110',
  queryOk: QUERY_OK_CODE,
  badParameter: '200.300.404',
  noAmount: '100.550.300',
  unknownReference: '700.100.100',
  currencyMismatch: '700.100.500',
  typeMismatch: '700.300.100',
  pendingReference: '700.400.570',
  notFound: NOT_FOUND_CODE,
  invalidCard: '100.100.101',
  cardExpired: '100.100.303',
  brandMismatch: '100.100.700',
  unauthenticated: '800.900.300',
  unauthorisedEntity: '800.900.301',
  throttled: THROTTLED_CODE,
  serverError: '900.400.100',
} as const;

export function outcomeOf(code: string): Outcome {
  const status = classifyResultCode(code);
  if (status === 'rejected') return 'rejected';
  if (status === 'pending') return 'pending';
  return 'executed'; // succeeded, review, and unknown-group codes (SPEC §6)
}

let descriptorCounter = 0;
function nextDescriptor(): string {
  descriptorCounter = (descriptorCounter + 1) % 1e12;
  const digits = String(descriptorCounter).padStart(12, '0');
  return `${digits.slice(0, 4)}.${digits.slice(4, 8)}.${digits.slice(8)} SIM_Channel`;
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

  seed(seeds: readonly NormalisedSeed[], time: number): void {
    for (const s of seeds) {
      if (s.paymentType === 'RG') {
        this.registrations.set(s.id, s);
        continue;
      }
      this.byId.set(s.id, this.make({ id: s.id, paymentType: s.paymentType, amount: s.amount, currency: s.currency, entityId: s.entityId, resultCode: CODE.success, cents: s.cents }, time, true));
    }
  }

  private make(n: NewTx, time: number, seeded: boolean): Tx {
    return {
      id: n.id,
      referencedId: n.referencedId ?? null,
      registrationId: n.registrationId ?? null,
      paymentType: n.paymentType,
      amount: n.amount ?? null,
      currency: n.currency ?? null,
      entityId: n.entityId,
      merchantTransactionId: n.merchantTransactionId ?? null,
      resultCode: n.resultCode,
      parameterErrors: n.parameterErrors,
      outcome: outcomeOf(n.resultCode),
      time,
      descriptor: nextDescriptor(),
      seeded,
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
   * reversal) and currency? Returns the gateway's rejection code, or null.
   */
  check(op: Exclude<OpType, 'CD'>, ref: Tx, cents: number | null, currency: string | null): string | null {
    if (!REFERENCEABLE[op].includes(ref.paymentType)) return CODE.typeMismatch;
    if (ref.outcome === 'pending') return CODE.pendingReference;
    if (ref.outcome === 'rejected') return CANNOT[op];
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

  /** Apply an operation that `check` allowed. */
  apply(op: Exclude<OpType, 'CD'>, ref: Tx, cents: number | null): void {
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

export function description(code: string): string {
  return describeResultCode(code);
}
