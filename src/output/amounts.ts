/**
 * Exact money sums (docs/outputs.md#summary-json): amounts are the normalised strings of
 * validation ("12.50"), added as BigInt minor units — never floats, so
 * 0.10 + 0.20 is 0.30.
 */

/** "12.50" → 1250n; undefined when the text is not digits with at most two decimals. */
export function toMinorUnits(amount: string): bigint | undefined {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) return undefined;
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

/** 1250n → "12.50" (two decimals, as payops sends amounts). */
export function fromMinorUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / 100n;
  const cents = abs % 100n;
  return `${negative ? '-' : ''}${whole}.${cents.toString().padStart(2, '0')}`;
}

/** "12.50" + "0.75" → "13.25": two amounts of {@link toMinorUnits}' form, summed exactly. */
export function addAmounts(a: string, b: string): string {
  return fromMinorUnits((toMinorUnits(a) ?? 0n) + (toMinorUnits(b) ?? 0n));
}
