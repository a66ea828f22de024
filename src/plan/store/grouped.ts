/**
 * Group commits, shared by the durable stores: every intent recorded before
 * a commit starts rides on it (one promise for the whole group), outcomes
 * alone wait up to OUTCOME_DELAY_MS (or OUTCOME_BATCH records, or the next
 * intent) so they do not cost a commit each. Once a commit fails the store
 * takes nothing more: `failure` aborts with the error, every later intent
 * is refused, and the run stops sending.
 */
import { describeResultCode } from '../../gateway/result-codes.js';
import { StateWriteError } from './errors.js';
import { type IntentRecord, type OutcomeRecord, OUTCOME_BATCH, OUTCOME_DELAY_MS } from './types.js';

export type Pending = { k: 'i'; rec: Omit<IntentRecord, 'k'> } | { k: 'o'; rec: Omit<OutcomeRecord, 'k'> };

export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // A group nobody awaits any more (the run stopped) must not crash the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A description that is the result code's own is left out (most of an outcome's bytes) and put back on lookup. */
export function shortDescription(rec: Omit<OutcomeRecord, 'k'>): string | undefined {
  return rec.d !== undefined && rec.c !== undefined && rec.d === describeResultCode(rec.c) ? undefined : rec.d;
}

export abstract class GroupedWriter {
  private queue: Pending[] = [];
  private groupDurable: Deferred | undefined;
  private syncing: Promise<void> | undefined;
  private kickQueued = false;
  private outcomeTimer: NodeJS.Timeout | undefined;
  private readonly failed = new AbortController();
  protected closed = false;

  get failure(): AbortSignal {
    return this.failed.signal;
  }

  protected get failedWith(): StateWriteError | undefined {
    return this.failed.signal.aborted ? (this.failed.signal.reason as StateWriteError) : undefined;
  }

  /** Commit these records; resolve once durable when `durable` (a group with intents), else once committed. */
  protected abstract commit(records: Pending[], durable: boolean): Promise<void>;
  /** Commit these records synchronously, as durably as can be done without waiting (second signal). */
  protected abstract commitNow(records: Pending[]): void;
  /** A user-facing error for a failed commit. */
  protected abstract describeFailure(err: unknown): StateWriteError;

  /** Stop taking records: `failure` aborts with this error. */
  protected fail(err: StateWriteError): void {
    if (this.failed.signal.aborted) return;
    this.failed.abort(err);
    // Intents queued behind the failed commit will never be durable: their rows are not sent.
    this.groupDurable?.reject(err);
    this.groupDurable = undefined;
    this.queue = [];
    this.stopTimers();
  }

  intent(rec: Omit<IntentRecord, 'k'>): Promise<void> {
    const failed = this.failedWith;
    if (failed) return Promise.reject(failed);
    if (this.closed) return Promise.reject(new StateWriteError('the state store is closed'));
    this.queue.push({ k: 'i', rec });
    const group = (this.groupDurable ??= deferred());
    this.kickSoon();
    return group.promise;
  }

  outcome(rec: Omit<OutcomeRecord, 'k'>): void {
    // After a failure outcomes are lost: their rows have a durable intent and are looked up by the next run.
    if (this.failedWith || this.closed) return;
    this.queue.push({ k: 'o', rec });
    this.kickSoon();
  }

  /** Commit and sync everything recorded so far. After a failure (reported through `failure`) it resolves. */
  async flush(): Promise<void> {
    while ((this.queue.length || this.syncing) && !this.failedWith) {
      this.kick(true);
      await this.syncing;
    }
  }

  closeNow(): void {
    if (this.failedWith || this.queue.length === 0) {
      this.closeNowExtra();
      return;
    }
    const records = this.queue;
    this.queue = [];
    try {
      this.commitNow(records);
    } catch {
      /* nothing more can be done; those rows are looked up by the next run */
    }
    this.closeNowExtra();
  }

  /** Anything to sync at a second signal besides the queue (the group being synced). */
  protected closeNowExtra(): void {}

  private kickSoon(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      this.kick();
    });
  }

  private kick(force = false): void {
    if (this.syncing || this.queue.length === 0 || this.failedWith) return;
    if (!force && !this.groupDurable && this.queue.length < OUTCOME_BATCH) {
      this.outcomeTimer ??= setTimeout(() => {
        this.outcomeTimer = undefined;
        this.kick(true);
      }, OUTCOME_DELAY_MS).unref();
      return;
    }
    if (this.outcomeTimer) {
      clearTimeout(this.outcomeTimer);
      this.outcomeTimer = undefined;
    }
    this.syncing = this.syncGroup().finally(() => {
      this.syncing = undefined;
      if (this.queue.length) this.kick();
    });
  }

  private async syncGroup(): Promise<void> {
    const records = this.queue;
    const group = this.groupDurable;
    this.queue = [];
    this.groupDurable = undefined;
    try {
      await this.commit(records, group !== undefined);
      group?.resolve();
    } catch (err) {
      const e = err instanceof StateWriteError ? err : this.describeFailure(err);
      this.fail(e);
      group?.reject(e);
    }
  }

  protected stopTimers(): void {
    if (this.outcomeTimer) clearTimeout(this.outcomeTimer);
    this.outcomeTimer = undefined;
  }
}
