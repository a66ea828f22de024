/**
 * Opening the state of a run: the SQLite store of the partition under the
 * state directory (the default), or the PostgreSQL database of
 * `--state-url` / `PAYOPS_STATE_URL`; the one-run-per-partition lock (or
 * lease); and the card key. `PAYOPS_JOURNAL=memory` keeps nothing (bench).
 */
import { rmSync } from 'node:fs';
import { StateLock } from '../lock.js';
import { loadCardKey, resolveStatePaths } from '../state-dir.js';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';
import type { StateStore } from './types.js';

export interface OpenStateOptions {
  stateDir?: string;
  stateUrl?: string;
  /** The gateway environment's partition (`https://eu-prod.oppwa.com:443`). */
  partition: string;
  /** A fresh temporary state (the in-process simulator). */
  temporary: boolean;
  /** Take the one-run lock (every run but --dry-run). */
  lock: boolean;
  breakLock: boolean;
  /** The run's --timeout: how long a request of a dead holder may still be in flight. */
  requestTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface OpenedState {
  store: StateStore;
  cardKey: Buffer;
  /** Where the state lives, for the run's header and messages. */
  where: string;
  /** Release the lock (or lease) and clean a temporary state up; the store is closed first by the caller. */
  release(): Promise<void>;
}

/** The state URL of a run: `--state-url`, else `$PAYOPS_STATE_URL`. */
export function stateUrlOf(argv: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = (argv['state-url'] as string | undefined) ?? env.PAYOPS_STATE_URL;
  return url ? String(url) : undefined;
}

export async function openState(opts: OpenStateOptions): Promise<OpenedState> {
  const env = opts.env ?? process.env;
  if (opts.stateUrl && !opts.temporary) {
    const { openPostgresState } = await import('./postgres.js');
    return openPostgresState({ ...opts, stateUrl: opts.stateUrl, memory: env.PAYOPS_JOURNAL === 'memory' });
  }
  const paths = resolveStatePaths({ ...(opts.stateDir ? { stateDir: opts.stateDir } : {}), partition: opts.partition, temporary: opts.temporary });
  const cleanupTemp = () => {
    if (opts.temporary) rmSync(paths.root, { recursive: true, force: true });
  };
  let lock: StateLock | undefined;
  let store: StateStore | undefined;
  try {
    lock = opts.lock ? StateLock.acquire(paths.lock, { breakLock: opts.breakLock }) : undefined;
    store = env.PAYOPS_JOURNAL === 'memory' ? new MemoryStore() : SqliteStore.open({ file: paths.db, legacyJournal: paths.journal, sharedReads: lock !== undefined });
    const cardKey = loadCardKey(paths.cardKey);
    return {
      store,
      cardKey,
      where: paths.partitionDir,
      release: async () => {
        lock?.release();
        cleanupTemp();
      },
    };
  } catch (err) {
    store?.closeNow();
    await store?.close().catch(() => undefined);
    lock?.release();
    cleanupTemp();
    throw err;
  }
}
