/**
 * The state directory (docs/state.md#location): `--state-dir`, else `$XDG_STATE_HOME/payops`,
 * else `~/.local/state/payops`; one sub-directory per gateway environment so
 * a rehearsal never marks a live row done. `--gateway sim` uses a fresh
 * temporary one.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  if (xdg && xdg.startsWith('/')) return join(xdg, 'payops');
  return join(homedir(), '.local', 'state', 'payops');
}

/** `https://eu-prod.oppwa.com:443` → `https_eu-prod.oppwa.com_443`. */
export function partitionSlug(partition: string): string {
  return partition.replace(/:\/\//, '_').replace(/[^A-Za-z0-9.-]+/g, '_');
}

export interface StatePaths {
  root: string;
  partitionDir: string;
  /** The JSONL journal of payops before the SQLite store: imported on first open. */
  journal: string;
  /** The SQLite state database of the partition. */
  db: string;
  lock: string;
  cardKey: string;
}

export function resolveStatePaths(opts: { stateDir?: string; partition: string; temporary: boolean }): StatePaths {
  let root: string;
  if (opts.temporary) {
    root = mkdtempSync(join(tmpdir(), 'payops-sim-state-'));
  } else {
    root = opts.stateDir ?? defaultStateDir();
  }
  const partitionDir = join(root, partitionSlug(opts.partition));
  try {
    mkdirSync(partitionDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new UsageError(
      `cannot create the state directory ${partitionDir}: ${(err as Error).message}; choose another with --state-dir`,
    );
  }
  return {
    root,
    partitionDir,
    journal: join(partitionDir, 'journal.jsonl'),
    db: join(partitionDir, 'state.db'),
    lock: join(partitionDir, 'lock'),
    cardKey: join(root, 'card-key'),
  };
}

/** The key for hashing card numbers into ids; created once, kept private. */
export function loadCardKey(path: string): Buffer {
  try {
    const fd = openSync(path, 'wx', 0o600);
    const key = randomBytes(32);
    writeSync(fd, key.toString('hex'));
    closeSync(fd);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const hex = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new UsageError(`the card key ${path} is damaged; restore it from a backup (ids of card credits depend on it)`);
  }
  return Buffer.from(hex, 'hex');
}
