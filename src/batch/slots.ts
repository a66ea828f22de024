/**
 * The concurrency limit: at most `size` tasks run at once, the others wait in
 * arrival order. A free slot is taken at once, without a promise hop; a slot
 * that frees up goes straight to the longest waiter.
 */
export class Slots {
  private free: number;
  /** Waiters from `head` on; the array is compacted when half of it is spent. */
  private waiting: Array<() => void> = [];
  private head = 0;

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = noop;
      if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      next(); // the slot passes to the waiter: `free` does not change
    } else {
      this.free++;
    }
  }
}

function noop(): void {}
