import { AbortError, SignalError, UsageError } from './errors.js';

/** Exit codes, SPEC §3. */
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
  return EXIT.aborted;
}
