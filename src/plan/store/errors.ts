/**
 * Errors of the state store. Found before anything is sent they are a
 * configuration error (exit 2); found part way they stop the run (exit 3).
 * Both name the file (or database) and say what to do.
 */
import { AbortError, UsageError } from '../../errors.js';

/** The state cannot be opened or read: nothing is sent (exit 2). */
export class StateOpenError extends UsageError {}

/** The state stopped taking records part way (full disk, lost connection): the run stops (exit 3). */
export class StateWriteError extends AbortError {}

export function errnoOf(err: unknown): string | undefined {
  const e = err as { code?: string };
  return typeof e?.code === 'string' ? e.code : undefined;
}
