/**
 * Pace of sending, shared by every worker: the `--rate` limit (requests per
 * second across all workers, lookups included) and a common pause after
 * throttling, so a 429 slows every worker and not just the one that saw it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class Pacer {
  /** When the next request may leave under `--rate`. */
  private nextAt = 0;
  private pausedUntil = 0;
  private readonly interval: number;

  constructor(ratePerSecond: number | undefined, private readonly signal?: AbortSignal) {
    this.interval = ratePerSecond && ratePerSecond > 0 ? 1000 / ratePerSecond : 0;
  }

  /** Whether a request may leave now without waiting: no `--rate` and no pause (then `ready` need not be called). */
  isOpen(): boolean {
    return this.interval === 0 && (this.pausedUntil === 0 || Date.now() >= this.pausedUntil);
  }

  /** Wait until this worker may send one request. */
  async ready(): Promise<void> {
    for (;;) {
      // Stopped: the caller checks its stop flag; waiting (or spinning) helps nobody.
      if (this.signal?.aborted) return;
      const now = Date.now();
      if (now < this.pausedUntil) {
        await this.wait(this.pausedUntil - now);
        continue;
      }
      if (this.interval === 0) return;
      const at = Math.max(now, this.nextAt);
      this.nextAt = at + this.interval;
      if (at > now) await this.wait(at - now);
      // A pause that began while this worker waited for its turn holds it too.
      if (!this.signal?.aborted && Date.now() < this.pausedUntil) continue;
      return;
    }
  }

  /** Pause every worker for at least `ms`. */
  pauseAll(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  private async wait(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, this.signal ? { signal: this.signal } : undefined);
    } catch {
      /* aborted: the caller checks the stop flag */
    }
  }
}

/** Exponential backoff with full jitter: attempt 1 → up to 0.5 s, doubling, capped at 30 s. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}
