/**
 * Typed errors. Code anywhere throws one of these; the single top-level catch
 * in `main.ts` turns it into a message and an exit code (see `exit-codes.ts`).
 * Messages speak to the user: what went wrong, where, and what to do.
 */
import { maskCardNumbersThoroughly } from '../rows/card-mask.js';

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

/**
 * A message made safe for a terminal or a log: every card number masked (even
 * inside a longer run of digits, or in a file name), the password of a URL
 * (`https://user:SECRET@host`) replaced by `***`, and control characters
 * (ANSI escapes in a file name, a NUL) shown as `\x1b`, never sent raw.
 */
export function safeMessage(text: string): string {
  return showControls(maskUrlPasswords(maskCardNumbersThoroughly(text)));
}

/** `scheme://user:password@` → `scheme://user:***@`, also in a URL too broken to parse. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:***@');
}

/** C0 controls (but tab), DEL and C1 controls as `\xNN`: a file name cannot drive the terminal. */
export function showControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' ? '\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
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
