/**
 * The input cells of a row as payops may write them back (docs/security.md#card-data):
 * untouched, except
 *
 * - `card_number`: masked first 6 + last 4 whenever it holds 12+ digits;
 * - the user's own columns, the carried `last_*` / `source_*` columns and
 *   the other card fields (holder, expiry, brand — validation lets digits
 *   through there): free text, every Luhn-valid 12–19 digit number masked,
 *   grouped or glued to other text (a card number pasted into a note must
 *   not come out whole; see `maskCardNumbersForOutput` in rows/card-mask.ts);
 * - payops' identifying fields (operation, payment_id, entity_id,
 *   registration_id, amount, currency, merchant_transaction_id): untouched
 *   when the row passed validation — their values are then what validation
 *   allowed (32-hex ids, amounts of at most 12 integer digits; masking a
 *   digit run inside a hex id would corrupt it), and a valid merchant
 *   transaction id must come back exactly, or a rerun of the failed-rows file
 *   would look up and send under a different id. When the row did not pass
 *   validation the cell may hold anything (a card number in the wrong
 *   column), so it is masked like free text — except an id column whose
 *   cell is a well-formed 32-hex id, written as a valid row's would be: the
 *   row may be invalid for another reason (its amount), and the user fixes
 *   that in the failed-rows file and runs it again, so the id must come back
 *   whole (a long digit stretch inside a hex id can pass Luhn).
 */
import { isId } from '../rows/ids.js';
import type { ColumnLayout, Field } from '../rows/types.js';
import { maskCardCell, maskCardNumbersForOutput } from '../rows/card-mask.js';

export type CellKind = 'card' | 'id' | 'field' | 'free';

/** The fields that hold a 32-hex gateway id. */
const ID_FIELDS: readonly Field[] = ['payment_id', 'entity_id', 'registration_id'];

/** The fields written untouched for a valid row. */
export const IDENTIFYING_FIELDS: readonly Field[] = [
  'operation',
  'payment_id',
  'entity_id',
  'registration_id',
  'amount',
  'currency',
  'merchant_transaction_id',
];

/** What each input column is, for masking. */
export function columnKinds(layout: ColumnLayout): CellKind[] {
  const kinds: CellKind[] = layout.header.map(() => 'free');
  for (const f of IDENTIFYING_FIELDS) {
    const i = layout.fieldIndex[f];
    if (i !== undefined && i < kinds.length) kinds[i] = ID_FIELDS.includes(f) ? 'id' : 'field';
  }
  const card = layout.fieldIndex.card_number;
  if (card !== undefined && card < kinds.length) kinds[card] = 'card';
  return kinds;
}

/** The merchant transaction id as written: exact for a valid row, masked like free text otherwise. */
export function safeMerchantTransactionId(id: string | undefined, valid: boolean): string {
  if (id === undefined) return '';
  return valid ? id : maskCardNumbersForOutput(id);
}

/**
 * The row's input cells, one per header column (missing cells are empty,
 * extra cells dropped), masked as described above. `valid`: the row passed
 * validation (its outcome carries the operation).
 */
export function safeInputCells(cells: readonly string[], kinds: readonly CellKind[], valid: boolean): string[] {
  const n = kinds.length;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const cell = cells[i] ?? '';
    const kind = kinds[i];
    if (cell.length < 12) out[i] = cell; // too short to hold a card number
    else if (kind === 'card') out[i] = maskCardCell(cell);
    else if ((kind === 'field' || kind === 'id') && valid) out[i] = cell;
    else if (kind === 'id' && isId(cell.trim())) out[i] = cell;
    else out[i] = maskCardNumbersForOutput(cell);
  }
  return out;
}
