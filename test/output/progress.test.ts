import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/output/progress.js';

function fakeTerminal(columns?: number) {
  const writes: string[] = [];
  return { writes, stream: { write: (s: string) => writes.push(s), columns } };
}

describe('progress line', () => {
  it('redraws at most every 100 ms, with \\r and clear-line, no timer', () => {
    let now = 0;
    const { writes, stream } = fakeTerminal();
    const p = createProgress(stream, { total: 1000, clock: () => now });
    p.add({ status: 'succeeded' }); // first row: drawn at once
    for (let i = 0; i < 50; i++) {
      now += 1; // 50 rows within 50 ms
      p.add({ status: 'succeeded' });
    }
    expect(writes.length).toBe(1);
    now = 120;
    p.add({ status: 'rejected' });
    expect(writes.length).toBe(2);
    expect(writes.every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    expect(writes.every((w) => !w.includes('\n'))).toBe(true);
  });

  it('shows rows done of the total, rows/s, ETA and counts by status', () => {
    let now = 0;
    const { stream } = fakeTerminal();
    const p = createProgress(stream, { total: 1000, clock: () => now });
    for (let i = 0; i < 250; i++) p.add({ status: i % 10 ? 'succeeded' : 'rejected' });
    now = 5_000;
    expect(p.text()).toBe('250/1000 rows 25%  50 rows/s  ETA 15.0s  succeeded 225 · rejected 25');
  });

  it('without a known total: rows and rate only', () => {
    let now = 0;
    const p = createProgress(fakeTerminal().stream, { clock: () => now });
    p.add({ status: 'pending' });
    now = 2_000;
    expect(p.text()).toBe('1 rows  0.5 rows/s  pending 1');
  });

  it('finish clears the line and stops drawing', () => {
    let now = 0;
    const { writes, stream } = fakeTerminal();
    const p = createProgress(stream, { clock: () => now });
    p.add({ status: 'succeeded' });
    p.finish();
    expect(writes.at(-1)).toBe('\r\x1b[2K');
    now = 10_000;
    p.add({ status: 'succeeded' });
    expect(writes.length).toBe(2);
  });

  it('never wraps: cut to the terminal width', () => {
    let now = 0;
    const { writes, stream } = fakeTerminal(30);
    const p = createProgress(stream, { total: 1_000_000, clock: () => now, color: true });
    p.add({ status: 'succeeded' });
    const shown = writes[0]!.slice('\r\x1b[2K'.length);
    expect(shown.length).toBeLessThan(30);
    expect(shown.endsWith('…')).toBe(true);
  });
});

describe('issue 13: resumed runs and waits', () => {
  it('rows done by earlier runs stay out of the rate and the ETA', () => {
    let now = 0;
    const p = createProgress(fakeTerminal().stream, { total: 1000, clock: () => now });
    for (let i = 0; i < 900; i++) p.add({ status: 'succeeded', alreadyDone: true }); // at once, from the journal
    for (let i = 0; i < 10; i++) p.add({ status: 'succeeded' });
    now = 10_000; // 10 rows really done in 10 s: 90 left take 90 s, not "ETA 1.0s"
    expect(p.text()).toBe('910/1000 rows 91%  1.0 rows/s  ETA 1m 30s  900 done earlier  succeeded 910');
  });

  it('says what it waits for, redrawn at once, and drops it when rows move again', () => {
    let now = 0;
    const { writes, stream } = fakeTerminal();
    const p = createProgress(stream, { total: 4, clock: () => now });
    p.add({ status: 'succeeded' });
    const before = writes.length;
    now = 10; // within the 100 ms interval: drawn anyway
    let waiting = 3;
    p.setWaiting(() => `waiting for ${waiting} lookups (--settle / --lookup-interval), next in 1m40s`);
    expect(writes.length).toBe(before + 1);
    expect(writes.at(-1)).toContain('— waiting for 3 lookups (--settle / --lookup-interval), next in 1m40s');
    waiting = 2; // asked again at each drawing
    now = 300;
    p.add({ status: 'succeeded' });
    expect(writes.at(-1)).toContain('waiting for 2 lookups');
    p.setWaiting(undefined);
    expect(writes.at(-1)).not.toContain('waiting');
  });
});
