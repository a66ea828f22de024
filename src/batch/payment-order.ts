/**
 * Rows that refer to the same payment run one at a time, in file order; rows
 * for different payments run concurrently. A chain per payment, dropped as
 * soon as its last row is done.
 */
export class PaymentOrder {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Run `task` after every earlier task with the same key has finished. */
  run<T>(key: string | undefined, task: () => Promise<T>): Promise<T> {
    if (key === undefined) return task();
    const prev = this.tails.get(key);
    const p = prev ? prev.then(task, task) : task();
    const tail = p.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return p;
  }

  get activeChains(): number {
    return this.tails.size;
  }
}
