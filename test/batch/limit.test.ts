/** What the batch needs from its concurrency limit (p-limit, through concurrencyLimit): at most C in flight, arrival order. */
import { describe, expect, it } from 'vitest';
import { concurrencyLimit } from '../../src/batch/state.js';
import { deferredTask, tick } from './helpers.js';

describe('concurrencyLimit', () => {
  it('runs at most `size` tasks at once; the others start in arrival order as slots free up', async () => {
    const log: string[] = [];
    const limit = concurrencyLimit(2);
    const t = ['a', 'b', 'c', 'd'].map((n) => deferredTask(n, log));
    const runs = t.map((x) => limit(x.task));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    t[1]!.finish();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    t[0]!.finish();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c', 'end a', 'start d']);
    t[2]!.finish();
    t[3]!.finish();
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a failing task frees its slot and its caller gets the error', async () => {
    const log: string[] = [];
    const limit = concurrencyLimit(1);
    const a = deferredTask('a', log, true);
    const b = deferredTask('b', log);
    const ra = limit(a.task);
    const rb = limit(b.task);
    a.finish();
    await expect(ra).rejects.toThrow('a failed');
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.finish();
    await expect(rb).resolves.toBe('b');
  });

  it('a size below 1 still lets one task run', async () => {
    const limit = concurrencyLimit(0);
    await expect(limit(async () => 7)).resolves.toBe(7);
  });

  it('thousands of waiters all run, in order, never more than the size at once', async () => {
    const limit = concurrencyLimit(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5000 }, (_, i) =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await Promise.resolve();
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});
