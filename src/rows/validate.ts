/**
 * Validating one row (docs/input.md#cross-field, docs/input.md#cells): every known field is cleaned, every
 * problem of the row is collected (not just the first), and a valid row
 * becomes an `Operation` ready to plan and send. Never throws; no message
 * ever holds a full card number.
 *
 * Uniqueness of `merchant_transaction_id` within a file is the caller's
 * concern (it needs every row).
 */
import { parseAmount } from './amount.js';
import { parseBrand, parseCardNumber, parseExpiryMonth, parseExpiryYear, parseHolder, expiryMessage } from './card.js';
import { findCardNumbers, maskCardNumbersForOutput, maskCardNumbersThoroughly } from './card-mask.js';
import { cleanCell } from './cells.js';
import { parseCurrency } from './currencies.js';
import { parseId } from './ids.js';
import { ALLOWED_OPERATIONS_TEXT, OPERATION_RULES, parseOperation } from './operations.js';
import { describeChar, showValue } from './show-value.js';
import { FIELDS, type CardData, type Field, type FieldValues, type Operation, type OpType, type ValidationResult } from './types.js';

export interface ValidateOptions {
  /** `--decimal-comma`: amounts use `,` as the decimal separator. */
  decimalComma: boolean;
  /** `--allow-card-data`: credits by card number are allowed. */
  allowCardData: boolean;
  /**
   * Whether a default entity is configured (`--entity-id` / OPPWA_ENTITY_ID).
   * `false`: a row without `entity_id` is invalid. Undefined: not checked.
   */
  hasDefaultEntity?: boolean;
  /** The time card expiry is judged against (default: now). */
  now?: Date;
}

/**
 * What a workbook reader knows about a row's cells beyond their text, handed
 * to {@link validateRow} on the values under {@link CELL_NOTES}: each message
 * then names its cell (`D7: amount …`), and a cell that cannot be used as it
 * is (a date in amount, an id typed as a number, a formula without a saved
 * result) makes the row invalid with the reader's message.
 */
export interface CellNotes {
  /** The cell of a field on this row (`D7`); undefined when the field has no column. */
  cellOf(field: Field): string | undefined;
  /** The row, for a message tied to no cell (`row 7`). */
  readonly row: string;
  /** Why a field's cell cannot be used, without its reference; undefined when it can. */
  problem(field: Field): string | undefined;
  /** Problems of the row's other cells, each already naming its cell. */
  readonly otherProblems: readonly string[];
  /** The amount cell is a number cell: its text is a plain decimal (`12.5`) whatever --decimal-comma says. */
  readonly numericAmount: boolean;
}

/** Where {@link CellNotes} ride on a row's values. */
export const CELL_NOTES: unique symbol = Symbol('payops.cellNotes');

/** The field a message is about: its first word, `card data` = card_number. */
function fieldOfMessage(message: string): Field | undefined {
  if (message.startsWith('card data')) return 'card_number';
  const m = /^[a-z_]+/.exec(message);
  return m && (FIELDS as readonly string[]).includes(m[0]) ? (m[0] as Field) : undefined;
}

/** `message` with the cell it is about in front (`D7: …`), or the row (`row 7: …`). */
export function referToCell(message: string, notes: CellNotes): string {
  if (/^(?:[A-Z]{1,3}\d+|row \d+): /.test(message)) return message;
  const f = fieldOfMessage(message);
  const cell = f ? notes.cellOf(f) : undefined;
  return `${cell ?? notes.row}: ${message}`;
}

/** The notes on a record's cells (a workbook row), if any. */
export function cellNotesOfCells(cells: readonly string[]): CellNotes | undefined {
  return (cells as { [CELL_NOTES]?: CellNotes })[CELL_NOTES];
}

/** An invalid outcome's error with its cell named, for a workbook row (messages made after validateRow). */
export function referOutcomeToCell(outcome: { cells: readonly string[]; status: string; error?: string }): void {
  if (outcome.status !== 'invalid' || outcome.error === undefined) return;
  const notes = cellNotesOfCells(outcome.cells);
  if (notes) outcome.error = referToCell(outcome.error, notes);
}

/** The notes on `values`, if a workbook reader left some. */
export function cellNotesOf(values: FieldValues): CellNotes | undefined {
  return (values as { [CELL_NOTES]?: CellNotes })[CELL_NOTES];
}

/** The card fields whose presence makes a row a credit by card. `payment_brand` alone does not. */
const CARD_FIELDS = ['card_number', 'card_holder', 'card_expiry_month', 'card_expiry_year'] as const satisfies readonly Field[];

export const MERCHANT_TRANSACTION_ID_MIN = 8;
export const MERCHANT_TRANSACTION_ID_MAX = 255;

/**
 * Check a `merchant_transaction_id` given in the file: 8–255 printable ASCII
 * characters, and not a card number — nor a masked one: a failed-rows file
 * carries a refused card-number id masked, and a rerun must not send that.
 * Returns the message, if any.
 */
export function merchantTransactionIdMessage(value: string): string | undefined {
  const allowed = `must be ${MERCHANT_TRANSACTION_ID_MIN} to ${MERCHANT_TRANSACTION_ID_MAX} printable ASCII characters (letters, digits, punctuation, space), or empty to let payops derive one`;
  const bad = /[^\x20-\x7E]/u.exec(value);
  if (bad) return `merchant_transaction_id ${showValue(value)} contains ${describeChar(bad[0])}: ${allowed}`;
  if (value.length < MERCHANT_TRANSACTION_ID_MIN || value.length > MERCHANT_TRANSACTION_ID_MAX) {
    return `merchant_transaction_id ${showValue(value)} has ${value.length} characters: ${allowed}`;
  }
  if (holdsCardNumber(value)) {
    return (
      `merchant_transaction_id ${showValue(maskCardNumbersForOutput(value))} looks like a card number (12 to 19 digits passing the Luhn check): ` +
      `a card number must never be used as an id (the id goes to the gateway and into every output as it is); ` +
      `use your own reference, e.g. ORDER-2026-0001, or leave it empty to let payops derive one`
    );
  }
  if (/\d{6}\*{2,9}\d{4}/.test(value.replace(/[ -]/g, ''))) {
    return (
      `merchant_transaction_id ${showValue(value)} holds a masked card number (as payops writes a card number it refused as an id): ` +
      `use your own reference, e.g. ORDER-2026-0001, or leave it empty to let payops derive one`
    );
  }
  return undefined;
}

/**
 * Whether a merchant transaction id is or holds a card number: 12–19 digits
 * passing Luhn, alone or grouped with single spaces or dashes
 * (`4111 1111 1111 1111`), beside a word or glued to letters
 * (`ORDER-4111111111111111`, `ORDER4111111111111111`) — what
 * `findCardNumbers` finds once letters and punctuation are out of the way. A
 * valid row's id is written unmasked to the outputs and the journal, so such
 * an id is refused. A longer run of digits (`20261124000123456789`) is not a
 * card number and passes.
 */
function holdsCardNumber(value: string): boolean {
  return findCardNumbers(value.replace(/[^\d \-]/g, '\n')).length > 0;
}

/**
 * Validate one row's known fields. On success the `Operation` holds
 * normalised values (ids lower-case, amount with two decimals, currency
 * upper-case); on failure `errors` holds one message per problem, each
 * naming the column, the value (card numbers masked) and what is allowed.
 */
export function validateRow(values: FieldValues, opts: ValidateOptions): ValidationResult {
  try {
    const notes = values ? cellNotesOf(values) : undefined;
    const rules = opts ?? { decimalComma: false, allowCardData: false };
    const outcome = collect(values ?? {}, notes?.numericAmount ? { ...rules, decimalComma: false } : rules);
    if (notes) {
      const errors = withCells('errors' in outcome ? outcome.errors : [], notes);
      if (errors.length > 0) return { ok: false, errors: errors.map(maskCardNumbersThoroughly) };
    }
    if ('op' in outcome) return { ok: true, op: outcome.op };
    return { ok: false, errors: outcome.errors.map(maskCardNumbersThoroughly) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, errors: [maskCardNumbersThoroughly(`row could not be validated: ${why}`)] };
  }
}

/**
 * A workbook row's messages: the reader's problem in place of what the
 * validator said about that field, then the other cells' problems; each
 * naming its cell.
 */
function withCells(errors: readonly string[], notes: CellNotes): string[] {
  const out: string[] = [];
  const told = new Set<Field>();
  for (const f of FIELDS) {
    const p = notes.problem(f);
    if (p === undefined) continue;
    told.add(f);
    out.push(referToCell(p, notes));
  }
  for (const e of errors) {
    const f = fieldOfMessage(e);
    if (f && told.has(f)) continue;
    out.push(referToCell(e, notes));
  }
  for (const p of notes.otherProblems) out.push(p);
  return out;
}

function collect(values: FieldValues, opts: ValidateOptions): { op: Operation } | { errors: string[] } {
  const errors: string[] = [];
  const get = (f: Field): string => {
    const v: unknown = values[f];
    return cleanCell(typeof v === 'string' ? v : v == null ? '' : String(v));
  };

  // operation
  const opCell = get('operation');
  let type: OpType | undefined;
  if (opCell === '') errors.push(`operation is empty: must be one of ${ALLOWED_OPERATIONS_TEXT}`);
  else {
    type = parseOperation(opCell);
    if (!type) errors.push(`operation ${showValue(opCell)} is not known: must be one of ${ALLOWED_OPERATIONS_TEXT}`);
  }
  const rule = type ? OPERATION_RULES[type] : undefined;
  const what = type && rule ? `a ${rule.name} (${type})` : 'this operation';

  // currency, then amount (the currency decides how many decimals are allowed)
  const currencyCell = get('currency');
  const amountCell = get('amount');
  let currency: string | undefined;
  if (currencyCell !== '') {
    const c = parseCurrency(currencyCell);
    if (c.ok) currency = c.value;
    else errors.push(c.message);
  }
  let amount: string | undefined;
  if (amountCell !== '') {
    const a = parseAmount(amountCell, currency, { decimalComma: Boolean(opts.decimalComma) });
    if (a.ok) amount = a.value;
    else errors.push(a.message);
  }
  if (rule?.amount === 'required') {
    if (amountCell === '') errors.push(`amount is empty: ${what} needs an amount, e.g. ${opts.decimalComma ? '12,50' : '12.50'}`);
    if (currencyCell === '') errors.push(`currency is empty: ${what} needs an ISO 4217 currency code, e.g. EUR`);
  } else if (rule?.amount === 'all-or-nothing') {
    if (amountCell !== '' && currencyCell === '') {
      errors.push(
        `currency is empty but amount is ${showValue(amountCell)}: a partial reversal needs both amount and currency; leave both empty for a full reversal`,
      );
    }
    if (amountCell === '' && currencyCell !== '') {
      errors.push(
        `amount is empty but currency is ${showValue(currencyCell)}: a partial reversal needs both amount and currency; leave both empty for a full reversal`,
      );
    }
  }

  // references: payment, registration, card data
  const paymentCell = get('payment_id');
  const registrationCell = get('registration_id');
  const hasCard = CARD_FIELDS.some((f) => get(f) !== '');
  let paymentId: string | undefined;
  let registrationId: string | undefined;
  let card: CardData | undefined;

  if (rule?.refersTo === 'payment') {
    if (paymentCell === '') errors.push(`payment_id is empty: ${what} needs the 32-hex id of the payment it refers to`);
    if (registrationCell !== '') {
      errors.push(
        `registration_id ${showValue(registrationCell)} is only used by a credit (CD): ${what} refers to payment_id; leave registration_id empty`,
      );
    }
    if (hasCard) {
      errors.push(`card data is only used by a credit (CD): ${what} refers to payment_id; remove card_number, card_holder and expiry from this row`);
    }
  } else if (rule?.refersTo === 'none') {
    if (paymentCell !== '') {
      errors.push(
        `payment_id ${showValue(paymentCell)}: a credit (CD) is stand-alone and refers to no payment; leave payment_id empty and give registration_id or card data`,
      );
    }
    if (registrationCell !== '' && hasCard) {
      errors.push(
        `registration_id and card data are both given: a credit (CD) uses one of them; keep registration_id and remove the card data, or the reverse`,
      );
    } else if (registrationCell === '' && !hasCard) {
      errors.push(
        `registration_id is empty: a credit (CD) needs registration_id (the 32-hex id of a stored card) or card data (card_number, card_holder, card_expiry_month, card_expiry_year, payment_brand)`,
      );
    }
    if (hasCard && !opts.allowCardData) {
      errors.push(
        `card data needs --allow-card-data: run with --allow-card-data to send credits by card number, or use a registration (registration_id) instead`,
      );
    }
  }
  if (paymentCell !== '') {
    const p = parseId(paymentCell, 'payment_id');
    if (p.ok) paymentId = p.value;
    else errors.push(p.message);
  }
  if (registrationCell !== '') {
    const r = parseId(registrationCell, 'registration_id');
    if (r.ok) registrationId = r.value;
    else errors.push(r.message);
  }
  if (hasCard && (rule?.refersTo === 'none' || !rule)) {
    card = readCard(get, opts.now ?? new Date(), errors);
  }

  // entity
  const entityCell = get('entity_id');
  let entityId: string | undefined;
  if (entityCell !== '') {
    const e = parseId(entityCell, 'entity_id');
    if (e.ok) entityId = e.value;
    else errors.push(e.message);
  } else if (opts.hasDefaultEntity === false) {
    errors.push('entity_id is empty and no default entity is set: fill entity_id, or run with --entity-id (or OPPWA_ENTITY_ID)');
  }

  // merchant transaction id, verbatim
  const mtidCell = get('merchant_transaction_id');
  let merchantTransactionId: string | undefined;
  if (mtidCell !== '') {
    const m = merchantTransactionIdMessage(mtidCell);
    if (m) errors.push(m);
    else merchantTransactionId = mtidCell;
  }

  if (errors.length > 0 || !type) return { errors };

  const op: Operation = { type };
  if (paymentId !== undefined) op.paymentId = paymentId;
  if (registrationId !== undefined) op.registrationId = registrationId;
  if (entityId !== undefined) op.entityId = entityId;
  if (amount !== undefined && currency !== undefined) {
    op.amount = amount;
    op.currency = currency;
  }
  if (merchantTransactionId !== undefined) op.merchantTransactionId = merchantTransactionId;
  if (card !== undefined) op.card = card;
  return { op };
}

/** Read the card fields, pushing a message for each bad one; the card when all are valid. */
function readCard(get: (f: Field) => string, now: Date, errors: string[]): CardData | undefined {
  const number = parseCardNumber(get('card_number'));
  const holder = parseHolder(get('card_holder'));
  const month = parseExpiryMonth(get('card_expiry_month'));
  const year = parseExpiryYear(get('card_expiry_year'));
  const brand = parseBrand(get('payment_brand'));
  for (const r of [number, holder, month, year, brand]) if (!r.ok) errors.push(r.message);
  if (year.ok) {
    const expired = expiryMessage(month.ok ? month.value : undefined, year.value, now);
    if (expired) errors.push(expired);
  }
  if (number.ok && holder.ok && month.ok && year.ok && brand.ok) {
    return { number: number.value, holder: holder.value, expiryMonth: month.value, expiryYear: year.value, brand: brand.value };
  }
  return undefined;
}
