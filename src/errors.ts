/**
 * Typed errors, at the bottom of the tree: every module throws one of these and
 * imports nothing to do so. The single top-level catch in `src/cli/main.ts`
 * turns them into a message and an exit code (`src/cli/exit-codes.ts`, by
 * `instanceof`). Messages speak to the user: what went wrong, where, and what to do.
 */

/** What kind of failure an error is; each kind has one exit code (docs/statuses-and-exit-codes.md#exit-codes). */
export type ErrorKind = 'usage' | 'aborted' | 'signal';

export interface ErrorDetails {
  /** A stable, machine-readable code (for example `ENOSPC`, `STATE_NEWER`), when there is one. */
  code?: string;
  /** What the user can do about it, when the message does not already say. */
  hint?: string;
  cause?: unknown;
}

/** The one base class: a kind (which exit code), an optional code and an optional hint. */
export abstract class PayopsError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string | undefined;
  readonly hint: string | undefined;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.hint = details.hint;
  }
}

/** Bad flag, missing token or gateway, unreadable input, bad header: nothing was sent. Exit 2. */
export class UsageError extends PayopsError {
  override readonly name: string = 'UsageError';
  readonly kind = 'usage' as const;
}

/** The run stopped part way; what was done is journalled and a rerun continues. Exit 3. */
export class AbortError extends PayopsError {
  override readonly name: string = 'AbortError';
  readonly kind = 'aborted' as const;
}

/** Stopped by a signal. Exit 130 (SIGINT) or 143 (SIGTERM). */
export class SignalError extends PayopsError {
  override readonly name = 'SignalError';
  readonly kind = 'signal' as const;
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`stopped by ${signal}; what was done is journalled, run the same command again to continue`);
  }
}

const FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);

/** Errors of the file system that say plainly what to fix; undefined for any other error. */
export function fileSystemProblem(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const outer = err as NodeJS.ErrnoException & { cause?: unknown };
  // A writer's error names its file and keeps the system's error as its cause.
  const wrapped = typeof outer.code !== 'string' && outer.cause && typeof (outer.cause as NodeJS.ErrnoException).code === 'string';
  const e = (wrapped ? outer.cause : outer) as NodeJS.ErrnoException;
  if (typeof e.code !== 'string') return undefined;
  if (wrapped && FS_CODES.has(e.code)) return outer.message;
  const where = e.path ? ` ${e.path}` : '';
  switch (e.code) {
    case 'ENOSPC':
      return `cannot write${where}: no space left on the device`;
    case 'EDQUOT':
      return `cannot write${where}: disk quota exceeded`;
    case 'EROFS':
      return `cannot write${where}: the file system is read-only`;
    case 'EACCES':
    case 'EPERM':
      return `cannot write${where}: permission denied`;
    case 'EIO':
      return `cannot write${where}: input/output error`;
    default:
      return undefined;
  }
}

/** A file-system error before anything was sent: exit 2, naming the path. */
export function beforeSending(err: unknown, fix: string): unknown {
  const problem = fileSystemProblem(err);
  return problem ? new UsageError(`${problem}; nothing was sent. ${fix}`) : err;
}

/** A file-system error after sending began: exit 3; the journal has every outcome, so a rerun writes them. */
export function afterSending(err: unknown): unknown {
  const problem = fileSystemProblem(err);
  return problem
    ? new AbortError(`${problem}. Every outcome so far is in the journal: fix this and run the same command again to write the outputs (nothing is sent twice)`)
    : err;
}
