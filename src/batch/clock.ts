/**
 * The time stamps of journal records and results (`processed_at`): ISO 8601
 * UTC to the millisecond. Rows finish thousands a second, so the string of
 * the current millisecond is made once and shared.
 */
let lastMs = -1;
let lastIso = '';

export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
