/**
 * A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temporary
 * directory, as an unprivileged user (as root: `nobody`, through runuser),
 * listening on a free loopback port, removed afterwards. No mock.
 *
 * `startPostgres()` resolves undefined (with the reason) when PostgreSQL is
 * not installed; under CI=true that is an error instead, so the tests run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export interface PgCluster {
  /** postgres://… of a fresh database for one test. */
  database(): Promise<string>;
  /** Stop the server at once (as a crash or lost network would), keeping its data. */
  kill(): void;
  /** Start it again after kill(). */
  restart(): void;
  stop(): void;
  port: number;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export async function startPostgres(): Promise<PgCluster | { skip: string }> {
  const bin = binDir();
  if (!bin) {
    const why = 'PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); .ci/run installs it';
    if (process.env.CI) throw new Error(why);
    return { skip: why };
  }
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'payops-pg-'));
  const data = join(dir, 'data');
  const sock = dir;
  if (root) {
    chownSync(dir, 65534, 65534);
    chmodSync(dir, 0o700);
  }
  const as = (cmd: string, args: string[]) => (root ? ['runuser', ['-u', 'nobody', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  const run = (cmd: string, args: string[]) => {
    const [c, a] = as(cmd, args);
    execFileSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const start = () =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  start();
  let n = 0;
  let stopped = false;
  const cluster: PgCluster = {
    port,
    async database() {
      const name = `t${process.pid}_${++n}`;
      const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    kill() {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    },
    restart() {
      start();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      const [c, a] = as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      spawnSync(c, a, { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/**
 * One throwaway cluster for a test file: started before its tests, removed
 * after. `cluster` is undefined (and `skip` says why) where PostgreSQL is
 * not installed outside CI.
 */
export function usePostgres(): { readonly cluster: PgCluster | undefined; readonly skip: string } {
  const state: { cluster: PgCluster | undefined; skip: string } = { cluster: undefined, skip: '' };
  beforeAll(async () => {
    const c = await startPostgres();
    if ('skip' in c) state.skip = c.skip;
    else state.cluster = c;
  }, 120_000);
  afterAll(() => state.cluster?.stop());
  return state;
}
