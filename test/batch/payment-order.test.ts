import { describe, expect, it } from 'vitest';
import { PaymentOrder } from '../../src/batch/payment-order.js';
import { deferredTask, tick } from './helpers.js';

describe('PaymentOrder', () => {
  it('tasks with the same key run one at a time, in the order given', async () => {
    const log: string[] = [];
    const order = new PaymentOrder();
    const a = deferredTask('capture 1', log);
    const b = deferredTask('capture 2', log);
    const c = deferredTask('reversal', log);
    const pa = order.run('P', a.task);
    const pb = order.run('P', b.task);
    const pc = order.run('P', c.task);
    await tick();
    expect(log).toEqual(['start capture 1']);
    // Finishing a later one first changes nothing: it has not started.
    c.finish();
    b.finish();
    await tick();
    expect(log).toEqual(['start capture 1']);
    a.finish();
    await expect(Promise.all([pa, pb, pc])).resolves.toEqual(['capture 1', 'capture 2', 'reversal']);
    expect(log).toEqual(['start capture 1', 'end capture 1', 'start capture 2', 'end capture 2', 'start reversal', 'end reversal']);
  });

  it('tasks with different keys run at the same time', async () => {
    const log: string[] = [];
    const order = new PaymentOrder();
    const a = deferredTask('P1', log);
    const b = deferredTask('P2', log);
    const c = deferredTask('credit', log);
    const all = Promise.all([order.run('P1', a.task), order.run('P2', b.task), order.run(undefined, c.task)]);
    await tick();
    expect(log).toEqual(['start P1', 'start P2', 'start credit']);
    expect(order.activeChains).toBe(2);
    b.finish();
    c.finish();
    a.finish();
    await all;
  });

  it('a failing task does not block the chain; its caller sees its error', async () => {
    const log: string[] = [];
    const order = new PaymentOrder();
    const a = deferredTask('refund 1', log, true);
    const b = deferredTask('refund 2', log);
    const pa = order.run('P', a.task);
    const pb = order.run('P', b.task);
    a.finish();
    await expect(pa).rejects.toThrow('refund 1 failed');
    b.finish();
    await expect(pb).resolves.toBe('refund 2');
    expect(log).toEqual(['start refund 1', 'end refund 1', 'start refund 2', 'end refund 2']);
  });

  it('a chain is dropped once its last task is done (memory stays flat)', async () => {
    const order = new PaymentOrder();
    const runs = [];
    for (let i = 0; i < 100; i++) runs.push(order.run(`P${i % 10}`, async () => i));
    expect(order.activeChains).toBe(10);
    await Promise.all(runs);
    for (let i = 0; i < 3; i++) await tick();
    expect(order.activeChains).toBe(0);
  });

  it('many tasks on one key never overlap and keep their order', async () => {
    const order = new PaymentOrder();
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];
    const runs = [];
    for (let i = 0; i < 50; i++) {
      runs.push(
        order.run('P', async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          for (let t = 0; t < (i * 7) % 4; t++) await tick();
          seen.push(i);
          running--;
        }),
      );
    }
    await Promise.all(runs);
    expect(maxRunning).toBe(1);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
