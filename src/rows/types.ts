/**
 * The shapes a row takes as it travels: read → validate → plan → send →
 * classify → write. Every folder codes against these.
 */
/** The gateway's paymentType for each backoffice operation payops performs. */
export type OpType = 'CP' | 'RF' | 'RV' | 'RB' | 'RC' | 'CD';

/** The fields payops understands in an input file (docs/input.md#headers). Any other column is the user's own. */
export const FIELDS = [
  'operation',
  'payment_id',
  'amount',
  'currency',
  'entity_id',
  'merchant_transaction_id',
  'registration_id',
  'card_number',
  'card_holder',
  'card_expiry_month',
  'card_expiry_year',
  'payment_brand',
] as const;
export type Field = (typeof FIELDS)[number];

/** Columns a failed-rows file carries so that a rerun knows where a row came from (docs/outputs.md#failed-rows). */
export const CARRY_FIELDS = ['last_status', 'last_result_code', 'last_error', 'source_file', 'source_line'] as const;
export type CarryField = (typeof CARRY_FIELDS)[number];

/** One record as read from the input: its cells by column index, and the line it starts on. */
export interface InputRecord {
  /** 1-based physical line of the input file where this record starts. */
  line: number;
  /** Raw cell values, one per kept column of the header (missing cells are ''). */
  cells: string[];
  /** Set when the row had fewer cells than the header: how many it had, and the header's (for a row cut short). */
  short?: { cells: number; header: number };
}

/** The values of the known fields of one record, already looked up by header. */
export type FieldValues = Partial<Record<Field | CarryField, string>>;

export interface CardData {
  number: string; // digits only; never written anywhere
  holder: string;
  expiryMonth: string; // "01".."12"
  expiryYear: string; // "2027"
  brand: string; // "VISA", upper-case
}

/** A valid row, ready to plan and send. */
export interface Operation {
  type: OpType;
  /** Referenced payment (CP, RF, RV, RB, RC), 32 lower-case hex. */
  paymentId?: string;
  /** Registration for a credit by token, 32 lower-case hex. */
  registrationId?: string;
  /** The row's own entity, 32 lower-case hex; absent means the default entity. */
  entityId?: string;
  /** Normalised amount with exactly two decimals ("12.50"); absent only for a full reversal. */
  amount?: string;
  /** ISO 4217 code, upper-case; present exactly when amount is. */
  currency?: string;
  /** The merchant transaction id given in the file, verbatim; absent = derive one. */
  merchantTransactionId?: string;
  /** Card data for a credit by card (only with --allow-card-data). */
  card?: CardData;
}

/** Where an earlier failed-rows file says the row came from. */
export interface Provenance {
  lastStatus?: string;
  lastResultCode?: string;
  lastError?: string;
  sourceFile?: string;
  sourceLine?: string;
}

export type ValidationResult =
  | { ok: true; op: Operation }
  | { ok: false; errors: string[] };

/**
 * What the gateway's answer makes of a sent row; src/gateway/result-codes.ts
 * decides which result code is which.
 */
export type RowStatus = 'succeeded' | 'review' | 'pending' | 'unknown' | 'rejected';

/** Final status of a row in the results file (docs/statuses-and-exit-codes.md#statuses). */
export type FinalStatus = RowStatus | 'invalid' | 'failed';

/**
 * What a row came to, handed to the writers in input order. `cells` are the
 * input cells exactly as read (card data is masked by the writers, not here).
 */
export interface RowOutcome {
  line: number;
  cells: string[];
  /** `valid` only in the annotated file of `payops validate`. */
  status: FinalStatus | 'valid';
  resultCode?: string;
  resultDescription?: string;
  newPaymentId?: string;
  /** The merchant transaction id used (derived or verbatim), also for rows not sent. */
  merchantTransactionId?: string;
  paymentType?: OpType;
  /** HTTP sends of this row in this run. */
  attempts: number;
  /** ISO 8601 UTC of the outcome (an earlier run's time when alreadyDone). */
  processedAt?: string;
  error?: string;
  note?: string;
  /** The validated operation, when the row was valid (for the summary's amounts). */
  op?: Operation;
  /** The row was completed by an earlier run; reported with that run's outcome. */
  alreadyDone?: boolean;
  /** The run stopped (a signal, an outage) before this row was sent: counted apart, left out of the failed-rows file. */
  notStarted?: boolean;
}

/** Where each column of the input is, for the writers. */
export interface ColumnLayout {
  /** Input header names, in input order, as written in the file. */
  header: string[];
  /** Column index of each known field present in the input. */
  fieldIndex: Partial<Record<Field | CarryField, number>>;
}
