/**
 * The backoffice operations payops performs (docs/operations.md#table): how the `operation`
 * cell names them, and what each one needs.
 */
import type { OpType } from './types.js';

/** The payment types the gateway knows, as far as payops refers to them. */
export type PaymentType = 'PA' | 'DB' | 'CP' | 'RF' | 'RV' | 'RB' | 'RC' | 'CD';

export interface OperationRule {
  /** Lower-case name, as used in messages and the summary. */
  name: string;
  /** Every spelling the `operation` cell accepts (case-insensitive). */
  aliases: readonly string[];
  /**
   * `required`: amount and currency must both be given.
   * `all-or-nothing`: both absent (full reversal, neither is sent) or both present (partial).
   */
  amount: 'required' | 'all-or-nothing';
  /**
   * `payment`: refers to an earlier payment through `payment_id`.
   * `none`: stand-alone (credit): a `registration_id` or card data, and no `payment_id`.
   */
  refersTo: 'payment' | 'none';
  /** What `payment_id` is meant to reference (docs/operations.md#table). */
  references: readonly PaymentType[];
  /** Further types the gateway also accepts as the reference. */
  gatewayAlsoAllows: readonly PaymentType[];
}

/** What each operation needs (docs/input.md#cross-field). */
export const OPERATION_RULES: Readonly<Record<OpType, OperationRule>> = {
  CP: {
    name: 'capture',
    aliases: ['capture', 'CP'],
    amount: 'required',
    refersTo: 'payment',
    references: ['PA'],
    gatewayAlsoAllows: [],
  },
  RF: {
    name: 'refund',
    aliases: ['refund', 'RF'],
    amount: 'required',
    refersTo: 'payment',
    references: ['DB', 'CP'],
    gatewayAlsoAllows: ['RB', 'RC'],
  },
  RV: {
    name: 'reversal',
    aliases: ['reversal', 'reverse', 'RV'],
    amount: 'all-or-nothing',
    refersTo: 'payment',
    references: ['PA', 'DB'],
    gatewayAlsoAllows: ['CP', 'RB'],
  },
  RB: {
    name: 'rebill',
    aliases: ['rebill', 'RB'],
    amount: 'required',
    refersTo: 'payment',
    references: ['DB'],
    gatewayAlsoAllows: [],
  },
  RC: {
    name: 'receipt',
    aliases: ['receipt', 'RC'],
    amount: 'required',
    refersTo: 'payment',
    references: ['PA'],
    gatewayAlsoAllows: ['CP', 'DB', 'RB'],
  },
  CD: {
    name: 'credit',
    aliases: ['credit', 'CD'],
    amount: 'required',
    refersTo: 'none',
    references: [],
    gatewayAlsoAllows: [],
  },
};

/** The operations in SPEC order. */
export const OP_TYPES: readonly OpType[] = ['CP', 'RF', 'RV', 'RB', 'RC', 'CD'];

/** Every spelling of the `operation` cell, lower-case, from the rules' `aliases`. */
const ALIASES: ReadonlyMap<string, OpType> = new Map(
  OP_TYPES.flatMap((t) => OPERATION_RULES[t].aliases.map((a): [string, OpType] => [a.toLowerCase(), t])),
);

/**
 * The operation named by a cell, case-insensitively (`capture`, `CP`,
 * `Reverse`…), or undefined when it names none of them.
 */
export function parseOperation(cell: string): OpType | undefined {
  if (typeof cell !== 'string') return undefined;
  return ALIASES.get(cell.trim().toLowerCase());
}

/** `capture (CP), refund (RF), reversal or reverse (RV), …` for messages. */
export const ALLOWED_OPERATIONS_TEXT = OP_TYPES.map((t) => {
  const words = OPERATION_RULES[t].aliases.filter((a) => a !== t);
  return `${words.join(' or ')} (${t})`;
}).join(', ');
