/** Durations accept `250ms`, `60s`, `5m`, `1h` or a plain number of milliseconds. */
export function parseDuration(value: unknown, flag: string): number {
  const s = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(s);
  if (!m) throw new Error(`${flag} "${s}" is not a duration; use e.g. 250ms, 60s, 5m or a number of milliseconds`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const factor = unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1;
  return Math.round(n * factor);
}
