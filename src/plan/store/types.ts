/**
 * The state store: what payops remembers about every row it ever sent, per
 * state partition (docs/state.md#partitions). One interface, two durable implementations
 * (SQLite, the default, one database file per partition; PostgreSQL, for
 * teams) and one that keeps nothing (`PAYOPS_JOURNAL=memory`, the bench's
 * baseline). Same semantics everywhere:
 *
 * - `intent` resolves once the intent is durable; no request of the row may
 *   leave before. Intents recorded in one task share one commit and one sync.
 * - `outcome` is recorded after, not waited for (written with the next group,
 *   or within 20 ms); a crash loses at most those, and their rows are then
 *   looked up, never sent again.
 * - `lookup(key)` gives the latest intent under a key and its outcome: an
 *   outcome belongs to the latest intent only if it is for the same id and
 *   later. It is synchronous: a store whose reads are remote answers from
 *   what `prefetch` fetched (and fetches anything else on the spot). It need
 *   not show what this store recorded itself (SQLite indexes a run's records
 *   in chunks): no two rows of a run share a key, which the planner
 *   enforces on its own.
 * - A record that cannot be read throws a StateError: a row whose history
 *   cannot be read is never sent.
 * - `failure` aborts once the store cannot record any more (full disk, lost
 *   connection, lost lease): the run must stop sending at once.
 * - `canSend()` is asked right before each request leaves: a row whose
 *   intent was recorded while the lease was held may wait (its payment's
 *   turn, a slot, the pace) past the lease; then it is not sent.
 */

/** What a row is, for matching: an id belongs to a row only if all of this matches (docs/exactly-once.md#matching). */
export interface RowIdentity {
  /** Merchant transaction id sent. */
  id: string;
  /** paymentType. */
  type: string;
  /** Referenced payment id, registration id, or `card:<keyed hash>`. */
  ref: string;
  amount: string;
  currency: string;
  entity: string;
}

export interface IntentRecord extends RowIdentity {
  k: 'i';
  /** Key the record is indexed under: the 14-char base of a derived id, or the verbatim id. */
  key: string;
  gen: number;
  at: string;
  src: string;
  line: number;
}

export interface OutcomeRecord {
  k: 'o';
  key: string;
  id: string;
  /** succeeded | review | pending | rejected | unknown | failed */
  s: string;
  /** false when the request certainly never reached the gateway. */
  sent: boolean;
  c?: string;
  d?: string;
  n?: string;
  note?: string;
  at: string;
  src: string;
  line: number;
}

export type JournalRecord = IntentRecord | OutcomeRecord;

export interface JournalEntry {
  intent?: IntentRecord;
  outcome?: OutcomeRecord;
}

export interface StateStore {
  /** Where the state lives, for messages: a file, or a URL without its password. */
  readonly location: string;
  /** Aborted (with a StateError as reason) once nothing more can be recorded. */
  readonly failure: AbortSignal;
  /** Reads go over the network: the pipeline calls `prefetch` before planning rows. */
  readonly remote?: boolean;
  lookup(key: string): JournalEntry | undefined;
  /** Fetch what `lookup` will be asked for these keys (a no-op for a local store). */
  prefetch(keys: readonly string[]): Promise<void>;
  intent(rec: Omit<IntentRecord, 'k'>): Promise<void>;
  outcome(rec: Omit<OutcomeRecord, 'k'>): void;
  /** Commit and sync everything recorded so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Second signal: commit what is queued synchronously, without waiting for anything. */
  closeNow(): void;
  /**
   * May a request still leave now? Asked synchronously right before each
   * request that could execute something (a POST; a lookup executes nothing
   * and is not asked). A local store: always (its lock is held until the
   * process ends). PostgreSQL: not once the lease may have run out without a
   * successful renewal; then `failure` has aborted too, and the run stops.
   */
  canSend(): boolean;
}

/** Whether a journal record (or gateway transaction) is this row's: every field matches. */
export function sameRow(a: RowIdentity, b: RowIdentity): boolean {
  return a.type === b.type && a.ref === b.ref && a.amount === b.amount && a.currency === b.currency && a.entity === b.entity;
}


/**
 * Outcomes that nobody waits for are written once this many are queued, or
 * after this delay, or with the next intent.
 */
export const OUTCOME_BATCH = 64;
export const OUTCOME_DELAY_MS = 20;
