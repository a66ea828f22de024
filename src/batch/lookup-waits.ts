/** Rows sleeping until their next lookup, and when it is due: what the progress line says the run waits for. */
export class LookupWaits {
  private readonly due = new Map<object, number>();

  constructor(
    /** Rows start (a describer of what the run waits for) or stop (undefined) waiting for lookups. */
    private readonly onWaiting: ((describe: (() => string | undefined) | undefined) => void) | undefined,
  ) {}

  /** What the run waits for, computed only when the progress line is drawn (never per row). */
  readonly describe = (): string | undefined => {
    const waits = this.due;
    if (waits.size === 0) return undefined;
    let next = Infinity;
    for (const due of waits.values()) if (due < next) next = due;
    return `waiting for ${waits.size} lookup${waits.size === 1 ? '' : 's'} (--settle / --lookup-interval), next in ${formatWait(Math.max(0, next - Date.now()))}`;
  };

  begin(row: object, due: number): void {
    this.due.set(row, due);
    if (this.due.size === 1) this.onWaiting?.(this.describe);
  }

  end(row: object): void {
    this.due.delete(row);
    if (this.due.size === 0) this.onWaiting?.(undefined);
  }
}

/** `1m40s`, `12s`. */
export function formatWait(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
