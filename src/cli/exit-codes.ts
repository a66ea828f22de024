import { AbortError, SignalError, UsageError } from '../errors.js';
import { EXIT_OK, EXIT_OK_STRICT } from '../statuses.js';

/** Exit codes, docs/statuses-and-exit-codes.md#exit-codes. */
export const EXIT = {
  ok: 0,
  rowsFailed: 1,
  usage: 2,
  aborted: 3,
  sigint: 130,
  sigterm: 143,
} as const;

/** The one mapping from an error to an exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof AbortError) return EXIT.aborted;
  if (err instanceof SignalError) return err.signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  // `sim --port 99999`, a port in use: a bad flag value, nothing started.
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ERR_SOCKET_BAD_PORT' || code === 'EADDRINUSE') return EXIT.usage;
  return EXIT.aborted;
}

/** Rows by final status, as counted for the exit code. */
export type StatusCounts = Partial<Record<string, number>>;

/** 0 when every row succeeded, is in review or pending (`--strict`: succeeded only); else 1. */
export function exitCodeForRows(counts: StatusCounts, strict: boolean): number {
  const ok = strict ? EXIT_OK_STRICT : EXIT_OK;
  for (const [status, n] of Object.entries(counts)) if (n && !ok.has(status)) return EXIT.rowsFailed;
  return EXIT.ok;
}
