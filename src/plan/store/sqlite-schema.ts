/**
 * The SQLite store's tables (sqlite.ts).
 *
 * - `records`: every record, indexed by key: what lookups read.
 * - `fresh` (schema 2): the records of the run writing now, appended in
 *   commit order and not indexed, so a commit writes a page or two at the
 *   end of the file instead of a random page of the key index for every
 *   record (measured: a tenth of the bytes written to the WAL, a third of
 *   the CPU). The store moves them into `records` in key order, a chunk at
 *   a time while the run goes on and the rest when it closes; a run that
 *   died leaves its last chunk there, and the next open moves it before
 *   anything is planned. Each move is one transaction (insert, then
 *   delete), so a record is in exactly one of the two tables at any time.
 *   Sorted by key, a chunk's records share the index pages they land on.
 */
import type Database from 'better-sqlite3';
import { COLUMNS } from './records.js';

/** The schema this version writes; a database with a higher one was written by a newer payops. */
export const SCHEMA_VERSION = 2;

const COLUMN_TYPES = `
  k TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
  gen INTEGER, type TEXT, ref TEXT, amount TEXT, currency TEXT, entity TEXT,
  s TEXT, sent INTEGER, c TEXT, d TEXT, n TEXT, note TEXT,
  at TEXT NOT NULL, src TEXT NOT NULL, line INTEGER NOT NULL`;

export const CREATE_FRESH = `CREATE TABLE IF NOT EXISTS fresh (seq INTEGER PRIMARY KEY, ${COLUMN_TYPES});`;

export const SCHEMA = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE records (seq INTEGER PRIMARY KEY, ${COLUMN_TYPES});
CREATE INDEX records_key ON records (key);
${CREATE_FRESH}
`;

/** Records moved from `fresh` into `records` at a time while a run goes on (a move of this many takes about 30 ms). */
export const MOVE_CHUNK = 8192;

const cols = COLUMNS.join(', ');

/** Move every record of `fresh` into `records`, in key order (per key in commit order), in one transaction. */
export function moveFresh(db: Database.Database): void {
  db.transaction(() => {
    db.prepare(`INSERT INTO records (${cols}) SELECT ${cols} FROM fresh ORDER BY key, seq`).run();
    db.prepare('DELETE FROM fresh').run();
  }).immediate();
}

/** Whether the database has the `fresh` table (schema 2; a schema-1 database opened read-only has not). */
export function hasFresh(db: Database.Database): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fresh'`).get() !== undefined;
}
