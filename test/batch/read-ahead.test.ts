import { describe, expect, it } from 'vitest';
import { ReadAhead } from '../../src/batch/read-ahead.js';

describe('ReadAhead', () => {
  it('has room for 4 rows per slot (64 at least); once full, reading resumes when 16 rows (at most C) have finished', async () => {
    const ra = new ReadAhead(32); // 128 rows
    for (let i = 0; i < 128; i++) {
      expect(ra.room()).toBeUndefined();
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
