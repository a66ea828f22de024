/**
 * What the steps of a batch share, in one object passed to each of them: the
 * options, the stop (the first reason wins; it wakes every sleeper), the
 * concurrency limit and the pace, the stop rules, the output places, the
 * read-ahead, the payment chains, and what rows found out that later rows
 * need (ids seen in the file, payments left unsettled).
 */
import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import type { GatewayClient } from '../gateway/client.js';
import type { Journal } from '../plan/journal.js';
import type { Planner } from '../plan/planner.js';
import { SeenIds } from '../plan/txid.js';
import type { FieldValues, InputRecord, RowOutcome } from '../rows/types.js';
import type { ValidateOptions } from '../rows/validate.js';
import { LookupWaits } from './lookup-waits.js';
import { OutputPlaces } from './output-places.js';
import { Pacer } from './pacer.js';
import { PaymentOrder } from './payment-order.js';
import { ReadAhead } from './read-ahead.js';
import { StopRules } from './stop-rules.js';

export interface BatchOptions {
  /** The input's records, in arrays of those read at once. */
  batches: AsyncIterable<InputRecord[]>;
  valuesOf(cells: string[]): FieldValues;
  /** Name of the input for the journal's provenance (base name, or `stdin`). */
  sourceName: string;
  defaultEntityId: string | undefined;
  client: GatewayClient;
  journal: Journal;
  planner: Planner;
  /** Keyed hash of a card number, for the journal's reference of a card credit. */
  cardRef(number: string): string;
  concurrency: number;
  rate: number | undefined;
  maxAttempts: number;
  settleMs: number;
  lookupIntervalMs: number;
  /**
   * Per request: a send an earlier run journalled may have lasted this long
   * after its intent, so its --settle counts from there.
   */
  timeoutMs?: number;
  maxOutageMs: number;
  decimalComma: boolean;
  allowCardData: boolean;
  testMode?: 'EXTERNAL' | 'INTERNAL';
  dryRun: boolean;
  sink(outcome: RowOutcome): void | Promise<void>;
  /**
   * Keep the place of a row set aside for a lookup, so the rows after it can
   * be written meanwhile; `fill` gives its outcome later. Absent when the
   * outputs cannot keep places (stdout): set-aside rows then hold their places.
   */
  deferral?: {
    defer(): unknown;
    fill(place: unknown, outcome: RowOutcome): void | Promise<void>;
  };
  /** Stop taking rows when this fires (signals). */
  stopSignal: AbortSignal;
  /** Rows start (a describer of what the run waits for) or stop (undefined) waiting for lookups: for the progress line. */
  onWaiting?: (describe: (() => string | undefined) | undefined) => void;
}

/** What fills a row's place in the outputs: its outcome, or a place the outputs keep for an outcome to come (a row set aside). */
export type PlaceFill = { outcome: RowOutcome } | { keep: (kept: unknown) => void; lost: (err: unknown) => void };

/** Places in the outputs: rows read and not yet written. */
const PLACES = 1024;

export class BatchState {
  /** Why the run stopped, once it did. */
  stoppedBy: Error | undefined = undefined;
  /** Aborted when the run stops: wakes every row sleeping for a backoff, the pace or a lookup. */
  readonly wake = new AbortController();
  /** The concurrency limit: at most `--concurrency` requests at once, the others wait in arrival order. */
  readonly limit: LimitFunction;
  readonly pacer: Pacer;
  readonly stopRules: StopRules;
  /** Every row's place in the outputs, handed to the writers in input order. */
  readonly places: OutputPlaces<PlaceFill>;
  readonly readAhead: ReadAhead;
  /** Rows of one payment, one at a time in file order. */
  readonly turns = new PaymentOrder();
  readonly waits: LookupWaits;
  /** Ids of the rows admitted so far (in-file duplicates). */
  readonly seenIds = new SeenIds();
  readonly rules: ValidateOptions;
  /** Payments with a row left unknown in this run (→ its line): their later rows are not sent. */
  readonly unsettled = new Map<string, number>();
  /** Rows whose place is kept in the outputs while they wait for a lookup. */
  aside = 0;

  constructor(readonly o: BatchOptions) {
    // Every row sleeping for a lookup listens to it: more than 10 is normal, not a leak (no MaxListenersExceededWarning on stderr).
    setMaxListeners(0, this.wake.signal);
    this.limit = concurrencyLimit(o.concurrency);
    this.pacer = new Pacer(o.rate, this.wake.signal);
    this.stopRules = new StopRules(o.maxOutageMs, o.defaultEntityId, (err) => this.stop(err));
    this.places = new OutputPlaces<PlaceFill>(
      PLACES,
      (fill) => ('outcome' in fill ? o.sink(fill.outcome) : fill.keep(o.deferral!.defer())),
      // The outputs failed: stop, and a row waiting for its place must not wait forever.
      (fill, err) => {
        this.stop(err instanceof Error ? err : new Error(String(err)));
        if ('lost' in fill) fill.lost(err);
      },
    );
    this.readAhead = new ReadAhead(o.concurrency);
    this.waits = new LookupWaits(o.onWaiting);
    this.rules = { decimalComma: o.decimalComma, allowCardData: o.allowCardData, hasDefaultEntity: o.defaultEntityId !== undefined };
  }

  stop(err: Error): void {
    if (!this.stoppedBy) this.stoppedBy = err;
    this.wake.abort();
  }
}

/** The concurrency limit (p-limit): at least one task at a time. */
export function concurrencyLimit(size: number): LimitFunction {
  return pLimit(Math.max(1, size));
}
