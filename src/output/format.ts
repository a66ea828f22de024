/** Small text formatting shared by the summary and the progress line. */

/** Elapsed time for people: `850ms`, `12.3s`, `5m 03s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(sec).padStart(2, '0')}s`;
}

/** Rows per second over `ms` (0 when no time has passed). */
export function rowsPerSecond(rows: number, ms: number): number {
  return ms > 0 ? rows / (ms / 1000) : 0;
}

/** A rate for people: whole numbers from 10 up, one decimal below. */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate) || rate <= 0) return '0';
  return rate >= 10 ? String(Math.round(rate)) : rate.toFixed(1);
}

const ANSI: Record<string, string> = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  yellow: '33',
  magenta: '35',
  cyan: '36',
};

/** `text` in an ANSI style when `on`; plain otherwise. */
export function paint(on: boolean, style: keyof typeof ANSI | undefined, text: string): string {
  if (!on || style === undefined) return text;
  return `\x1b[${ANSI[style]}m${text}\x1b[0m`;
}

/** The colour a status is shown in. */
export function statusStyle(status: string): keyof typeof ANSI | undefined {
  switch (status) {
    case 'succeeded':
    case 'valid':
      return 'green';
    case 'review':
    case 'pending':
      return 'yellow';
    case 'unknown':
      return 'magenta';
    case 'rejected':
    case 'failed':
    case 'invalid':
      return 'red';
    default:
      return undefined;
  }
}
