/**
 * Durations accept `250ms`, `60s`, `5m`, `1h` or a plain number of
 * milliseconds. A negative value is refused saying so; a bare number below
 * 1000 is taken as milliseconds, and {@link durationWarning} says so. A
 * duration above 2^31-1 ms (what Node's timers hold) is refused.
 */
export function parseDuration(value: unknown, flag: string): number {
  const s = String(value).trim();
  if (/^-/.test(s)) throw new Error(`${flag} "${s}" is negative; give a duration such as 250ms, 60s or 5m`);
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(s);
  if (!m) throw new Error(`${flag} "${s}" is not a duration; use e.g. 250ms, 60s, 5m or a number of milliseconds`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const factor = unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1;
  const ms = Math.round(n * factor);
  // Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer one fires
  // after 1 ms, so a --settle meant to be safe would look up at once.
  if (ms > MAX_DURATION_MS) {
    throw new Error(`${flag} "${s}" is too long: give at most 596h (${MAX_DURATION_MS} ms, the longest wait a timer can hold)`);
  }
  return ms;
}

/** The longest duration a Node timer holds: 2^31-1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** A warning for a bare number below 1000 (milliseconds, though seconds were likely meant), else undefined. */
export function durationWarning(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (!/^\d+(?:\.\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  if (n === 0 || n >= 1000) return undefined;
  return `${flag} ${s} has no unit, so it is ${s} ms; write ${s}s for seconds (or ${s}ms to keep milliseconds and silence this)`;
}
