import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutputPlaces } from '../../src/batch/output-places.js';
import { tick } from './helpers.js';

/** Whether a promise has settled after the event loop has had a few turns. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await tick();
  return done;
}

describe('OutputPlaces', () => {
  it('hands items to the sink in sequence order, whatever order they complete in', async () => {
    const out: string[] = [];
    const w = new OutputPlaces<string>(10, (x) => void out.push(x));
    const seqs = [];
    for (let i = 0; i < 5; i++) seqs.push(await w.open());
    expect(seqs).toEqual([0, 1, 2, 3, 4]);
    w.complete(3, 'd');
    w.complete(1, 'b');
    await tick();
    expect(out).toEqual([]); // the head (0) is not done: nothing leaves
    w.complete(0, 'a');
    await tick();
    expect(out).toEqual(['a', 'b']);
    w.complete(4, 'e');
    w.complete(2, 'c');
    await w.drain();
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(w.pending).toBe(0);
  });

  it('open() waits while the window is full and resumes when the head leaves', async () => {
    const out: number[] = [];
    const w = new OutputPlaces<number>(2, (x) => void out.push(x));
    expect(await w.open()).toBe(0);
    expect(await w.open()).toBe(1);
    const third = w.open();
    expect(await settled(third)).toBe(false);
    w.complete(1, 1); // not the head: still full
    expect(await settled(third)).toBe(false);
    expect(w.pending).toBe(2);
    w.complete(0, 0);
    expect(await third).toBe(2);
    expect(out).toEqual([0, 1]);
  });

  it('waits for an async sink before handing over the next item', async () => {
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = new OutputPlaces<number>(4, async (x) => {
      events.push(`start ${x}`);
      if (x === 0) await gate;
      events.push(`end ${x}`);
    });
    await w.open();
    await w.open();
    w.complete(0, 0);
    w.complete(1, 1);
    for (let i = 0; i < 3; i++) await tick();
    expect(events).toEqual(['start 0']);
    release();
    await w.drain();
    expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
  });

  it('a sink that failed earlier makes drain() and the next open() reject with its error', async () => {
    const boom = new Error('disk full');
    const w = new OutputPlaces<number>(1, (x) => {
      if (x === 1) throw boom;
    });
    w.complete(await w.open(), 0);
    w.complete(await w.open(), 1);
    for (let i = 0; i < 3; i++) await tick(); // the sink has failed by now
    await expect(w.drain()).rejects.toBe(boom);
    await expect(w.open()).rejects.toBe(boom);
  });

  // A results writer that fails on one of the last rows must end the run
  // with its error, not leave drain() waiting forever.
  it('a sink that fails while drain() is waiting makes drain() reject', async () => {
    const boom = new Error('disk full');
    const w = new OutputPlaces<number>(4, async (x) => {
      await tick();
      if (x === 1) throw boom;
    });
    w.complete(await w.open(), 0);
    w.complete(await w.open(), 1);
    const drained = w.drain(); // called while the flush is still writing
    expect(await settled(drained)).toBe(true);
    await expect(drained).rejects.toBe(boom);
  });

  it('a waiting open() is released with the error when the sink fails', async () => {
    const boom = new Error('disk full');
    const w = new OutputPlaces<number>(1, () => {
      throw boom;
    });
    const s = await w.open();
    const next = w.open();
    w.complete(s, 0);
    await expect(next).rejects.toBe(boom);
  });

  it('items completed before or after the sink fails are handed to `dropped`, never left waiting', async () => {
    const boom = new Error('disk full');
    const dropped: Array<[number, unknown]> = [];
    const w = new OutputPlaces<number>(
      8,
      (x) => {
        if (x === 0) throw boom;
      },
      (x, err) => dropped.push([x, err]),
    );
    const seqs = [await w.open(), await w.open(), await w.open()];
    w.complete(seqs[2]!, 2); // waits behind the head
    w.complete(seqs[0]!, 0); // the sink fails on it
    w.complete(seqs[1]!, 1); // completes after the failure
    expect(dropped).toEqual([
      [2, boom],
      [1, boom],
    ]);
    await expect(w.drain()).rejects.toBe(boom);
  });

  it('drain() of an empty window resolves at once', async () => {
    const w = new OutputPlaces<number>(3, () => undefined);
    await expect(w.drain()).resolves.toBeUndefined();
  });

  it('property: any completion order, any capacity → sink gets 0..n-1 in order, never more than capacity open', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 100 }),
        fc.boolean(),
        async (capacity, n, picks, asyncSink) => {
          const out: number[] = [];
          const w = new OutputPlaces<number>(capacity, (x) => {
            out.push(x);
            return asyncSink ? tick() : undefined;
          });
          const inFlight: number[] = [];
          let maxPending = 0;
          let produced = 0;
          const producer = (async () => {
            for (let i = 0; i < n; i++) {
              const seq = await w.open();
              maxPending = Math.max(maxPending, w.pending);
              inFlight.push(seq);
              produced++;
            }
          })();
          let completed = 0;
          let k = 0;
          while (completed < n) {
            await tick();
            if (inFlight.length === 0) continue;
            const idx = picks[k++ % picks.length]! % inFlight.length;
            const seq = inFlight.splice(idx, 1)[0]!;
            w.complete(seq, seq);
            completed++;
          }
          await producer;
          await w.drain();
          expect(produced).toBe(n);
          expect(out).toEqual(Array.from({ length: n }, (_, i) => i));
          expect(maxPending).toBeLessThanOrEqual(capacity);
          expect(w.pending).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
