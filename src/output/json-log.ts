/**
 * `--log-format json` (docs/outputs.md#json-log): one JSON object per line on a stream
 * (stderr): `start` (environment, input, dialect…), one `row` per rejected,
 * invalid, failed or unknown row, and `summary`. Every string is passed
 * through card masking and keys naming a secret are dropped
 * ({@link safeForLog}); the access token is never handed to this module.
 */
import type { RowOutcome } from '../rows/types.js';
import { isFailedOutcome } from './failed-writer.js';
import { maskCardNumbersForOutput } from '../rows/card-mask.js';

/** The schema of every JSON event and summary (2: snake_case keys throughout). Kept equal to summary.ts's. */
export const JSON_SCHEMA = 2;

/**
 * Sums payops computed from validated amounts (`"1254.49"`): digits and two
 * decimals, never free text, and left as they are — a total of 12 digits or
 * more can pass the Luhn check, and masked it would be no number at all.
 */
const SUM_KEYS = new Set(['amounts_succeeded', 'amounts_would_send', 'valid_amounts']);

/** Keys whose values never go into a log or summary, whatever a caller passes. */
const SECRET_KEY = /token|secret|password|authori[sz]ation|credential/i;

/**
 * A JSON-able value made safe to print: every string card-masked
 * (`maskCardNumbersForOutput`) but the sums of SUM_KEYS, and every property whose name smells of a
 * secret (token, password, authorization…) dropped. payops never hands the
 * access token to the output folder; this keeps a mistake from printing it.
 */
export function safeForLog<T>(value: T): T {
  if (typeof value === 'string') return maskCardNumbersForOutput(value) as T;
  if (Array.isArray(value)) return value.map((v) => safeForLog(v)) as T;
  if (value !== null && typeof value === 'object') {
    if (value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (SUM_KEYS.has(k)) out[k] = v;
      else if (!SECRET_KEY.test(k)) out[k] = safeForLog(v);
    }
    return out as T;
  }
  return value;
}

export interface JsonLogStream {
  write(text: string): unknown;
}

export interface JsonLogOptions {
  /** The user's own columns, carried into every `row` event. */
  userColumns?: readonly UserColumnRef[];
  /** Adds `"time"` (ISO 8601 UTC) to every event; default Date.now. Pass `null` for no time. */
  clock?: (() => number) | null;
}

export interface StartEvent {
  environment: unknown;
  input: string;
  dialect: unknown;
  [key: string]: unknown;
}

/** The user's own columns of a row, by header (as the results file shows them). */
export interface UserColumnRef {
  index: number;
  name: string;
}

/** The `row` event of one outcome (also for rows that are not logged): snake_case, the user's own columns under `columns`. */
export function rowEvent(o: RowOutcome, userColumns: readonly UserColumnRef[] = []): Record<string, unknown> {
  const columns: Record<string, string> = {};
  for (const c of userColumns) columns[c.name] = o.cells[c.index] ?? '';
  return {
    event: 'row',
    line: o.line,
    status: o.status,
    result_code: o.resultCode ?? null,
    result_description: o.resultDescription ?? null,
    error: o.error ?? null,
    note: o.note ?? null,
    merchant_transaction_id: o.merchantTransactionId ?? null,
    payment_type: o.paymentType ?? null,
    columns,
  };
}

export class JsonLog {
  private readonly stream: JsonLogStream;
  private readonly clock: (() => number) | null;
  private userColumns: readonly UserColumnRef[];

  constructor(stream: JsonLogStream, options: JsonLogOptions = {}) {
    this.stream = stream;
    this.clock = options.clock === undefined ? Date.now : options.clock;
    this.userColumns = options.userColumns ?? [];
  }

  /** The user's own columns, once the input's header is read. */
  setUserColumns(columns: readonly UserColumnRef[]): void {
    this.userColumns = columns;
  }

  /** Write one event (any fields); `event` names it, `schema` versions it. */
  event(event: string, fields: Record<string, unknown> = {}): void {
    const body: Record<string, unknown> = { schema: JSON_SCHEMA, event, ...fields };
    body.event = event;
    body.schema = JSON_SCHEMA;
    if (this.clock) body.time = new Date(this.clock()).toISOString();
    this.stream.write(JSON.stringify(safeForLog(body)) + '\n');
  }

  start(info: StartEvent): void {
    this.event('start', info);
  }

  /** Log the row if it is rejected, invalid, failed or unknown; other rows are not logged. */
  row(o: RowOutcome): void {
    if (!isFailedOutcome(o)) return;
    const { event: _event, ...fields } = rowEvent(o, this.userColumns);
    this.event('row', fields);
  }

  summary(fields: Record<string, unknown>): void {
    this.event('summary', fields);
  }
}

export function createJsonLog(stream: JsonLogStream, options: JsonLogOptions = {}): JsonLog {
  return new JsonLog(stream, options);
}
