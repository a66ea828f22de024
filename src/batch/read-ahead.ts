/**
 * The read-ahead: records are pulled from the input only while few rows wait
 * to be sent, so memory stays flat and rows die young.
 *
 * Rows read ahead of sending are those started and not finished, as a
 * multiple of the concurrency. Rows waiting for a lookup or for an earlier
 * row of their payment are parked: not counted (the output places bound
 * them), so a file with many rows per payment side by side still keeps
 * every slot busy. Enough that intents wait for a sync together and every
 * slot has a row ready; more only keeps objects alive long enough for the
 * garbage collector to copy them (10% CPU at 1024).
 */
const READ_AHEAD_PER_SLOT = 4;
const MIN_READ_AHEAD = 64;
/**
 * Once the read-ahead is full, reading resumes only when this many rows have
 * finished, so rows are planned a few at a time and their intents share one
 * sync. Larger bursts hold up answers waiting to be processed (at 50 ms
 * latency and concurrency 64, a burst of 64 cost 1.5% of throughput).
 */
const REFILL = 16;
/**
 * Until the read-ahead is full for the first time (or as many rows as it
 * holds have started), reading pauses for one turn of the event loop after
 * every this many rows started (at most the concurrency): the first rows'
 * intents are synced and their requests leave while the rest are still
 * planned, instead of after all of them (1,024 rows at concurrency 256,
 * planned by code not yet optimised: about 0.1 s).
 */
const FIRST_STEP = 64;

export class ReadAhead {
  /** Rows started and not finished. */
  private active = 0;
  /** Rows waiting for a lookup (whether or not their place is kept) or for an earlier row of their payment. */
  private parked = 0;
  private readonly size: number;
  private readonly resumeAt: number;
  private readonly firstStep: number;
  /** Rows started since the last pause of the first fill; -1 once the read-ahead has been full, or as many rows have started. */
  private firstFill = 0;
  /** Rows still to start before the first fill ends even if the read-ahead was never full (rows parked, answers quick). */
  private firstLeft: number;
  /** The reader, waiting for the rows in flight to drop to `resumeAt`. */
  private reader: (() => void) | undefined;
  /** Called when the active rows drop to 0 once reading has ended. */
  private allFinished: (() => void) | undefined;

  constructor(concurrency: number) {
    this.size = Math.max(MIN_READ_AHEAD, READ_AHEAD_PER_SLOT * concurrency);
    this.resumeAt = this.size - Math.min(REFILL, concurrency);
    this.firstStep = Math.min(FIRST_STEP, concurrency);
    this.firstLeft = this.size;
  }

  /** Before reading the next record: undefined when there is room, else a promise of room (no promise hop when there is). */
  room(): Promise<void> | undefined {
    if (this.active - this.parked < this.size) {
      // Rows that finish at once (invalid, done before, a dry run) are never started, and never cause a pause.
      if (this.firstFill < this.firstStep) return undefined;
      this.firstFill = 0;
      return new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.firstFill = -1;
    return new Promise<void>((resolve) => (this.reader = resolve));
  }

  started(): void {
    this.active++;
    if (this.firstFill >= 0) this.firstFill = --this.firstLeft > 0 ? this.firstFill + 1 : -1;
  }

  finished(): void {
    if (--this.active === 0) this.allFinished?.();
    this.wakeReader();
  }

  /** A row starts waiting for a lookup or for its payment's turn. */
  park(): void {
    this.parked++;
    this.wakeReader();
  }

  /** It stops waiting. */
  unpark(): void {
    this.parked--;
  }

  /** After reading ended: once every started row has finished. */
  idle(): Promise<void> | undefined {
    if (this.active === 0) return undefined;
    return new Promise<void>((resolve) => (this.allFinished = resolve));
  }

  private wakeReader(): void {
    if (this.reader && this.active - this.parked <= this.resumeAt) {
      const wake = this.reader;
      this.reader = undefined;
      wake();
    }
  }
}
