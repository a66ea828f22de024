/**
 * Run metrics for the report: rows finished over time (throughput) and the
 * time each HTTP exchange with the gateway took (latency). Bounded memory
 * whatever the run's size: rows are counted in fixed time bins, latencies in a
 * logarithmic histogram (each bucket 1% wide), so a percentile is exact to
 * within 1% and the maximum is exact.
 *
 * The collector is fed from outside: `exchange()` by the gateway client's
 * `onExchange` callback, `row()` by the run's sink. It knows nothing of
 * either.
 */

/** What one exchange came to (the client's `Exchange['kind']`). */
export type ExchangeKind = 'answered' | 'not-sent' | 'lost';

/** The figures the report shows for a run. */
export interface RunMetricsSnapshot {
  /** Milliseconds from the collector's start to the last row or exchange seen. */
  elapsedMs: number;
  /** Width of one throughput bin, ms. */
  binMs: number;
  /** Rows finished in each bin, from the start. */
  rowsPerBin: number[];
  /** Exchanges with the gateway (sends and lookups). */
  requests: number;
  /** Of them, lookups (GET). */
  lookups: number;
  /** Of them, by outcome. */
  byKind: Record<ExchangeKind, number>;
  /** Latency percentiles of all exchanges, ms (undefined when there was none). */
  latency?: { p50: number; p90: number; p99: number; max: number };
}

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Bucket 0 holds everything up to 10 µs; bucket i holds (10µs·1.01^(i-1), 10µs·1.01^i]. */
const BASE_MS = 0.01;

function bucketOf(ms: number): number {
  if (!(ms > BASE_MS)) return 0;
  return Math.ceil(Math.log(ms / BASE_MS) / LOG_GROWTH);
}

function upperBoundOf(bucket: number): number {
  return BASE_MS * Math.pow(GROWTH, bucket);
}

export interface RunMetricsOptions {
  /** Milliseconds clock (default performance.now). */
  clock?: () => number;
  /** Width of a throughput bin (default 100 ms). */
  binMs?: number;
}

export class RunMetrics {
  private readonly clock: () => number;
  private readonly start: number;
  private readonly binMs: number;
  private readonly bins: number[] = [];
  private readonly histogram: number[] = [];
  private last = 0;
  private requests = 0;
  private lookups = 0;
  private maxMs = 0;
  private readonly byKind: Record<ExchangeKind, number> = { answered: 0, 'not-sent': 0, lost: 0 };

  constructor(options: RunMetricsOptions = {}) {
    this.clock = options.clock ?? (() => performance.now());
    this.binMs = Math.max(1, options.binMs ?? 100);
    this.start = this.clock();
  }

  /** Milliseconds since the collector started. */
  now(): number {
    return this.clock() - this.start;
  }

  /** One row finished (any status). */
  row(): void {
    const t = this.now();
    const bin = Math.max(0, Math.floor(t / this.binMs));
    while (this.bins.length <= bin) this.bins.push(0);
    this.bins[bin]!++;
    if (t > this.last) this.last = t;
  }

  /** One exchange with the gateway took `ms` and came to `kind`. */
  exchange(ms: number, kind: ExchangeKind, lookup = false): void {
    const t = this.now();
    if (t > this.last) this.last = t;
    this.requests++;
    if (lookup) this.lookups++;
    this.byKind[kind]++;
    if (!Number.isFinite(ms) || ms < 0) return;
    if (ms > this.maxMs) this.maxMs = ms;
    const b = bucketOf(ms);
    while (this.histogram.length <= b) this.histogram.push(0);
    this.histogram[b]!++;
  }

  /** The latency at percentile `p` (0-100): the upper bound of its bucket, never above the maximum. */
  percentile(p: number): number | undefined {
    let total = 0;
    for (const n of this.histogram) total += n;
    if (total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (let i = 0; i < this.histogram.length; i++) {
      seen += this.histogram[i]!;
      if (seen >= rank) return Math.min(upperBoundOf(i), this.maxMs);
    }
    return this.maxMs;
  }

  snapshot(): RunMetricsSnapshot {
    const p50 = this.percentile(50);
    const snap: RunMetricsSnapshot = {
      elapsedMs: Math.round(this.last),
      binMs: this.binMs,
      rowsPerBin: [...this.bins],
      requests: this.requests,
      lookups: this.lookups,
      byKind: { ...this.byKind },
    };
    if (p50 !== undefined) {
      snap.latency = { p50, p90: this.percentile(90)!, p99: this.percentile(99)!, max: this.maxMs };
    }
    return snap;
  }
}

/**
 * Rows per second over the run in at most `maxColumns` equal slices (for a
 * small chart): each slice's rows divided by its length in seconds.
 */
export function throughputSeries(snap: RunMetricsSnapshot, maxColumns = 40): { sliceMs: number; rowsPerSecond: number[] } {
  const bins = snap.rowsPerBin;
  if (bins.length === 0) return { sliceMs: snap.binMs, rowsPerSecond: [] };
  const per = Math.max(1, Math.ceil(bins.length / maxColumns));
  const sliceMs = per * snap.binMs;
  const rows: number[] = [];
  const lengths: number[] = [];
  for (let i = 0; i < bins.length; i += per) {
    let n = 0;
    for (let j = i; j < Math.min(bins.length, i + per); j++) n += bins[j]!;
    rows.push(n);
    lengths.push(sliceMs);
  }
  // The last slice covers only the part of it the run lasted; a short tail is
  // folded into the slice before it (a few rows over a few ms are no rate).
  const last = rows.length - 1;
  const tail = Math.max(1, Math.min(sliceMs, snap.elapsedMs - last * sliceMs));
  if (last > 0 && tail < sliceMs / 2) {
    rows[last - 1]! += rows[last]!;
    lengths[last - 1]! += tail;
    rows.pop();
    lengths.pop();
  } else lengths[last] = tail;
  const out = rows.map((n, i) => n / (lengths[i]! / 1000));
  return { sliceMs, rowsPerSecond: out };
}
