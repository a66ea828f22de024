/**
 * Per-id throttling, as white-label deployments of the gateway document it
 * (their support pages on throttling of GET query and their API parameter
 * references; the project's gateway-evidence notes list them): at most 2
 * requests a minute per id on `GET /v1/query…` and on `GET /v1/payments/{id}`,
 * and at most 200 a minute per payment on backoffice POSTs. The documentation
 * gives the limits, not the algorithm; the simulator chose a fixed window per
 * id that opens with the id's first request.
 *
 * O(1) per request and memory-bounded: windows sit in one Map in the order they
 * opened (a window that reopens is deleted and set again, so it moves to the
 * end), each request drops up to two expired windows from the front, and the
 * Map never holds more than `maxIds` windows (past that, the oldest window is
 * forgotten — that id is then throttled less, never more).
 */

export interface PerIdThrottleOptions {
  /** The window, ms (the gateway's: 60000, one minute). */
  windowMs?: number;
  /** Requests per window per id on GET /v1/query… and GET /v1/payments/{id} (the gateway's: 2). */
  queryLimit?: number;
  /** Backoffice POSTs per window per referenced payment (the gateway's: 200). */
  postLimit?: number;
  /** Most ids remembered at once (default 1,000,000). */
  maxIds?: number;
}

export const GATEWAY_THROTTLE = { windowMs: 60_000, queryLimit: 2, postLimit: 200, maxIds: 1_000_000 } as const;

interface Window {
  start: number;
  count: number;
  /** Refusals in this window so far. */
  refused: number;
}

/** What a throttled request gets: a Retry-After, or none. */
export type Throttled = { retryAfterSeconds: number | undefined };

export class PerIdThrottle {
  readonly windowMs: number;
  readonly queryLimit: number;
  readonly postLimit: number;
  private readonly maxIds: number;
  private readonly windows = new Map<string, Window>();

  constructor(opts: PerIdThrottleOptions = {}) {
    this.windowMs = opts.windowMs ?? GATEWAY_THROTTLE.windowMs;
    this.queryLimit = opts.queryLimit ?? GATEWAY_THROTTLE.queryLimit;
    this.postLimit = opts.postLimit ?? GATEWAY_THROTTLE.postLimit;
    this.maxIds = opts.maxIds ?? GATEWAY_THROTTLE.maxIds;
  }

  /** How many ids are remembered (for tests of the memory bound). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Count one request on `key` against `limit`. Returns undefined when it may
   * proceed, or the throttle answer's Retry-After: the first refusal of a
   * window says when the window ends; later ones say nothing — the gateway
   * "sometimes" sends no Retry-After, and the simulator chose this pattern so
   * tests see both, deterministically.
   */
  take(key: string, limit: number, now: number): Throttled | undefined {
    this.sweep(now);
    let w = this.windows.get(key);
    if (w !== undefined && now - w.start >= this.windowMs) {
      this.windows.delete(key);
      w = undefined;
    }
    if (w === undefined) {
      if (this.windows.size >= this.maxIds) this.dropOldest();
      this.windows.set(key, { start: now, count: 1, refused: 0 });
      return undefined;
    }
    if (w.count < limit) {
      w.count++;
      return undefined;
    }
    w.refused++;
    if (w.refused > 1) return { retryAfterSeconds: undefined };
    return { retryAfterSeconds: Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) };
  }

  private sweep(now: number): void {
    for (let i = 0; i < 2; i++) {
      const first = this.windows.entries().next();
      if (first.done === true || now - first.value[1].start < this.windowMs) return;
      this.windows.delete(first.value[0]);
    }
  }

  private dropOldest(): void {
    const first = this.windows.keys().next();
    if (first.done !== true) this.windows.delete(first.value);
  }
}
