/**
 * Small helpers of the simulator's hot path: ids, timestamps, amounts in cents.
 * Nothing here allocates more than it has to.
 */
import { randomBytes } from 'node:crypto';

/** The gateway's amount syntax (docs/simulator.md#rules). */
export const AMOUNT_RE = /^[0-9]{1,12}(\.[0-9]{2})?$/;
export const CURRENCY_RE = /^[A-Z]{3}$/;
export const ID_RE = /^[0-9a-fA-F]{32}$/;

let pool = Buffer.alloc(0);
let poolOffset = 0;

/** A new 32 lower-case hex id, from a pooled random buffer (one syscall per 256 ids). */
export function newId(): string {
  if (poolOffset + 16 > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  const id = pool.toString('hex', poolOffset, poolOffset + 16);
  poolOffset += 16;
  return id;
}

/** The gateway's timestamp format: `2026-11-24 05:00:00.123+0000`. */
export function gatewayTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-24T05:00:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}+0000`;
}

/**
 * Integer cents of an amount that already matched a decimal syntax with at
 * most two decimals ("12", "12.5", "12.50"). Amounts have at most 12 integer
 * digits, so cents stay well inside Number's exact integer range.
 */
export function toCents(amount: string): number {
  const dot = amount.indexOf('.');
  if (dot < 0) return Number(amount) * 100;
  const frac = amount.slice(dot + 1);
  return Number(amount.slice(0, dot)) * 100 + Number(frac.length === 1 ? `${frac}0` : frac);
}

/** "1250" cents → "12.50". */
export function formatCents(cents: number): string {
  const units = Math.floor(cents / 100);
  const rest = cents - units * 100;
  return `${units}.${rest < 10 ? '0' : ''}${rest}`;
}

/**
 * Normalise a user-written amount ("13.13", "13.1", "13", "013.13") to the
 * two-decimal form, or undefined when it is not an amount.
 */
export function normaliseAmount(amount: string): string | undefined {
  const trimmed = amount.trim();
  if (!/^[0-9]{1,12}(\.[0-9]{1,2})?$/.test(trimmed)) return undefined;
  return formatCents(toCents(trimmed));
}
