/**
 * One run per state partition at a time. The lock file names its holder;
 * a lock whose process is dead on this host is taken over, any other needs
 * `--break-lock`. A run that meets a live lock changes nothing.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { AbortError } from '../cli/errors.js';

interface Holder {
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

export class StateLock {
  private held = false;
  private constructor(private readonly path: string) {}

  static acquire(path: string, opts: { breakLock: boolean }): StateLock {
    const lock = new StateLock(path);
    const me: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    for (let tries = 0; tries < 3; tries++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, JSON.stringify(me));
        closeSync(fd);
        lock.held = true;
        return lock;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder: Holder | undefined;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
      } catch {
        holder = undefined; // half-written by a process that died at once
      }
      const dead = !holder || (holder.host === me.host && !alive(holder.pid));
      if (dead || opts.breakLock) {
        try {
          unlinkSync(path);
        } catch {
          /* another run took it over first; try again */
        }
        continue;
      }
      throw new AbortError(
        `another payops run holds the state lock ${path}: pid ${holder!.pid} on ${holder!.host}, started ${holder!.startedAt}. ` +
          `Wait for it to finish; if it is gone (another host crashed), run again with --break-lock`,
      );
    }
    throw new AbortError(`could not take the state lock ${path}; run again`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
