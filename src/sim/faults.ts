/**
 * Fault injection. Each request's fault decisions come from a PRNG seeded by
 * (fault seed, the request's key, how many times that key was seen before),
 * so a run is reproducible whatever order concurrent requests arrive in:
 * the third send of one capture gets the same fate in every run.
 */

export interface FaultConfig {
  latency?: [number, number] | undefined;
  failRate?: number | undefined;
  dropRate?: number | undefined;
  throttleRate?: number | undefined;
  stallRate?: number | undefined;
  faultSeed: number;
}

/** What happens to one request. */
export interface FaultDecision {
  /** Milliseconds to wait before processing (0 = none). */
  delayMs: number;
  /** Answer HTTP 500 without processing. */
  fail: boolean;
  /** Answer HTTP 429 + 800.120.100 without processing. */
  throttle: boolean;
  /** Process, then destroy the connection without answering. */
  drop: boolean;
  /** Process, then answer only after the stall delay. */
  stall: boolean;
}

export const NO_FAULT: FaultDecision = Object.freeze({ delayMs: 0, fail: false, throttle: false, drop: false, stall: false });

/** True when the configuration can produce any fault at all (else the hot path skips this module). */
export function faultsEnabled(c: Omit<FaultConfig, 'faultSeed'>): boolean {
  return (
    (c.failRate ?? 0) > 0 ||
    (c.dropRate ?? 0) > 0 ||
    (c.throttleRate ?? 0) > 0 ||
    (c.stallRate ?? 0) > 0 ||
    (c.latency !== undefined && c.latency[1] > 0)
  );
}

/** cyrb53-style 32-bit string hash, mixed with a seed. */
function hash32(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/** mulberry32: a small, good-enough PRNG returning floats in [0, 1). Also seeds the bench's and tests' data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private readonly seen = new Map<string, number>();

  constructor(private readonly config: FaultConfig) {}

  /**
   * Decide the fate of one request identified by `key`. Every draw is made in
   * a fixed order whatever the rates, so changing one rate does not reshuffle
   * the others' decisions.
   */
  decide(key: string): FaultDecision {
    const n = this.seen.get(key) ?? 0;
    this.seen.set(key, n + 1);
    const rnd = mulberry32(hash32(`${key}\u0000${n}`, this.config.faultSeed | 0));
    const rFail = rnd();
    const rThrottle = rnd();
    const rDrop = rnd();
    const rStall = rnd();
    const rLatency = rnd();
    const c = this.config;
    const fail = rFail < (c.failRate ?? 0);
    const throttle = !fail && rThrottle < (c.throttleRate ?? 0);
    const drop = !fail && !throttle && rDrop < (c.dropRate ?? 0);
    const stall = !fail && !throttle && !drop && rStall < (c.stallRate ?? 0);
    let delayMs = 0;
    if (c.latency) {
      const [min, max] = c.latency;
      delayMs = min + Math.floor(rLatency * (max - min + 1));
    }
    return { delayMs, fail, throttle, drop, stall };
  }
}
