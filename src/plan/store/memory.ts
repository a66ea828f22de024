/**
 * `PAYOPS_JOURNAL=memory`: a store that keeps nothing. It exists only so
 * `npm run bench` can measure what durability costs (a ÷ a′); a run with it
 * keeps none of the exactly-once promise across runs. Intents of one task
 * still share one promise, resolved in the next microtask, as a commit's.
 */
import { deferred, type Deferred } from './grouped.js';
import type { JournalEntry, StateStore } from './types.js';

export class MemoryStore implements StateStore {
  readonly location: string = 'memory (PAYOPS_JOURNAL=memory: nothing is kept)';
  readonly failure = new AbortController().signal;
  private group: Deferred | undefined;

  lookup(_key: string): JournalEntry | undefined {
    return undefined;
  }
  prefetch(_keys: readonly string[]): Promise<void> {
    return Promise.resolve();
  }
  intent(): Promise<void> {
    if (!this.group) {
      const g = (this.group = deferred());
      queueMicrotask(() => {
        this.group = undefined;
        g.resolve();
      });
    }
    return this.group.promise;
  }
  outcome(): void {}
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  closeNow(): void {}
  canSend(): boolean {
    return true;
  }
}
