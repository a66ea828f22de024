/**
 * Every row's place in the outputs. Rows leave in input order through a
 * bounded window of places: a row takes the next place when it is read,
 * rows complete their places in any order, and they are handed to the sink
 * from the head as soon as the head is complete. Reading waits (`open`)
 * while every place is taken, which is the backpressure that keeps memory
 * flat whatever the file size.
 *
 * The sink runs synchronously from `complete` while it returns nothing; when
 * it returns a promise (an output stream is full), the window waits for it
 * before handing on the next item.
 */
export class OutputPlaces<T> {
  private readonly done = new Map<number, T>();
  private head = 0;
  private next = 0;
  /** Set while the sink's promise for the head item is pending. */
  private waitingOnSink: Promise<void> | undefined;
  private pumping = false;
  private waiters: Array<() => void> = [];
  private failure: unknown;

  constructor(
    private readonly capacity: number,
    private readonly sink: (item: T) => void | Promise<void>,
    /** Told of every item completed but never handed to the sink because the sink failed. */
    private readonly dropped?: (item: T, err: unknown) => void,
  ) {}

  /** Number of rows opened and not yet handed to the sink. */
  get pending(): number {
    return this.next - this.head;
  }

  /** Take the next place if there is room: its number, or -1 (then use `open`). */
  tryOpen(): number {
    if (this.failure) throw this.failure;
    return this.next - this.head < this.capacity ? this.next++ : -1;
  }

  /** Wait for room, then take the next place; returns its number. */
  async open(): Promise<number> {
    while (this.next - this.head >= this.capacity) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
    return this.next++;
  }

  /** Complete a place with its item. */
  complete(place: number, item: T): void {
    if (this.failure) {
      this.dropped?.(item, this.failure);
      return;
    }
    this.done.set(place, item);
    if (place === this.head) this.pump();
  }

  /** Hand every complete item at the head to the sink, until one is missing or the sink asks to wait. */
  private pump(): void {
    if (this.pumping || this.waitingOnSink || this.failure) return;
    this.pumping = true;
    try {
      while (this.done.has(this.head)) {
        const item = this.done.get(this.head)!;
        this.done.delete(this.head);
        const r = this.sink(item);
        if (r) {
          this.waitingOnSink = r.then(
            () => {
              this.waitingOnSink = undefined;
              this.advance();
              this.pump();
            },
            (err: unknown) => this.fail(err),
          );
          return;
        }
        this.advance();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.pumping = false;
    }
  }

  private advance(): void {
    this.head++;
    const w = this.waiters.shift();
    if (w) w();
  }

  private fail(err: unknown): void {
    this.waitingOnSink = undefined;
    this.failure = err;
    for (const w of this.waiters.splice(0)) w();
    const left = [...this.done.values()];
    this.done.clear();
    for (const item of left) this.dropped?.(item, err);
  }

  /** Wait until every place taken has been handed to the sink. */
  async drain(): Promise<void> {
    while (this.head < this.next || this.waitingOnSink) {
      if (this.failure) throw this.failure;
      if (this.waitingOnSink) {
        await this.waitingOnSink;
        continue;
      }
      if (!this.done.has(this.head)) await new Promise<void>((resolve) => this.waiters.push(resolve));
      else this.pump();
    }
    if (this.failure) throw this.failure;
  }
}
