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

/** Rows with an amount per currency, and their exact sum. */
export interface AmountTotal {
  rows: number;
  total: string;
}

/**
 * The valid rows of a file, counted per operation and summed exactly per
 * operation and currency: `payops validate`'s `valid_by_operation` and
 * `valid_amounts` (docs/outputs.md#json-log), which the web page's preview
 * shows.
 */
export class ValidTotals {
  private readonly rows = new Map<string, number>();
  private readonly sums = new Map<string, Map<string, { rows: number; units: bigint }>>();

  /** One valid row: its operation, and its amount and currency when it has one (a full reversal has none). */
  add(type: string, amount: string | undefined, currency: string | undefined): void {
    this.rows.set(type, (this.rows.get(type) ?? 0) + 1);
    const units = amount === undefined ? undefined : toMinorUnits(amount);
    if (units === undefined || !currency) return;
    let byCurrency = this.sums.get(type);
    if (!byCurrency) this.sums.set(type, (byCurrency = new Map()));
    const t = byCurrency.get(currency);
    if (t) {
      t.rows++;
      t.units += units;
    } else byCurrency.set(currency, { rows: 1, units });
  }

  /** Valid rows per operation (`RF` → rows). */
  byOperation(): Record<string, number> {
    return Object.fromEntries(this.rows);
  }

  /** Per operation, per currency: the rows with an amount and their sum (`RF` → `EUR` → { rows, total }). */
  amounts(): Record<string, Record<string, AmountTotal>> {
    const out: Record<string, Record<string, AmountTotal>> = {};
    for (const [type, byCurrency] of this.sums) {
      out[type] = {};
      for (const [currency, t] of byCurrency) out[type][currency] = { rows: t.rows, total: fromMinorUnits(t.units) };
    }
    return out;
  }
}
