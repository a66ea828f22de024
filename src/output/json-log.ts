/**
 * `--log-format json` (SPEC §3): one JSON object per line on a stream
 * (stderr): `start` (environment, input, dialect…), one `row` per rejected,
 * invalid, failed or unknown row, and `summary`. Every string is passed
 * through card masking and keys naming a secret are dropped (mask.ts
 * `safeForLog`); the access token is never handed to this module.
 */
import type { RowOutcome } from '../rows/types.js';
import { isFailedOutcome } from './failed-writer.js';
import { safeForLog } from './mask.js';

export interface JsonLogStream {
  write(text: string): unknown;
}

export interface JsonLogOptions {
  /** Adds `"time"` (ISO 8601 UTC) to every event; default Date.now. Pass `null` for no time. */
  clock?: (() => number) | null;
}

export interface StartEvent {
  environment: unknown;
  input: string;
  dialect: unknown;
  [key: string]: unknown;
}

/** The `row` event of one outcome (also for rows that are not logged). */
export function rowEvent(o: RowOutcome): Record<string, unknown> {
  return {
    event: 'row',
    line: o.line,
    status: o.status,
    result_code: o.resultCode ?? null,
    error: o.error ?? null,
    note: o.note ?? null,
    merchant_transaction_id: o.merchantTransactionId ?? null,
    payment_type: o.paymentType ?? null,
  };
}

export class JsonLog {
  private readonly stream: JsonLogStream;
  private readonly clock: (() => number) | null;

  constructor(stream: JsonLogStream, options: JsonLogOptions = {}) {
    this.stream = stream;
    this.clock = options.clock === undefined ? Date.now : options.clock;
  }

  /** Write one event (any fields); `event` names it. */
  event(event: string, fields: Record<string, unknown> = {}): void {
    const body: Record<string, unknown> = { event, ...fields };
    body.event = event;
    if (this.clock) body.time = new Date(this.clock()).toISOString();
    this.stream.write(JSON.stringify(safeForLog(body)) + '\n');
  }

  start(info: StartEvent): void {
    this.event('start', info);
  }

  /** Log the row if it is rejected, invalid, failed or unknown; other rows are not logged. */
  row(o: RowOutcome): void {
    if (!isFailedOutcome(o)) return;
    const { event: _event, ...fields } = rowEvent(o);
    this.event('row', fields);
  }

  summary(fields: Record<string, unknown>): void {
    this.event('summary', fields);
  }
}

export function createJsonLog(stream: JsonLogStream, options: JsonLogOptions = {}): JsonLog {
  return new JsonLog(stream, options);
}
