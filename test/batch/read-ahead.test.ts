import { describe, expect, it } from 'vitest';
import { ReadAhead } from '../../src/batch/read-ahead.js';

describe('ReadAhead', () => {
  it('has room for 4 rows per slot (64 at least); once full, reading resumes when 16 rows (at most C) have finished', async () => {
    const ra = new ReadAhead(32); // 128 rows
    for (let i = 0; i < 128; i++) {
      const pause = ra.room();
      // The first fill pauses after every 32 rows (see the next test).
      expect(pause === undefined).toBe(i % 32 !== 0 || i === 0);
      if (pause) await pause;
      ra.started();
    }
    let resumed = false;
    void ra.room()!.then(() => (resumed = true));
    for (let i = 0; i < 15; i++) ra.finished();
    await Promise.resolve();
    expect(resumed).toBe(false);
    ra.finished();
    await Promise.resolve();
    expect(resumed).toBe(true);
  });

  it('until it is full the first time, reading pauses for a turn of the event loop after every 64 rows (at most C), so the first intents are synced and sent while the rest are planned', async () => {
    const ra = new ReadAhead(256); // 1,024 rows
    expect(await startRows(ra, 1024)).toEqual(Array.from({ length: 15 }, (_, k) => 64 * (k + 1)));
    // Full: reading waits for rows to finish, and once they have, it never pauses again.
    expect(ra.room()).toBeDefined();
    for (let i = 0; i < 16; i++) ra.finished();
    for (let i = 0; i < 16; i++) {
      expect(ra.room()).toBeUndefined();
      ra.started();
    }
    // Rows that finish without being sent (a dry run, rows done before, invalid ones) never cause a pause.
    const dry = new ReadAhead(4);
    for (let i = 0; i < 1000; i++) expect(dry.room()).toBeUndefined();
    // 64 rows, a pause after every 4.
    expect(await startRows(new ReadAhead(4), 64)).toHaveLength(15);
    // Never full (every row parked, waiting for its payment): the pauses end once as many rows as it holds have started.
    expect(await startRows(new ReadAhead(4), 500, { park: true })).toHaveLength(15);
  });

  it('parked rows (waiting for a lookup or their payment) do not count', async () => {
    const ra = new ReadAhead(1); // 64 rows, resumes at 63
    for (let i = 0; i < 64; i++) ra.started();
    let resumed = false;
    void ra.room()!.then(() => (resumed = true));
    ra.park();
    await Promise.resolve();
    expect(resumed).toBe(true);
    ra.unpark();
    expect(ra.room()).toBeDefined();
  });

  it('idle() waits for the last started row', async () => {
    const ra = new ReadAhead(8);
    expect(ra.idle()).toBeUndefined();
    ra.started();
    let done = false;
    void ra.idle()!.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    ra.finished();
    await Promise.resolve();
    expect(done).toBe(true);
  });
});

/** Read and start `n` rows (parked at once with `park`), waiting out every pause; the rows before which reading paused. */
async function startRows(ra: ReadAhead, n: number, { park = false } = {}): Promise<number[]> {
  const pauses: number[] = [];
  for (let i = 0; i < n; i++) {
    // A turn of the event loop, not a microtask: what was queued before the pause (a sync's completion) runs first.
    let turned = false;
    const before = setImmediate(() => (turned = true));
    const pause = ra.room();
    if (pause) {
      pauses.push(i);
      await pause;
      expect(turned).toBe(true);
    } else clearImmediate(before);
    ra.started();
    if (park) ra.park();
  }
  return pauses;
}
