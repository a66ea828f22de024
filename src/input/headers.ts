/**
 * Which column is which (docs/input.md#headers). Header names match case-insensitively with
 * spaces, `_`, `-` and `.` ignored, so `Payment ID`, `payment_id` and
 * `paymentId` are one column. Columns that are none of payops' fields are the
 * user's own and are carried through untouched.
 *
 * Refused, with exit 2: two columns for one field, a missing `operation` (or
 * `payment_id` when neither `registration_id` nor `card_number` is there), and
 * any column that holds card security codes.
 *
 * Column indices in a {@link HeaderMap} are indices into the kept columns (the
 * cells of an {@link InputRecord}); columns whose header is empty are dropped
 * before (see open-input.ts). Column numbers in messages are 1-based positions in
 * the file, as a spreadsheet shows them.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { CarryField, Field, FieldValues } from '../rows/types.js';
import { maskCardNumbersThoroughly } from '../rows/card-mask.js';

export type KnownField = Field | CarryField;

/** Accepted header names of each field, the canonical name first. */
export const FIELD_NAMES: Readonly<Record<KnownField, readonly string[]>> = {
  operation: ['operation', 'op', 'payment_type', 'paymentType'],
  payment_id: ['payment_id', 'reference_id', 'referenced_payment_id'],
  amount: ['amount'],
  currency: ['currency'],
  entity_id: ['entity_id'],
  merchant_transaction_id: ['merchant_transaction_id'],
  registration_id: ['registration_id'],
  card_number: ['card_number'],
  card_holder: ['card_holder'],
  card_expiry_month: ['card_expiry_month'],
  card_expiry_year: ['card_expiry_year'],
  payment_brand: ['payment_brand'],
  last_status: ['last_status'],
  last_result_code: ['last_result_code'],
  last_error: ['last_error'],
  source_file: ['source_file'],
  source_line: ['source_line'],
};

/**
 * A header or column name reduced for matching: lower case, without spaces, `_`, `-`, `.` (or a stray BOM or
 * zero-width space). `Result Code`, `result_code` and `resultCode` are one name. The one normaliser: input
 * headers, the results file's columns (output/columns.ts, report/rows.ts) and reconcile all use it.
 */
export function normalizeHeader(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[\s_\-.\uFEFF\u200B]+/g, '');
}

const BY_NORMALIZED: ReadonlyMap<string, KnownField> = new Map(
  (Object.entries(FIELD_NAMES) as [KnownField, readonly string[]][]).flatMap(([field, names]) =>
    names.map((n) => [normalizeHeader(n), field] as const),
  ),
);

/** The field a header name means, or undefined for the user's own column. */
export function fieldOfHeader(name: string): KnownField | undefined {
  return BY_NORMALIZED.get(normalizeHeader(name));
}

// Card security code: cvv, cvv2, cvc, cvc2, csc, card_cvv, card.cvc, security_code, card verification value…
// (not `cid`: too often a customer id).
const CVV = /^(card)?(cvv2?|cvc2?|csc|cav2|securitycode|verificationcode|verificationvalue)$/;

/** The header names a card security code column. */
export function isCvvHeader(name: string): boolean {
  return CVV.test(normalizeHeader(name));
}

export interface UserColumn {
  /** Index into the kept columns (the record's cells). */
  index: number;
  /** The header as written in the file. */
  name: string;
}

export interface HeaderMap {
  /** Kept-column index of each of payops' fields present in the header. */
  readonly fields: Readonly<Partial<Record<KnownField, number>>>;
  /** The user's own columns, in file order. */
  readonly userColumns: readonly UserColumn[];
  /** For each kept column, its 1-based column number in the file (for messages). */
  readonly columnNumbers: readonly number[];
  /**
   * The values of the known fields in a record's cells, raw (neither trimmed nor
   * unescaped — that is validation's job). A field whose column is absent has no
   * key; a present column with an empty cell gives ''.
   */
  valuesOf(cells: readonly string[]): FieldValues;
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

/**
 * `input`: an input file's rules. `results`: a results file's (payops
 * reconcile): its own columns repeat fields (`payment_type` also means
 * operation), so the first column of a field wins, later ones are user
 * columns, and nothing is required. A CVV column is refused in both.
 */
export type HeaderMode = 'input' | 'results';

/**
 * Map the kept header names (`names[i]` is kept column i, at file column
 * `columnNumbers[i]`) to fields. Throws a UsageError for duplicate fields,
 * missing required fields and CVV columns (see {@link HeaderMode}).
 */
/** `--column FIELD=HEADER` / `--columns FILE`: which header holds which field, as the user named them. */
export type ColumnMapping = Readonly<Partial<Record<KnownField, string>>>;

const FIELD_LIST = Object.keys(FIELD_NAMES) as KnownField[];

/** The field a `--column` names (`amount`, `Payment ID`, `payment-id`…), or a UsageError listing them. */
function mappedField(name: string, where: string): KnownField {
  const n = normalizeHeader(name);
  const field = FIELD_LIST.find((f) => normalizeHeader(f) === n);
  if (!field) throw new UsageError(`${where}: "${name}" is not a field payops reads; the fields are ${FIELD_LIST.slice(0, 12).join(', ')}`);
  return field;
}

/**
 * Parse `--column FIELD=HEADER` values and a `--columns` file (lines
 * `FIELD=HEADER`, `#` comments and blank lines ignored; or a JSON object
 * `{"amount": "Betrag"}`). A `--column` overrides the file for its field.
 */
export function parseColumnMapping(values: readonly string[] = [], file?: string): ColumnMapping {
  const out: Partial<Record<KnownField, string>> = {};
  const add = (spec: string, where: string) => {
    const eq = spec.indexOf('=');
    if (eq <= 0 || spec.slice(eq + 1).trim() === '')
      throw new UsageError(`${where} "${spec}" is not FIELD=HEADER; write e.g. --column amount=Betrag`);
    out[mappedField(spec.slice(0, eq).trim(), where)] = spec.slice(eq + 1).trim();
  };
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch (err) {
      throw new UsageError(`cannot read --columns ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
    }
    if (text.trim().startsWith('{')) {
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        throw new UsageError(`--columns ${file} is not valid JSON: ${(err as Error).message}`);
      }
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--columns ${file}: the header of "${k}" must be a non-empty string`);
        out[mappedField(k, `--columns ${file}`)] = v.trim();
      }
    } else {
      text.split(/\r\n|\n|\r/).forEach((line, i) => {
        const t = line.trim();
        if (t === '' || t.startsWith('#')) return;
        add(t, `--columns ${file} line ${i + 1}:`);
      });
    }
  }
  for (const v of values) add(String(v), '--column');
  return out;
}

export function mapHeaders(
  names: readonly string[],
  columnNumbers: readonly number[] = names.map((_, i) => i + 1),
  opts: { mode?: HeaderMode; columns?: ColumnMapping } = {},
): HeaderMap {
  const results = opts.mode === 'results';
  const fields: Partial<Record<KnownField, number>> = {};
  const userColumns: UserColumn[] = [];
  const col = (i: number) => columnNumbers[i] ?? i + 1;

  // The columns the user named: found exactly (then ignoring case, spaces, "_", "-", ".").
  const mapping = (Object.entries(opts.columns ?? {}) as [KnownField, string][]);
  const forced = new Map<number, KnownField>();
  for (const [field, header] of mapping) {
    let at = names.findIndex((n) => n.trim() === header);
    if (at < 0) at = names.findIndex((n) => normalizeHeader(n) === normalizeHeader(header));
    if (at < 0)
      throw new UsageError(
        maskCardNumbersThoroughly(`--column ${field}=${header}: the file has no column "${header}"; its columns are ${quoteList(names)}`),
      );
    const other = forced.get(at);
    if (other !== undefined) throw new UsageError(`--column maps both ${other} and ${field} to "${header}"; one column holds one field`);
    forced.set(at, field);
  }
  const mappedFields = new Set(forced.values());

  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (isCvvHeader(name))
      throw new UsageError(
        `column ${JSON.stringify(name)} (column ${col(i)}) holds card security codes: a CVV must not be kept in a file, ` +
          `and credits do not need it. Delete the column (and any copies of the file that have it), then run again.`,
      );
    // A column named by --column is that field; a column that would otherwise mean a field the user mapped elsewhere is the user's own.
    const auto = fieldOfHeader(name);
    const field = forced.get(i) ?? (auto !== undefined && mappedFields.has(auto) ? undefined : auto);
    if (field === undefined) {
      userColumns.push({ index: i, name });
      continue;
    }
    const earlier = fields[field];
    if (earlier !== undefined && results) {
      userColumns.push({ index: i, name });
      continue;
    }
    if (earlier !== undefined)
      throw new UsageError(
        `columns ${JSON.stringify(names[earlier])} (column ${col(earlier)}) and ${JSON.stringify(name)} (column ${col(i)}) ` +
          `both mean ${field}; remove or rename one`,
      );
    fields[field] = i;
  }

  const missing: Field[] = [];
  if (fields.operation === undefined) missing.push('operation');
  if (fields.payment_id === undefined && fields.registration_id === undefined && fields.card_number === undefined)
    missing.push('payment_id');
  if (missing.length > 0 && !results) {
    const what = missing
      .map((f) => {
        const accepted = FIELD_NAMES[f].slice(1);
        const also = accepted.length > 0 ? ` (or ${accepted.join(', ')})` : '';
        const unless = f === 'payment_id' ? ', needed unless the file has registration_id or card_number for credits' : '';
        return `"${f}"${also}${unless}`;
      })
      .join('; ');
    const found = names.length > 0 ? `the columns found are ${quoteList(names)}` : 'no column names were found';
    const oneColumn = names.some((n) => /[,;\t|]/.test(n))
      ? ' A column name holds a delimiter: if the file uses another delimiter than the one detected, pass --delimiter.'
      : '';
    const example = missing[0] === 'operation' ? 'operation=Vorgang' : 'payment_id=Zahlungs-ID';
    const mapHint = ` If the file names them differently, say which column is which: --column ${example} (repeatable) or --columns FILE.`;
    // The "header" may be a data row (a file without one): a card number in it must not come out whole.
    throw new UsageError(
      maskCardNumbersThoroughly(
        `missing column${missing.length > 1 ? 's' : ''}: ${what}. Header names match ignoring case, spaces, "_", "-" and "."; ${found}.${oneColumn}${mapHint}`,
      ),
    );
  }

  const entries = Object.entries(fields) as [KnownField, number][];
  return {
    fields,
    userColumns,
    columnNumbers: names.map((_, i) => col(i)),
    valuesOf(cells: readonly string[]): FieldValues {
      const out: FieldValues = {};
      for (const [field, i] of entries) out[field] = cells[i] ?? '';
      return out;
    },
  };
}

/** The map of an input with no header at all (an empty file): no fields, no columns. */
export function emptyHeaderMap(): HeaderMap {
  return { fields: {}, userColumns: [], columnNumbers: [], valuesOf: () => ({}) };
}
