/**
 * One run per state partition at a time, on this host (the SQLite store; the
 * PostgreSQL store holds a lease row instead, see store/postgres.ts).
 *
 * The lock is a kernel lock: an exclusive SQLite transaction held open on
 * `lock.db` for the whole run. Taking it is atomic (of sixteen runs started
 * at once exactly one gets it), the kernel drops it when its process dies
 * (kill -9 included), and nobody can take it from a process that is alive.
 * Beside it the `lock` file names the holder (pid, host, start) for
 * messages, and for runs on other hosts sharing the directory: a holder on
 * another host is taken over only with `--break-lock`.
 */
import Database from 'better-sqlite3';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AbortError } from '../errors.js';
import { StateOpenError } from './store/errors.js';
import { describeSqliteError } from './store/sqlite.js';

/** A lock that cannot be written (read-only or full disk, no permission): nothing was sent, exit 2. */
function unwritable(file: string, err: unknown): Error | undefined {
  const code = (err as { code?: string }).code ?? '';
  if (/^SQLITE_(READONLY|CANTOPEN|FULL|IOERR)|^(EROFS|EACCES|EPERM|ENOSPC)$/.test(code)) {
    return new StateOpenError(describeSqliteError(file, err, 'nothing was sent'));
  }
  return undefined;
}

export interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When a process started (ms since the epoch), from /proc; undefined where /proc cannot tell. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(btime)) return undefined;
    return btime * 1000 + (startTicks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/**
 * Whether the holder named on this host is still running: its pid is alive
 * and that process started before the holder took the lock (a pid reused by
 * a later process is not the holder).
 */
export function holderAlive(h: Holder): boolean {
  if (!alive(h.pid)) return false;
  const started = processStartMs(h.pid);
  const took = Date.parse(h.startedAt);
  if (started !== undefined && Number.isFinite(took) && started > took + 1500) return false;
  return true;
}

function readHolder(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined; // absent, or half-written by a process that died at once
  }
}

const describe = (h: Holder) => `pid ${h.pid} on ${h.host}, started ${h.startedAt}`;

export class StateLock {
  private held = true;
  private constructor(
    private readonly path: string,
    private readonly kernel: Database.Database,
    readonly holder: Holder,
  ) {}

  /** Take the lock of a partition; `path` is its `lock` file (the kernel lock is `path.db`). */
  static acquire(path: string, opts: { breakLock: boolean }): StateLock {
    const me: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    let kernel: Database.Database;
    try {
      kernel = new Database(`${path}.db`, { timeout: 0 });
      kernel.pragma('locking_mode = EXCLUSIVE');
    } catch (err) {
      throw unwritable(`${path}.db`, err) ?? new AbortError(`could not take the state lock ${path}.db (${(err as Error).message}); run again`);
    }
    try {
      kernel.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      kernel.close();
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') {
        throw unwritable(`${path}.db`, err) ?? new AbortError(`could not take the state lock ${path}.db (${(err as Error).message}); run again`);
      }
      // A live process holds it. Its `lock` file may still name the holder before it
      // (written a moment after the kernel lock is taken): read it once more if so.
      let h = readHolder(path);
      if (!h || (h.host === me.host && !alive(h.pid))) {
        const until = Date.now() + 500;
        while (Date.now() < until && (!h || (h.host === me.host && !alive(h.pid)))) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
          h = readHolder(path);
        }
      }
      const who = h ? `: ${describe(h)}` : ' (a run that is starting)';
      throw new AbortError(
        `another payops run holds the state lock ${path}${who}. It is running, so it is never taken over` +
          (opts.breakLock ? ' (--break-lock only takes over a run on another host, or one that is gone)' : '') +
          '; wait for it to finish',
      );
    }
    // We hold the kernel lock: no process on this host (or any host whose file
    // system shares locks) is running on this partition. The `lock` file may
    // still name an earlier holder.
    const h = readHolder(path);
    if (h && !(h.pid === me.pid && h.host === me.host)) {
      if (h.host === me.host && holderAlive(h)) {
        // A live process without the kernel lock: a payops from before the kernel lock.
        kernel.exec('ROLLBACK');
        kernel.close();
        throw new AbortError(
          `another payops run holds the state lock ${path}: ${describe(h)}. It is running, so it is never taken over; wait for it to finish`,
        );
      }
      if (h.host !== me.host && !opts.breakLock) {
        kernel.exec('ROLLBACK');
        kernel.close();
        throw new AbortError(
          `another payops run holds the state lock ${path}: ${describe(h)}. ` +
            `Wait for it to finish; if it is gone (that host crashed), run again with --break-lock`,
        );
      }
    }
    try {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(me), { mode: 0o600 });
      renameSync(tmp, path);
    } catch (err) {
      kernel.exec('ROLLBACK');
      kernel.close();
      throw unwritable(path, err) ?? new AbortError(`could not take the state lock ${path} (${(err as Error).message}); run again`);
    }
    return new StateLock(path, kernel, me);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    // The `lock` file first, while the kernel lock keeps the next run out.
    const h = readHolder(this.path);
    if (h && h.pid === this.holder.pid && h.host === this.holder.host) {
      try {
        unlinkSync(this.path);
      } catch {
        /* already gone */
      }
    }
    try {
      this.kernel.exec('ROLLBACK');
    } catch {
      /* nothing to roll back */
    }
    this.kernel.close();
  }
}
