/** Turning `payops sim` flag values into SimOptions; every bad value is a UsageError saying what to write. */
import { UsageError } from '../errors.js';
import { parseDuration as parseAnyDuration, SIM_DURATION } from '../time/duration.js';

/** `250ms`, `60s`, `5m`, `2h`, `30d` or a plain number of milliseconds → ms (the one duration parser, with the simulator's rules). */
export function parseDuration(flag: string, value: string | number): number {
  return parseAnyDuration(value, flag, SIM_DURATION);
}

/** A limit flag: a whole number above 0. */
export function parseLimit(flag: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} "${value}" is not a whole number above 0`);
  return n;
}

/** `--latency 50` or `--latency 20-200` (each side a duration) → [min, max] ms. */
export function parseLatency(value: string | number): [number, number] {
  const text = String(value).trim();
  const dash = text.indexOf('-');
  if (dash < 0) {
    const ms = parseDuration('--latency', text);
    return [ms, ms];
  }
  const min = parseDuration('--latency', text.slice(0, dash));
  const max = parseDuration('--latency', text.slice(dash + 1));
  if (max < min) throw new UsageError(`--latency "${text}" has its minimum above its maximum; write MIN-MAX, e.g. 20-200`);
  return [min, max];
}

/** A probability flag: a number from 0 to 1. */
export function parseRate(flag: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`${flag} "${value}" is not a probability; give a number from 0 to 1, e.g. 0.05`);
  }
  return n;
}

/** Repeated `--force-code AMOUNT=CODE` → { amount: code } (amounts normalised by the simulator). */
export function parseForceCodes(values: ReadonlyArray<string | number> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of values ?? []) {
    const text = String(raw);
    const eq = text.indexOf('=');
    if (eq <= 0 || eq === text.length - 1) {
      throw new UsageError(`--force-code "${text}" is not AMOUNT=CODE; write e.g. --force-code 13.13=800.100.151`);
    }
    out[text.slice(0, eq).trim()] = text.slice(eq + 1).trim();
  }
  return out;
}

/** `--fault-seed`: a non-negative integer. */
export function parseSeed(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) {
    throw new UsageError(`--fault-seed "${value}" is not a whole number from 0 to 4294967295`);
  }
  return n;
}
