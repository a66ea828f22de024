import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { StateLock } from '../../src/plan/lock.js';

const dirs: string[] = [];
const held: StateLock[] = [];
afterEach(() => {
  for (const l of held.splice(0)) l.release();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function lockPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'payops-lock-'));
  dirs.push(d);
  return join(d, 'lock');
}

function acquire(path: string, breakLock = false): StateLock {
  const l = StateLock.acquire(path, { breakLock });
  held.push(l);
  return l;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  expect(r.pid).toBeGreaterThan(0);
  return r.pid!;
}

const holderOf = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { pid: number; host: string; startedAt: string };

describe('StateLock', () => {
  it('names its holder in the lock file: pid, host, start time', () => {
    const path = lockPath();
    const before = Date.now();
    acquire(path);
    const h = holderOf(path);
    expect(h.pid).toBe(process.pid);
    expect(h.host).toBe(hostname());
    expect(Date.parse(h.startedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('a second acquire while the holder lives throws AbortError naming pid, host and start, and changes nothing', () => {
    const path = lockPath();
    acquire(path);
    const content = readFileSync(path, 'utf8');
    const h = holderOf(path);
    let err: unknown;
    try {
      StateLock.acquire(path, { breakLock: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AbortError);
    const msg = (err as Error).message;
    expect(msg).toContain(`pid ${h.pid}`);
    expect(msg).toContain(`on ${h.host}`);
    expect(msg).toContain(`started ${h.startedAt}`);
    expect(msg).toContain('never taken over');
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('release frees it for the next run; releasing twice is harmless', () => {
    const path = lockPath();
    const l = acquire(path);
    l.release();
    expect(existsSync(path)).toBe(false);
    l.release();
    const again = acquire(path);
    expect(holderOf(path).pid).toBe(process.pid);
    again.release();
  });

  it('a release by a run that did not get the lock removes nothing', () => {
    const path = lockPath();
    acquire(path);
    expect(() => StateLock.acquire(path, { breakLock: false })).toThrow(AbortError);
    expect(existsSync(path)).toBe(true);
  });

  it('a lock whose process is dead on this host is taken over', () => {
    const path = lockPath();
    const pid = deadPid();
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), startedAt: '2026-11-23T02:00:00.000Z' }));
    acquire(path);
    expect(holderOf(path).pid).toBe(process.pid);
  });

  it('a half-written lock file (its process died at once) is taken over', () => {
    const path = lockPath();
    writeFileSync(path, '{"pid":12');
    acquire(path);
    expect(holderOf(path).pid).toBe(process.pid);
  });

  it('a lock held on another host is not taken over, even if that pid is not running here', () => {
    const path = lockPath();
    const pid = deadPid();
    writeFileSync(path, JSON.stringify({ pid, host: 'batch-02.internal', startedAt: '2026-11-23T02:00:00.000Z' }));
    expect(() => StateLock.acquire(path, { breakLock: false })).toThrow(
      `pid ${pid} on batch-02.internal, started 2026-11-23T02:00:00.000Z`,
    );
    expect(holderOf(path).host).toBe('batch-02.internal');
  });

  it('--break-lock takes over a lock held on another host', () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: 4242, host: 'batch-02.internal', startedAt: '2026-11-23T02:00:00.000Z' }));
    acquire(path, true);
    expect(holderOf(path)).toMatchObject({ pid: process.pid, host: hostname() });
  });

  it('--break-lock does not take over a run that is alive on this host', () => {
    const path = lockPath();
    acquire(path);
    const content = readFileSync(path, 'utf8');
    expect(() => StateLock.acquire(path, { breakLock: true })).toThrow(AbortError);
    expect(() => StateLock.acquire(path, { breakLock: true })).toThrow('It is running, so it is never taken over');
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('a lock file naming a live process that does not hold the kernel lock (an older payops) is not taken over, even with --break-lock', () => {
    const path = lockPath();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(path, JSON.stringify({ pid: child.pid, host: hostname(), startedAt: new Date().toISOString() }));
      expect(() => StateLock.acquire(path, { breakLock: true })).toThrow(`pid ${child.pid} on ${hostname()}`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a lock file naming a pid reused by a later process is taken over (the holder is gone)', () => {
    const path = lockPath();
    // Our own parent started long before this "holder" took the lock: not the holder.
    writeFileSync(path, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: new Date(Date.now() - 1000).toISOString().replace(/^\d{4}/, '2999') }));
    writeFileSync(path, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: '1990-01-01T00:00:00.000Z' }));
    acquire(path);
    expect(holderOf(path).pid).toBe(process.pid);
  });

  it('a lock that cannot be read nor removed is an AbortError asking to run again, not a hang', () => {
    const path = lockPath();
    mkdirSync(path); // a directory where the lock file should be: open(wx) fails, unlink fails
    expect(() => StateLock.acquire(path, { breakLock: false })).toThrow(AbortError);
    expect(() => StateLock.acquire(path, { breakLock: false })).toThrow(`could not take the state lock ${path}`);
  });
});

describe('StateLock: a stale lock and 16 processes taking it at the same moment', () => {
  // Each process loads the built lock module, waits for a common start time,
  // tries to take the lock, and holds it for a moment if it got it.
  const script = `
    const { StateLock } = await import(process.argv[1]);
    const start = Number(process.argv[3]);
    while (Date.now() < start) {}
    let got = false;
    try { const l = StateLock.acquire(process.argv[2], { breakLock: false }); const at = Date.now(); setTimeout(() => { const until = Date.now(); l.release(); process.stdout.write('got ' + at + ' ' + until); }, 500); }
    catch (e) { process.stdout.write(e.name === 'AbortError' ? 'refused' : 'error ' + e.message); }
  `;
  const module = join(import.meta.dirname, '../../dist/plan/lock.js');

  it('never two at once, in each of 8 trials (a process starting after the holder released may take it next)', async () => {
    expect(existsSync(module)).toBe(true); // npm run build first
    const path = lockPath();
    for (let trial = 0; trial < 8; trial++) {
      writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: '2026-11-23T02:00:00.000Z' }));
      const start = Date.now() + 2500;
      const outs = await Promise.all(
        Array.from({ length: 16 }, () =>
          new Promise<string>((res) => {
            const c = spawn(process.execPath, ['--input-type=module', '-e', script, module, path, String(start)]);
            let out = '';
            c.stdout.on('data', (d) => (out += d));
            c.on('close', () => res(out));
          }),
        ),
      );
      const holds = outs.filter((o) => o.startsWith('got ')).map((o) => o.split(' ').slice(1).map(Number) as [number, number]).sort((a, b) => a[0] - b[0]);
      expect(holds.length).toBeGreaterThanOrEqual(1);
      expect(outs.filter((o) => !o.startsWith('got ') && o !== 'refused')).toEqual([]);
      // Each hold ended before the next began.
      for (let i = 1; i < holds.length; i++) expect(holds[i]![0]).toBeGreaterThanOrEqual(holds[i - 1]![1]);
    }
  }, 120_000);
});
