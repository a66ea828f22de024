/**
 * The live progress line on a terminal's stderr (docs/outputs.md#stderr): rows done, the
 * total when known, rows/s, ETA and counts by status, redrawn in place
 * (`\r` + clear line). Timer-free: a row's `add()` redraws only when at least
 * `intervalMs` (100 ms) passed since the last drawing, so a million rows cost
 * about ten writes a second. `finish()` erases it. Only for a TTY: the caller
 * decides (and passes the stream).
 */
import type { RowOutcome } from '../rows/types.js';
import { formatDuration, formatRate, paint, rowsPerSecond, statusStyle } from './format.js';
import { STATUS_ORDER, type SummaryStatus } from './summary.js';

/** What the progress line needs of a stream (process.stderr fits). */
export interface ProgressStream {
  write(text: string): unknown;
  /** Terminal width; the line is cut to fit so it never wraps. */
  columns?: number;
}

export interface ProgressOptions {
  /** Rows in the input, when known. */
  total?: number;
  /** Milliseconds clock (default Date.now). */
  clock?: () => number;
  /** Least time between two drawings (default 100 ms). */
  intervalMs?: number;
  color?: boolean;
}

const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  private readonly stream: ProgressStream;
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private readonly color: boolean;
  private readonly startedAt: number;
  private readonly total: number | undefined;
  private done = 0;
  /** Rows done by earlier runs (a resumed run): they take no time, so they stay out of the rate and the ETA. */
  private earlier = 0;
  private waitingFor: (() => string | undefined) | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private readonly counts = new Map<SummaryStatus, number>();
  private lastDrawn = -Infinity;
  private visible = false;
  private finished = false;

  constructor(stream: ProgressStream, options: ProgressOptions = {}) {
    this.stream = stream;
    this.clock = options.clock ?? Date.now;
    this.intervalMs = options.intervalMs ?? 100;
    this.color = options.color ?? false;
    this.total = options.total;
    this.startedAt = this.clock();
  }

  /** One row finished; redraws when due. */
  add(outcome: Pick<RowOutcome, 'status' | 'alreadyDone'>): void {
    this.done++;
    if (outcome.alreadyDone) this.earlier++;
    this.counts.set(outcome.status, (this.counts.get(outcome.status) ?? 0) + 1);
    this.update();
  }

  /**
   * What the run waits for while no row finishes (`waiting for 3 lookups,
   * next in 1m40s`), as a function asked at each drawing; undefined once
   * nothing waits. While something waits the line is redrawn every second (a
   * timer that does not keep the process alive), so a wait never looks like a
   * hang.
   */
  setWaiting(describe: (() => string | undefined) | undefined): void {
    this.waitingFor = describe;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (describe && !this.finished) {
      this.ticker = setInterval(() => this.redraw(), 1000);
      this.ticker.unref();
    }
    this.redraw();
  }

  private redraw(): void {
    this.lastDrawn = -Infinity;
    this.update();
  }

  /** Redraw if at least `intervalMs` passed since the last drawing. */
  update(): void {
    if (this.finished) return;
    const now = this.clock();
    if (now - this.lastDrawn < this.intervalMs) return;
    this.lastDrawn = now;
    this.stream.write(CLEAR_LINE + this.fit(this.text(now)));
    this.visible = true;
  }

  /** Erase the line (before printing something else); the next update draws it again. */
  clear(): void {
    if (!this.visible) return;
    this.stream.write(CLEAR_LINE);
    this.visible = false;
    this.lastDrawn = -Infinity;
  }

  /** Erase the line for good. */
  finish(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.clear();
    this.finished = true;
  }

  /** The line's text at `now` (without colour codes unless `color`). */
  text(now: number = this.clock()): string {
    const ms = Math.max(0, now - this.startedAt);
    const rate = rowsPerSecond(this.done - this.earlier, ms);
    const parts: string[] = [];
    if (this.total !== undefined && this.total > 0) {
      const pct = Math.min(100, Math.floor((this.done / this.total) * 100));
      parts.push(`${this.done}/${this.total} rows ${pct}%`);
    } else parts.push(`${this.done} rows`);
    parts.push(`${formatRate(rate)} rows/s`);
    if (this.total !== undefined && this.total > this.done && rate > 0) {
      parts.push(`ETA ${formatDuration(((this.total - this.done) / rate) * 1000)}`);
    }
    const statuses = STATUS_ORDER.filter((s) => (this.counts.get(s) ?? 0) > 0).map((s) =>
      paint(this.color, statusStyle(s), `${s} ${this.counts.get(s)}`),
    );
    if (this.earlier > 0) parts.push(`${this.earlier} done earlier`);
    const line = parts.join('  ') + (statuses.length ? '  ' + statuses.join(' · ') : '');
    const waiting = this.waitingFor?.();
    return waiting ? `${line}  — ${waiting}` : line;
  }

  /** Cut the line to the terminal width (colour codes do not count). */
  private fit(line: string): string {
    const width = this.stream.columns;
    if (!width || width < 10) return line;
    // eslint-disable-next-line no-control-regex
    const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
    if (plain.length < width) return line;
    return plain.slice(0, width - 2) + '…';
  }
}

/** A progress line on `stream`. */
export function createProgress(stream: ProgressStream, options: ProgressOptions = {}): Progress {
  return new Progress(stream, options);
}
