import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffMs, Pacer } from '../../src/batch/pacer.js';

// Real timers with small values. Only lower bounds are asserted (a slow
// machine can only make waits longer), with 2 ms for timer rounding.
const SLACK = 2;

describe('Pacer: --rate', () => {
  it('spaces requests across all workers at 1/rate', async () => {
    const pacer = new Pacer(50); // one every 20 ms
    const start = Date.now();
    const times = await Promise.all(Array.from({ length: 6 }, () => pacer.ready().then(() => Date.now() - start)));
    times.sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(i * 20 - SLACK);
  });

  it('keeps the spacing for workers that ask one after another', async () => {
    const pacer = new Pacer(40); // 25 ms
    const start = Date.now();
    for (let i = 0; i < 4; i++) await pacer.ready();
    expect(Date.now() - start).toBeGreaterThanOrEqual(3 * 25 - SLACK);
  });

  it('without a rate (or a rate of 0) nothing waits', async () => {
    for (const rate of [undefined, 0]) {
      const pacer = new Pacer(rate);
      const start = Date.now();
      for (let i = 0; i < 1000; i++) await pacer.ready();
      expect(Date.now() - start).toBeLessThan(1000);
    }
  });
});

describe('Pacer: pauseAll after throttling', () => {
  it('delays every waiter, not just the one that was throttled', async () => {
    const pacer = new Pacer(undefined);
    const start = Date.now();
    pacer.pauseAll(60);
    const times = await Promise.all(Array.from({ length: 4 }, () => pacer.ready().then(() => Date.now() - start)));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(60 - SLACK);
  });

  it('a longer pause while waiting extends the wait; a shorter one does not shorten it', async () => {
    const pacer = new Pacer(undefined);
    const start = Date.now();
    pacer.pauseAll(30);
    const waiting = pacer.ready().then(() => Date.now() - start);
    setTimeout(() => pacer.pauseAll(70), 10); // until ~80 ms
    setTimeout(() => pacer.pauseAll(1), 20);
    expect(await waiting).toBeGreaterThanOrEqual(80 - SLACK);
  });

  it('an aborted signal ends a rate-turn wait at once (the caller checks its stop flag)', async () => {
    const ac = new AbortController();
    const pacer = new Pacer(1, ac.signal); // one per second
    await pacer.ready();
    const start = Date.now();
    const waiting = pacer.ready(); // turn at ~1000 ms
    setTimeout(() => ac.abort(), 10);
    await waiting;
    expect(Date.now() - start).toBeLessThan(900);
  });

  // BUG (src/batch/pacer.ts:19-24, 38-44): once the signal is aborted (a stop:
  // SIGINT, refused credentials, --max-outage) during a pause, every wait()
  // rejects at once and ready() loops `continue` → wait() → reject … in
  // microtasks until the pause is over: 100% CPU and a starved event loop (no
  // timers, no I/O, no second-signal handling) for up to the whole pause
  // (Retry-After, up to 10 min), and ready() does not return to let the
  // caller see its stop flag.
  it('an aborted signal ends a pause wait at once, without starving the event loop', async () => {
    const ac = new AbortController();
    const pacer = new Pacer(undefined, ac.signal);
    const start = Date.now();
    pacer.pauseAll(400);
    const waiting = pacer.ready().then(() => Date.now() - start);
    setTimeout(() => ac.abort(), 10);
    let timerAt = 0;
    setTimeout(() => (timerAt = Date.now() - start), 50);
    const readyAt = await waiting;
    await new Promise((r) => setTimeout(r, 60));
    expect(readyAt).toBeLessThan(250);
    expect(timerAt).toBeLessThan(250);
  });

  // BUG (src/batch/pacer.ts:26-29): a worker already waiting for its --rate
  // turn returns when the turn comes, without looking at a pause set while it
  // waited. So with --rate, a 429 slows only the workers that call ready()
  // afterwards; those already queued for a turn send into the throttling.
  it('with --rate, a worker already waiting for its turn is held by a pause set meanwhile', async () => {
    const pacer = new Pacer(10); // one every 100 ms
    await pacer.ready(); // turn 0
    const start = Date.now();
    const queued = pacer.ready().then(() => Date.now() - start); // turn at ~100 ms
    setTimeout(() => pacer.pauseAll(400), 10); // a 429: everyone waits until ~410 ms
    expect(await queued).toBeGreaterThanOrEqual(410 - SLACK);
  });
});

describe('backoffMs', () => {
  it('attempt 1 waits 250–500 ms, doubling per attempt', () => {
    expect(backoffMs(1, () => 0)).toBe(250);
    expect(backoffMs(1, () => 0.999999)).toBe(500);
    expect(backoffMs(2, () => 0)).toBe(500);
    expect(backoffMs(2, () => 0.999999)).toBe(1000);
    expect(backoffMs(3, () => 0.5)).toBe(1500);
  });

  it('is capped at 30 s, however many attempts', () => {
    expect(backoffMs(7, () => 0.999999)).toBe(30_000);
    expect(backoffMs(50, () => 0.999999)).toBe(30_000);
    expect(backoffMs(10_000, () => 0)).toBe(15_000);
  });

  it('property: within [cap/2, cap] where cap = min(30 s, 500 ms × 2^(attempt-1)); jitter spreads workers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const cap = Math.min(30_000, 500 * 2 ** (attempt - 1));
        const ms = backoffMs(attempt, () => r);
        expect(ms).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(ms).toBeLessThanOrEqual(cap);
      }),
    );
    const spread = new Set(Array.from({ length: 50 }, () => backoffMs(3)));
    expect(spread.size).toBeGreaterThan(1);
  });

  it('a zero or negative attempt is treated as the first', () => {
    expect(backoffMs(0, () => 0)).toBe(250);
    expect(backoffMs(-3, () => 0.999999)).toBe(500);
  });
});
