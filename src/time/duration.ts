/**
 * The one duration parser: `250ms`, `60s`, `5m`, `1h` (and `30d` where days
 * make sense) or a plain number of milliseconds. Every duration flag of every
 * command goes through it (the run tuning flags, `sim`'s waits and windows,
 * `serve`'s retention); they differ only in the {@link DurationRules} they pass.
 */

import { UsageError } from '../errors.js';

/** The longest duration a Node timer holds: 2^31-1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** What one kind of duration flag accepts, and what its refusal suggests. */
export interface DurationRules {
  /** `d` (days) is a unit: for windows and retention periods, not for timeouts. */
  days: boolean;
  /** A value that starts with `-` is refused as negative (else as "not a duration"). */
  sayNegative: boolean;
  /** Refused above this (ms): a wait that sets a Node timer. */
  max?: number;
  /** After "is not a duration; ": the forms to write. */
  forms: string;
}

/**
 * A wait that sets a timer (`run`'s and `reconcile`'s `--timeout`, `--settle`…):
 * no days, a negative value said as such, at most what a timer holds (a longer
 * one fires after 1 ms, so a --settle meant to be safe would look up at once).
 */
export const WAIT: DurationRules = {
  days: false,
  sayNegative: true,
  max: MAX_DURATION_MS,
  forms: 'use e.g. 250ms, 60s, 5m or a number of milliseconds',
};

/** `payops sim`'s delays and windows (a refund window of 180d). */
export const SIM_DURATION: DurationRules = {
  days: true,
  sayNegative: false,
  forms: 'write 250ms, 60s, 5m, 2h, 30d or a number of milliseconds',
};

/** `payops serve`'s periods: how long uploads are kept, when an approval lapses. */
export const PERIOD: DurationRules = { days: true, sayNegative: false, forms: 'use e.g. 7d, 12h or 30m' };

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in milliseconds (rounded); throws a UsageError naming `flag` and
 * saying what to write. A bare number below 1000 is milliseconds, which
 * {@link durationWarning} points out.
 */
export function parseDuration(value: unknown, flag: string, rules: DurationRules = WAIT): number {
  const s = String(value).trim();
  if (rules.sayNegative && s.startsWith('-')) throw new UsageError(`${flag} "${s}" is negative; give a duration such as 250ms, 60s or 5m`);
  const m = (rules.days ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i : /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i).exec(s);
  if (!m) throw new UsageError(`${flag} "${s}" is not a duration; ${rules.forms}`);
  const ms = Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 'ms').toLowerCase()]!);
  if (rules.max !== undefined && ms > rules.max) {
    throw new UsageError(`${flag} "${s}" is too long: give at most 596h (${rules.max} ms, the longest wait a timer can hold)`);
  }
  return ms;
}

/** A warning for a bare number below 1000 (milliseconds, though seconds were likely meant), else undefined. */
export function durationWarning(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (!/^\d+(?:\.\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  if (n === 0 || n >= 1000) return undefined;
  return `${flag} ${s} has no unit, so it is ${s} ms; write ${s}s for seconds (or ${s}ms to keep milliseconds and silence this)`;
}
