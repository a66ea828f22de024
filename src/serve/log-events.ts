/**
 * The one place that reads what a payops child process says on stderr with
 * `--log-format json`. Key names are in flux (camelCase and snake_case both
 * occur), so every key is read in snake_case whatever the child wrote, and
 * unknown events are kept as they are. A line that is not JSON is a plain
 * message (exit-2 errors are still printed as text).
 */

export type LogEvent =
  | { kind: 'event'; event: string; fields: Record<string, unknown> }
  | { kind: 'text'; text: string };

/**
 * camelCase → snake_case. A key without a lower-case letter is data, not a
 * name, and is kept as it is: a currency (`EUR`) or a payment type (`RF`) in
 * validate's `valid_amounts`.
 */
const snake = (k: string) => (/[a-z]/.test(k) ? k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() : k);

/** A JSON value with every object key in snake_case. */
export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[snake(k)] = snakeKeys(x);
    return out;
  }
  return v;
}

export function parseLogLine(line: string): LogEvent | undefined {
  const t = line.trim();
  if (t === '') return undefined;
  if (t.startsWith('{')) {
    try {
      const obj = snakeKeys(JSON.parse(t)) as Record<string, unknown>;
      const event = typeof obj.event === 'string' ? obj.event : typeof obj.type === 'string' ? obj.type : 'unknown';
      return { kind: 'event', event, fields: obj };
    } catch {
      /* not JSON after all */
    }
  }
  return { kind: 'text', text: t.replace(/^payops:\s*/, '') };
}

/** Splits a byte stream into lines and hands each parsed line on. */
export function lineReader(onEvent: (e: LogEvent) => void): { push(chunk: Buffer | string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += String(chunk);
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const e = parseLogLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
        if (e) onEvent(e);
      }
      // A runaway line without newline is cut, never kept whole in memory.
      if (rest.length > 1_000_000) rest = rest.slice(-1_000_000);
    },
    end() {
      const e = parseLogLine(rest);
      rest = '';
      if (e) onEvent(e);
    },
  };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Counts by status from a summary or progress event (`by_status`, `counts`). */
export function statusCounts(fields: Record<string, unknown>): Record<string, number> {
  const src = obj(fields.by_status) ?? obj(fields.counts) ?? obj(fields.statuses) ?? {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(src)) {
    const n = num(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

export function rowsOf(fields: Record<string, unknown>): number | undefined {
  return num(fields.rows) ?? num(fields.done) ?? num(fields.rows_done) ?? num(fields.processed);
}

export function totalOf(fields: Record<string, unknown>): number | undefined {
  return num(fields.total) ?? num(fields.total_rows) ?? num(fields.rows_total);
}

export function environmentKind(fields: Record<string, unknown>): string | undefined {
  const env = fields.environment;
  if (typeof env === 'string') return env;
  const k = obj(env)?.kind;
  return typeof k === 'string' ? k : undefined;
}

export function alreadyDoneOf(fields: Record<string, unknown>): number | undefined {
  return num(fields.already_done) ?? num(obj(fields.already_done)?.count);
}

/**
 * The valid rows per payment type, and per currency × payment type their rows
 * with an amount and exact total, from validate's `summary` event
 * (`valid_by_operation`, `valid_amounts`).
 */
export function validTotalsOf(fields: Record<string, unknown>): {
  byOperation: Record<string, number>;
  totals: Record<string, Record<string, { rows: number; total: string }>>;
} {
  const byOperation: Record<string, number> = {};
  for (const [type, rows] of Object.entries(obj(fields.valid_by_operation) ?? {})) {
    const n = num(rows);
    if (n !== undefined) byOperation[type] = n;
  }
  const totals: Record<string, Record<string, { rows: number; total: string }>> = {};
  for (const [type, byCurrency] of Object.entries(obj(fields.valid_amounts) ?? {})) {
    for (const [currency, v] of Object.entries(obj(byCurrency) ?? {})) {
      const t = obj(v);
      const rows = num(t?.rows);
      if (rows === undefined || typeof t?.total !== 'string') continue;
      (totals[currency] ??= {})[type] = { rows, total: t.total };
    }
  }
  return { byOperation, totals };
}

/** Rows waiting for a lookup, from a `progress` event: how many (`waiting`) and when the next is due (`waiting_text`: "… next in 12s"). */
export function waitingOf(fields: Record<string, unknown>): { lookups?: number; nextIn?: string } {
  const out: { lookups?: number; nextIn?: string } = {};
  const l = num(fields.waiting) ?? num(fields.waiting_lookups);
  if (l !== undefined) out.lookups = l;
  const t = typeof fields.waiting_text === 'string' ? /next in (.+)$/.exec(fields.waiting_text)?.[1] : undefined;
  if (t) out.nextIn = t;
  return out;
}
