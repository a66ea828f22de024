/**
 * Rows that refer to the same payment run one at a time, in file order; rows
 * for different payments run concurrently. A chain per payment, dropped as
 * soon as its last row is done.
 */
export class PaymentOrder {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Run `task` after every earlier task with the same key has finished (fulfilled or not). */
  run<T>(key: string | undefined, task: () => Promise<T>): Promise<T> {
    if (key === undefined) return task();
    const prev = this.tails.get(key);
    const p = prev ? prev.then(task, task) : task();
    this.tails.set(key, p);
    const drop = () => {
      if (this.tails.get(key) === p) this.tails.delete(key);
    };
    p.then(drop, drop);
    return p;
  }

  /** Whether a task with this key would wait for an earlier one. */
  isBusy(key: string | undefined): boolean {
    return key !== undefined && this.tails.has(key);
  }

  get activeChains(): number {
    return this.tails.size;
  }
}
