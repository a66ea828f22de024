/** The run metrics collector: percentiles within 1%, max exact, throughput per slice. */
import { describe, expect, it } from 'vitest';
import { RunMetrics, throughputSeries } from '../../src/report/metrics.js';

describe('RunMetrics', () => {
  it('gives p50/p90/p99 within 1% of the exact value and the exact maximum', () => {
    const m = new RunMetrics({ clock: () => 0 });
    const values: number[] = [];
    for (let i = 0; i < 10_000; i++) values.push(((i * 7919) % 10_000) / 10 + 0.5); // 0.5 .. 1000 ms, shuffled
    for (const v of values) m.exchange(v, 'answered');
    const sorted = [...values].sort((a, b) => a - b);
    const exact = (p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
    const snap = m.snapshot();
    for (const [p, got] of [[50, snap.latency!.p50], [90, snap.latency!.p90], [99, snap.latency!.p99]] as const) {
      expect(got).toBeGreaterThanOrEqual(exact(p));
      expect(got).toBeLessThanOrEqual(exact(p) * 1.01);
    }
    expect(snap.latency!.max).toBe(1000.4);
    expect(snap.requests).toBe(10_000);
  });

  it('counts lookups and exchanges that were not sent or lost', () => {
    const m = new RunMetrics({ clock: () => 0 });
    m.exchange(5, 'answered');
    m.exchange(6, 'answered', true);
    m.exchange(7, 'lost');
    m.exchange(1, 'not-sent');
    const s = m.snapshot();
    expect([s.requests, s.lookups, s.byKind]).toEqual([4, 1, { answered: 2, 'not-sent': 1, lost: 1 }]);
  });

  it('has no latency before any exchange', () => {
    expect(new RunMetrics().snapshot().latency).toBeUndefined();
  });

  it('turns rows finished over time into rows per second per slice', () => {
    let now = 0;
    const m = new RunMetrics({ clock: () => now, binMs: 100 });
    // 10 rows/s for 2 s, then 50 rows/s for 2 s.
    for (let t = 0; t < 2000; t += 100) {
      now = t + 50;
      m.row();
    }
    for (let t = 2000; t < 4000; t += 20) {
      now = t + 10;
      m.row();
    }
    now = 4000;
    m.exchange(1, 'answered');
    const s = throughputSeries(m.snapshot(), 4);
    expect(s.sliceMs).toBe(1000);
    expect(s.rowsPerSecond).toEqual([10, 10, 50, 50]);
  });

  it('folds a short tail into the slice before it', () => {
    let now = 0;
    const m = new RunMetrics({ clock: () => now, binMs: 100 });
    for (let t = 0; t < 1000; t += 100) {
      now = t + 50;
      m.row();
    }
    now = 1010;
    m.row();
    const s = throughputSeries(m.snapshot(), 20);
    // 11 bins of 100 ms; the 11th lasted 10 ms and holds 1 row: no 100 rows/s spike.
    expect(s.rowsPerSecond).toHaveLength(10);
    expect(Math.max(...s.rowsPerSecond)).toBeLessThan(20);
  });
});
