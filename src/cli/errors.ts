/**
 * Typed errors. Code anywhere throws one of these; the single top-level catch
 * in `main.ts` turns it into a message and an exit code (see `exit-codes.ts`).
 * Messages speak to the user: what went wrong, where, and what to do.
 */

/** Bad flag, missing token or gateway, unreadable input, bad header: nothing was sent. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The run stopped part way; what was done is journalled and a rerun continues. Exit 3. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
}

/** Stopped by a signal. Exit 130 (SIGINT) or 143 (SIGTERM). */
export class SignalError extends Error {
  override readonly name = 'SignalError';
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`stopped by ${signal}; what was done is journalled, run the same command again to continue`);
  }
}
