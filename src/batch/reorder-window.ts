/**
 * Results leave in input order through a bounded window: rows complete in
 * any order, and are handed to the sink from the head as soon as the head is
 * complete. Reading waits (`reserve`) while the window is full, which is the
 * backpressure that keeps memory flat whatever the file size.
 */
export class ReorderWindow<T> {
  private readonly done = new Map<number, T>();
  private head = 0;
  private next = 0;
  private flushing: Promise<void> = Promise.resolve();
  private waiters: Array<() => void> = [];
  private failure: unknown;

  constructor(
    private readonly capacity: number,
    private readonly sink: (item: T) => void | Promise<void>,
  ) {}

  /** Number of rows opened and not yet handed to the sink. */
  get pending(): number {
    return this.next - this.head;
  }

  /** Wait for room, then open the next slot; returns its sequence number. */
  async open(): Promise<number> {
    while (this.next - this.head >= this.capacity) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
    return this.next++;
  }

  /** Complete a slot. */
  complete(seq: number, item: T): void {
    this.done.set(seq, item);
    if (seq === this.head) this.flushing = this.flushing.then(() => this.flush());
  }

  private async flush(): Promise<void> {
    try {
      while (this.done.has(this.head)) {
        const item = this.done.get(this.head)!;
        this.done.delete(this.head);
        const r = this.sink(item);
        if (r) await r;
        this.head++;
        const w = this.waiters.shift();
        if (w) w();
      }
    } catch (err) {
      this.failure = err;
      for (const w of this.waiters.splice(0)) w();
    }
  }

  /** Wait until every opened slot has been handed to the sink. */
  async drain(): Promise<void> {
    while (this.head < this.next) {
      if (this.failure) throw this.failure;
      await this.flushing;
      if (this.failure) throw this.failure;
      if (this.head < this.next && !this.done.has(this.head)) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    }
    await this.flushing;
    if (this.failure) throw this.failure;
  }
}
