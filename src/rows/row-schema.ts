/**
 * The row schema (docs/input.md#cells, docs/input.md#cross-field): the zod
 * schema a row's known fields go through to become an `Operation`.
 *
 * Its shape (`cells`) cleans every known field's cell and reads it with that
 * field's own grammar (ids.ts, currencies.ts, operations.ts, …); then
 * `crossField` applies the rules between fields in the order their messages
 * come, reading the amount against the currency and card data from its five
 * cells, one issue per problem with its column as the `path`. A row without
 * any issue becomes an `Operation`.
 *
 * One schema per set of run rules, built once and reused for every row (a
 * zod check or transform per rule would cost more than the rules do).
 * Messages are the grammar functions' own, word for word; masking card
 * numbers in them is validateRow's job.
 */
import * as z from 'zod';
import { parseAmount } from './amount.js';
import { expiryMessage, parseBrand, parseCardNumber, parseExpiryMonth, parseExpiryYear, parseHolder } from './card.js';
import { cleanCell } from './cells.js';
import { parseCurrency } from './currencies.js';
import { parseId } from './ids.js';
import { merchantTransactionIdMessage } from './merchant-transaction-id.js';
import { ALLOWED_OPERATIONS_TEXT, OPERATION_RULES, parseOperation } from './operations.js';
import { fail, ok, type Parsed } from './parsed.js';
import { showValue } from './show-value.js';
import { FIELDS, type CardData, type Field, type Operation, type OpType } from './types.js';

/** The run's rules a row is validated under (validateRow's `ValidateOptions`). */
export interface RowRules {
  /** `--decimal-comma`: amounts use `,` as the decimal separator. */
  decimalComma: boolean;
  /** `--allow-card-data`: credits by card number are allowed. */
  allowCardData: boolean;
  /**
   * Whether a default entity is configured (`--entity-id` / OPPWA_ENTITY_ID).
   * `false`: a row without `entity_id` is invalid. Undefined: not checked.
   */
  hasDefaultEntity?: boolean;
  /** The time card expiry is judged against (default: now, when each row is validated). */
  now?: Date;
}

/** A known field's cell, cleaned (`''` when absent), and what its grammar made of it: a value, or a message. */
export interface Cell<T = string> {
  text: string;
  value?: T;
  message?: string;
}

const operationGrammar = (text: string): Parsed<OpType> => {
  const type = parseOperation(text);
  return type ? ok(type) : fail(`operation ${showValue(text)} is not known: must be one of ${ALLOWED_OPERATIONS_TEXT}`);
};
const idGrammar = (column: Field) => (text: string) => parseId(text, column);
const merchantTransactionIdGrammar = (text: string): Parsed<string> => {
  const m = merchantTransactionIdMessage(text);
  return m ? fail(m) : ok(text);
};

/**
 * Each known field's own grammar, applied to its cleaned cell when it is not
 * empty (whether it may be empty is a rule between fields). The amount is
 * read against the currency, and card data from its five cells, by the rules.
 */
const GRAMMAR = {
  operation: operationGrammar,
  currency: parseCurrency,
  payment_id: idGrammar('payment_id'),
  registration_id: idGrammar('registration_id'),
  entity_id: idGrammar('entity_id'),
  merchant_transaction_id: merchantTransactionIdGrammar,
} as const;
type ReadField = keyof typeof GRAMMAR;

/** The card fields whose presence makes a row a credit by card. `payment_brand` alone does not. */
const CARD_FIELDS = ['card_number', 'card_holder', 'card_expiry_month', 'card_expiry_year'] as const satisfies readonly Field[];

/**
 * The known fields: each a cell of text, or absent. Other columns are the
 * user's own and not looked at. (Each field's grammar runs in the one
 * transform below, not as a transform per field: zod's per-field transforms
 * cost several times what the grammars do.)
 */
// A value that is not text (given by code, never read from a file) is taken as its text, as before.
const cell = z
  .string()
  .optional()
  .catch(({ input }) => (input == null ? '' : String(input)));
const cells = z.object({
  operation: cell,
  payment_id: cell,
  amount: cell,
  currency: cell,
  entity_id: cell,
  merchant_transaction_id: cell,
  registration_id: cell,
  card_number: cell,
  card_holder: cell,
  card_expiry_month: cell,
  card_expiry_year: cell,
  payment_brand: cell,
} satisfies Record<Field, typeof cell>);

/** A row's known fields, each cleaned (docs/input.md#cells) and, with a grammar, read. */
type Cells = { [F in ReadField]: Cell<ReturnType<(typeof GRAMMAR)[F]> extends Parsed<infer T> ? T : never> } & {
  [F in Exclude<Field, ReadField>]: Cell<never>;
};

const EMPTY: Cell<never> = Object.freeze({ text: '' });

function readCells(values: z.output<typeof cells>): Cells {
  const row = {} as Record<Field, Cell<unknown>>;
  for (const f of FIELDS) {
    const text = cleanCell(values[f]);
    if (text === '') row[f] = EMPTY;
    else if (f in GRAMMAR) {
      const p = GRAMMAR[f as ReadField](text);
      row[f] = p.ok ? { text, value: p.value } : { text, message: p.message };
    } else row[f] = { text };
  }
  return row as Cells;
}

/** Read the card fields of a row that has card data, saying what is wrong with each; the card when all are valid. */
function readCard(row: Cells, now: Date, say: (column: Field, message: string) => void): CardData | undefined {
  const number = parseCardNumber(row.card_number.text);
  const holder = parseHolder(row.card_holder.text);
  const month = parseExpiryMonth(row.card_expiry_month.text);
  const year = parseExpiryYear(row.card_expiry_year.text);
  const brand = parseBrand(row.payment_brand.text);
  const fields = [['card_number', number], ['card_holder', holder], ['card_expiry_month', month], ['card_expiry_year', year], ['payment_brand', brand]] as const;
  for (const [column, r] of fields) if (!r.ok) say(column, r.message);
  if (year.ok) {
    const expired = expiryMessage(month.ok ? month.value : undefined, year.value, now);
    if (expired) say(month.ok ? 'card_expiry_month' : 'card_expiry_year', expired);
  }
  if (number.ok && holder.ok && month.ok && year.ok && brand.ok) {
    return { number: number.value, holder: holder.value, expiryMonth: month.value, expiryYear: year.value, brand: brand.value };
  }
  return undefined;
}

/** `a capture (CP)`, for messages; `this operation` when the operation is not known. */
function what(type: OpType | undefined): string {
  return type ? `a ${OPERATION_RULES[type].name} (${type})` : 'this operation';
}

/**
 * The rules between fields (docs/input.md#cross-field), in the order their
 * messages come: each field's own message where its turn comes, the amount
 * read against the currency, what the operation needs. Every problem is
 * reported (one issue each, `path` = its column); a row without any becomes
 * its `Operation`.
 */
function crossField(rules: RowRules) {
  const decimalComma = Boolean(rules.decimalComma);
  return (values: z.output<typeof cells>, ctx: z.core.$RefinementCtx<z.output<typeof cells>>): Operation => {
    const row = readCells(values);
    let valid = true;
    const say = (column: Field, message: string): void => {
      valid = false;
      ctx.issues.push({ code: 'custom', message, path: [column], input: row[column].text });
    };
    const grammar = (column: 'operation' | 'currency' | 'payment_id' | 'registration_id' | 'entity_id' | 'merchant_transaction_id'): void => {
      const m = row[column].message;
      if (m !== undefined) say(column, m);
    };

    // operation
    const type = row.operation.value;
    if (row.operation.text === '') say('operation', `operation is empty: must be one of ${ALLOWED_OPERATIONS_TEXT}`);
    grammar('operation');
    const rule = type ? OPERATION_RULES[type] : undefined;

    // currency, then amount (the currency decides how many decimals are allowed)
    grammar('currency');
    const amountCell = row.amount.text;
    const currencyCell = row.currency.text;
    let amount: string | undefined;
    if (amountCell !== '') {
      const a = parseAmount(amountCell, row.currency.value, { decimalComma });
      if (a.ok) amount = a.value;
      else say('amount', a.message);
    }
    if (rule?.amount === 'required') {
      if (amountCell === '') say('amount', `amount is empty: ${what(type)} needs an amount, e.g. ${decimalComma ? '12,50' : '12.50'}`);
      if (currencyCell === '') say('currency', `currency is empty: ${what(type)} needs an ISO 4217 currency code, e.g. EUR`);
    } else if (rule?.amount === 'all-or-nothing') {
      if (amountCell !== '' && currencyCell === '') {
        say('currency', `currency is empty but amount is ${showValue(amountCell)}: a partial reversal needs both amount and currency; leave both empty for a full reversal`);
      }
      if (amountCell === '' && currencyCell !== '') {
        say('amount', `amount is empty but currency is ${showValue(currencyCell)}: a partial reversal needs both amount and currency; leave both empty for a full reversal`);
      }
    }

    // what the operation refers to: a payment, or (a credit) a registration or card data
    const paymentCell = row.payment_id.text;
    const registrationCell = row.registration_id.text;
    const hasCard = CARD_FIELDS.some((f) => row[f].text !== '');
    if (rule?.refersTo === 'payment') {
      if (paymentCell === '') say('payment_id', `payment_id is empty: ${what(type)} needs the 32-hex id of the payment it refers to`);
      if (registrationCell !== '') {
        say('registration_id', `registration_id ${showValue(registrationCell)} is only used by a credit (CD): ${what(type)} refers to payment_id; leave registration_id empty`);
      }
      if (hasCard) {
        say('card_number', `card data is only used by a credit (CD): ${what(type)} refers to payment_id; remove card_number, card_holder and expiry from this row`);
      }
    } else if (rule?.refersTo === 'none') {
      if (paymentCell !== '') {
        say('payment_id', `payment_id ${showValue(paymentCell)}: a credit (CD) is stand-alone and refers to no payment; leave payment_id empty and give registration_id or card data`);
      }
      if (registrationCell !== '' && hasCard) {
        say('registration_id', `registration_id and card data are both given: a credit (CD) uses one of them; keep registration_id and remove the card data, or the reverse`);
      } else if (registrationCell === '' && !hasCard) {
        say(
          'registration_id',
          `registration_id is empty: a credit (CD) needs registration_id (the 32-hex id of a stored card) or card data (card_number, card_holder, card_expiry_month, card_expiry_year, payment_brand)`,
        );
      }
      if (hasCard && !rules.allowCardData) {
        say('card_number', `card data needs --allow-card-data: run with --allow-card-data to send credits by card number, or use a registration (registration_id) instead`);
      }
    }
    grammar('payment_id');
    grammar('registration_id');
    // card data, on a credit (or a row whose operation is not known)
    const card = hasCard && (rule?.refersTo === 'none' || !rule) ? readCard(row, rules.now ?? new Date(), say) : undefined;

    // entity
    grammar('entity_id');
    if (row.entity_id.text === '' && rules.hasDefaultEntity === false) {
      say('entity_id', 'entity_id is empty and no default entity is set: fill entity_id, or run with --entity-id (or OPPWA_ENTITY_ID)');
    }

    // merchant transaction id, verbatim
    grammar('merchant_transaction_id');

    if (!valid || !type) return z.NEVER;
    const op: Operation = { type };
    if (row.payment_id.value !== undefined) op.paymentId = row.payment_id.value;
    if (row.registration_id.value !== undefined) op.registrationId = row.registration_id.value;
    if (row.entity_id.value !== undefined) op.entityId = row.entity_id.value;
    if (amount !== undefined && row.currency.value !== undefined) {
      op.amount = amount;
      op.currency = row.currency.value;
    }
    if (row.merchant_transaction_id.value !== undefined) op.merchantTransactionId = row.merchant_transaction_id.value;
    if (card !== undefined) op.card = card;
    return op;
  };
}

/** The row schema for a set of run rules; see the top of this file. */
function buildRowSchema(rules: RowRules) {
  return cells.transform(crossField(rules));
}

export type RowSchema = ReturnType<typeof buildRowSchema>;

const schemas = new Map<string, RowSchema>();

/** The row schema for these rules, built on first use. */
export function rowSchema(rules: RowRules): RowSchema {
  const key = `${rules.decimalComma ? 1 : 0}${rules.allowCardData ? 1 : 0}${String(rules.hasDefaultEntity)}${rules.now ? rules.now.getTime() : ''}`;
  let schema = schemas.get(key);
  if (!schema) {
    if (schemas.size >= 64) schemas.clear(); // each `now` of a test makes one; a run has at most two
    schema = buildRowSchema(rules);
    schemas.set(key, schema);
  }
  return schema;
}
