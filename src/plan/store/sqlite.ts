/**
 * The default state store: one SQLite database per state partition
 * (`state.db`), through better-sqlite3.
 *
 * Durability: WAL with `synchronous=NORMAL`, and each group that holds an
 * intent is made durable by an fdatasync of the WAL file on libuv's thread
 * pool before its promise resolves. A commit puts the group's frames in the
 * WAL (so a kill -9 right after loses nothing); the fdatasync makes them
 * survive a power loss as `synchronous=FULL` would, without stopping the
 * event loop while the disk syncs. (SQLite syncs the WAL itself before every
 * checkpoint, and the database after, so frames a WAL restart overwrites
 * are already safe in the database file.)
 *
 * Checkpoints (copying the WAL into the database file) follow the moves
 * instead of SQLite's every 1,000 pages: between two moves the commits
 * rewrite the same few pages at the end of `fresh` over and over, and one
 * checkpoint copies each of them once (measured: 1.6 µs per row, against
 * about 10 inside the commits).
 *
 * Every record ends up as a row of `records`, indexed by key: a lookup
 * reads the rows of one key, so nothing about earlier runs is loaded at
 * start-up. A run appends its own to `fresh` first (sqlite-schema.ts), and
 * its lookups read `records` only: the records in `fresh` are the run's
 * own, which it never needs (no two rows of a run share a key: the planner
 * refuses the second), and they are moved to `records` as the run goes on
 * and when it closes. A read-only store reads both.
 *
 * Lookups share one read transaction until the store next writes: on its
 * own, every statement is a transaction of its own, whose begin and end
 * (the WAL's read lock, taken and released) cost several times the indexed
 * read itself (measured: 3.8 µs per lookup of a 4,000-record table, 0.5 in
 * one transaction; 11 µs in a run). The transaction begins at the first
 * lookup and ends before any write, move or checkpoint, all on this one
 * thread, so a lookup sees what it would see on its own: every earlier run's
 * records (no other process writes the partition while the run holds its
 * lock) and no fewer of this run's own than before the last write. It also
 * ends after READS_PER_TRANSACTION lookups. Only a store whose opener holds
 * the partition's lock does this (`sharedReads`): a `--dry-run` takes no
 * lock, writes nothing, and may sit blocked on a paused pager for hours;
 * a read transaction held that long beside a live run would stop the live
 * run's checkpoints and grow its WAL, so its lookups stay one statement each.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fdatasync, fdatasyncSync, openSync, readSync, renameSync, statfsSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import { errnoOf, StateOpenError, StateWriteError } from './errors.js';
import { GroupedWriter, type Pending } from './grouped.js';
import { BadRecord, COLUMNS, entryOf, parseJournalLine, type Row, toRow } from './records.js';
import { CREATE_FRESH, hasFresh, MOVE_CHUNK, moveFresh, SCHEMA, SCHEMA_VERSION } from './sqlite-schema.js';
import type { JournalEntry, StateStore } from './types.js';

const fdatasyncAsync = promisify(fdatasync);

/** `PRAGMA application_id`: "payo". */
export const APPLICATION_ID = 0x7061796f;
export { SCHEMA_VERSION } from './sqlite-schema.js';
/** Less room than this on the state's disk at start-up: refuse before anything is sent. */
export const MIN_FREE_BYTES = 128 * 1024;


export interface SqliteOpenOptions {
  /** The database file. */
  file: string;
  /** A JSONL journal of an earlier payops to import on open (renamed afterwards), if it exists. */
  legacyJournal?: string;
  /**
   * Open an existing database only for reading (`payops state stats|export`). A `--dry-run` opens it for
   * writing without the lock: its open moves what a live run left in `fresh` (one short transaction), so it
   * plans against everything committed until then.
   */
  readOnly?: boolean;
  /**
   * Who checkpoints: the store after each move (`moves`, the default), or
   * SQLite every 1,000 pages (`sqlite`: `payops state prune`, which writes
   * without moving).
   */
  checkpoints?: 'moves' | 'sqlite';
  /**
   * The opener holds the partition's lock, so nothing else writes: lookups may
   * share a read transaction until the next write (see the module comment).
   */
  sharedReads?: boolean;
}

/** Free and total bytes of the file system holding `dir`. */
export function roomAt(dir: string): { free: number; total: number } | undefined {
  try {
    const s = statfsSync(dir);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

const kb = (n: number) => `${Math.floor(n / 1024)} kB`;

function fullDiskMessage(file: string, when: string): string {
  const room = roomAt(dirname(file));
  const how = room ? ` (${kb(room.free)} free of ${kb(room.total)})` : '';
  return `the disk holding the state database ${file} is full${how}: ${when}. Free some space (or move the state with --state-dir) and run the same command again`;
}

/** What went wrong with the database file, in words, with what to do. */
export function describeSqliteError(file: string, err: unknown, when: string): string {
  const code = errnoOf(err) ?? '';
  const msg = (err as Error)?.message ?? String(err);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || /disk is full|ENOSPC/i.test(msg)) return fullDiskMessage(file, when);
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code.startsWith('SQLITE_CANTOPEN')) {
    return `the state database ${file} cannot be written (${msg}): ${when}. Check that its directory is writable and not on a read-only disk, or choose another with --state-dir`;
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return `the state database ${file} is damaged (${msg}): ${when}. Restore it from a backup (see "State" in the README); do not delete it, or rows it records could be sent again`;
  }
  return `the state database ${file} failed (${code ? code + ': ' : ''}${msg}): ${when}`;
}

/** Lookups in one read transaction at most (see the module comment). */
const READS_PER_TRANSACTION = 256;

/** SQLite's page cache per connection, in KiB (`PRAGMA cache_size` takes a negative number for KiB). */
const CACHE_KIB = 4096;

export class SqliteStore extends GroupedWriter implements StateStore {
  private walFd = -1;
  private readonly selectKey: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly insertMany: (rows: Row[]) => void;
  /** Rows committed whose WAL frames may not be synced yet (second signal). */
  private unsynced = false;
  /** Records appended to `fresh` since the last move, and whether a move is queued. */
  private unmoved = 0;
  private moveQueued = false;
  /**
   * Whether `records` held a correction's `sup:` record at open: if not, a
   * lookup of a `sup:` key (one per row sent) has nothing to find.
   */
  private hasSup = true;
  /**
   * Read-only: the records still in `fresh` (a run going on, or one that
   * died), by key, so that lookups see them too.
   */
  private freshRows: Map<string, Row[]> | undefined;
  /** The lookups' read transaction (see the module comment): its statements, and whether it is open. */
  private readonly beginRead: Database.Statement;
  private readonly endReadTx: Database.Statement;
  private reading = false;
  private readsInTransaction = 0;

  private constructor(
    readonly db: Database.Database,
    readonly file: string,
    readonly readOnly: boolean,
    /** Records imported from a JSONL journal at this open. */
    readonly imported: number,
    private readonly sharedReads: boolean,
  ) {
    super();
    this.selectKey = db.prepare(`SELECT ${COLUMNS.join(', ')} FROM records WHERE key = ? ORDER BY seq`).raw(true);
    this.insert = readOnly ? this.selectKey : db.prepare(`INSERT INTO fresh (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    this.insertMany = db.transaction((rows: Row[]) => {
      for (const r of rows) this.insert.run(r);
    });
    this.beginRead = db.prepare('BEGIN DEFERRED');
    this.endReadTx = db.prepare('COMMIT');
  }

  /** End the lookups' read transaction, if one is open: before anything else uses the connection. */
  private endRead(): void {
    if (!this.reading) return;
    if (this.db.inTransaction) this.endReadTx.run();
    this.reading = false;
  }

  get location(): string {
    return this.file;
  }

  static open(opts: SqliteOpenOptions): SqliteStore {
    const { file } = opts;
    const fail = (err: unknown, when = 'nothing was sent'): never => {
      if (err instanceof StateOpenError) throw err;
      throw new StateOpenError(describeSqliteError(file, err, when));
    };
    const exists = existsSync(file) && statSync(file).size > 0;
    if (opts.readOnly && !exists) throw new StateOpenError(`there is no state database ${file}`);
    let db: Database.Database;
    try {
      db = new Database(file, { timeout: 5000, ...(opts.readOnly ? { readonly: true, fileMustExist: true } : {}) });
    } catch (err) {
      return fail(err);
    }
    try {
      // better-sqlite3 builds SQLite with a 16 MB page cache; 4 MB keeps a 1,000,000-row run within its memory
      // bound (issue 11), and a row's lookup is one indexed read either way.
      db.pragma(`cache_size = -${CACHE_KIB}`);
      let version = SCHEMA_VERSION;
      if (exists) {
        const app = db.pragma('application_id', { simple: true }) as number;
        version = db.pragma('user_version', { simple: true }) as number;
        if (app !== APPLICATION_ID) {
          throw new StateOpenError(`${file} is not a payops state database; move it away or choose another --state-dir (nothing was sent)`);
        }
        if (version > SCHEMA_VERSION) {
          throw new StateOpenError(
            `the state database ${file} was written by a newer payops (schema ${version}; this one knows ${SCHEMA_VERSION}): upgrade payops to use it. Nothing was sent`,
          );
        }
      }
      if (!opts.readOnly) {
        const room = roomAt(dirname(file));
        if (room && room.free < MIN_FREE_BYTES) {
          throw new StateOpenError(
            `the disk holding the state database ${file} has ${kb(room.free)} free of ${kb(room.total)}; payops needs at least ${kb(MIN_FREE_BYTES)} before it sends anything. Free some space or choose another --state-dir (nothing was sent)`,
          );
        }
        if (!exists) db.pragma('auto_vacuum = INCREMENTAL');
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, not wal`);
        db.pragma('synchronous = NORMAL');
        if (!exists) {
          db.transaction(() => {
            db.exec(SCHEMA);
            db.pragma(`application_id = ${APPLICATION_ID}`);
            db.pragma(`user_version = ${SCHEMA_VERSION}`);
            db.prepare(`INSERT INTO meta (k, v) VALUES ('created', ?)`).run(new Date().toISOString());
          })();
        } else {
          if (version < SCHEMA_VERSION) {
            // Schema 1 → 2: the table of a run's records before they are indexed. A payops of schema 1 then refuses the file.
            db.transaction(() => {
              db.exec(CREATE_FRESH);
              db.pragma(`user_version = ${SCHEMA_VERSION}`);
            })();
          }
          // What a run that died left unindexed is indexed before anything is planned.
          moveFresh(db);
        }
        // A write at open: a read-only or full disk stops here, before anything is sent.
        db.prepare(`INSERT OR REPLACE INTO meta (k, v) VALUES ('opened', ?)`).run(new Date().toISOString());
      }
    } catch (err) {
      db.close();
      return fail(err);
    }
    let imported = 0;
    if (!opts.readOnly && opts.legacyJournal && existsSync(opts.legacyJournal)) {
      try {
        imported = importJournal(db, opts.legacyJournal);
      } catch (err) {
        db.close();
        return fail(err, 'nothing was imported and nothing was sent');
      }
    }
    const store = new SqliteStore(db, file, Boolean(opts.readOnly), imported, Boolean(opts.sharedReads) && !opts.readOnly);
    try {
      if (opts.readOnly) store.readFresh();
      store.hasSup = store.freshRows !== undefined || db.prepare(`SELECT 1 FROM records WHERE key >= 'sup:' AND key < 'sup;' LIMIT 1`).get() !== undefined;
    } catch (err) {
      db.close();
      return fail(err, 'nothing was read');
    }
    if (!opts.readOnly) {
      try {
        store.walFd = openSync(file + '-wal', 'r');
      } catch (err) {
        db.close();
        return fail(err);
      }
      if (opts.checkpoints !== 'sqlite') db.pragma('wal_autocheckpoint = 0');
    }
    return store;
  }

  /**
   * Read-only opens: every record, indexed or not yet, as one view
   * (`every_record`: `part` 0 for `records`, 1 for `fresh`, in that order),
   * and the records of `fresh` by key for lookups.
   */
  private readFresh(): void {
    const select = (table: string, part: number) => `SELECT ${part} AS part, seq, ${COLUMNS.join(', ')} FROM ${table}`;
    const fresh = hasFresh(this.db);
    this.db.exec(`CREATE TEMP VIEW every_record AS ${select('records', 0)}${fresh ? ` UNION ALL ${select('fresh', 1)}` : ''}`);
    if (!fresh) return;
    for (const r of this.db.prepare(`SELECT ${COLUMNS.join(', ')} FROM fresh ORDER BY seq`).raw(true).iterate() as Iterable<Row>) {
      const key = r[1] as string;
      this.freshRows ??= new Map();
      const rows = this.freshRows.get(key);
      if (rows) rows.push(r);
      else this.freshRows.set(key, [r]);
    }
  }

  lookup(key: string): JournalEntry | undefined {
    if (!this.hasSup && key.startsWith('sup:')) return undefined;
    let rows: Row[];
    try {
      if (this.reading && ++this.readsInTransaction > READS_PER_TRANSACTION) this.endRead();
      if (this.sharedReads && !this.reading && !this.db.inTransaction) {
        this.beginRead.run();
        this.reading = true;
        this.readsInTransaction = 1;
      }
      rows = this.selectKey.all(key) as Row[];
      const fresh = this.freshRows?.get(key);
      if (fresh) rows = rows.concat(fresh);
    } catch (err) {
      throw new StateWriteError(describeSqliteError(this.file, err, `the history of ${key} cannot be read, so the row is not sent and the run stopped`));
    }
    try {
      return entryOf(rows);
    } catch (err) {
      if (!(err instanceof BadRecord)) throw err;
      throw new StateWriteError(
        `the state database ${this.file} holds a record of ${key} that cannot be read (${err.message}): the row is not sent and the run stopped. Restore the database from a backup, or upgrade payops if a newer one wrote it`,
      );
    }
  }

  prefetch(): Promise<void> {
    return Promise.resolve();
  }

  protected async commit(records: Pending[], durable: boolean): Promise<void> {
    this.endRead();
    // A write inside an open transaction would only be a savepoint: not committed, however it is synced.
    if (this.db.inTransaction) throw new StateWriteError(`the state database ${this.file} has a transaction open where none should be; nothing more is sent`);
    this.insertMany(records.map(toRow));
    this.unsynced = true;
    this.unmoved += records.length;
    if (durable) {
      await fdatasyncAsync(this.walFd);
      this.unsynced = false;
    }
    this.moveSoon();
  }

  /** Move a chunk of `fresh` into `records` once enough is appended: in a task of its own, after the group's rows have left. */
  private moveSoon(): void {
    if (this.moveQueued || this.unmoved < MOVE_CHUNK) return;
    this.moveQueued = true;
    setImmediate(() => {
      this.moveQueued = false;
      if (this.closed || this.failure.aborted) return;
      try {
        this.endRead();
        moveFresh(this.db);
        this.unmoved = 0;
        // PASSIVE: copies what no reader still needs, and never waits.
        this.db.pragma('wal_checkpoint(PASSIVE)');
      } catch (err) {
        // The records stay in `fresh`, durable; a disk that cannot take the move cannot take the next intent either.
        this.fail(this.describeFailure(err));
      }
    });
  }

  protected commitNow(records: Pending[]): void {
    this.endRead();
    this.insertMany(records.map(toRow));
    this.unsynced = true;
  }

  protected override closeNowExtra(): void {
    if (this.unsynced && this.walFd >= 0) {
      try {
        fdatasyncSync(this.walFd);
      } catch {
        /* nothing more can be done */
      }
    }
  }

  protected describeFailure(err: unknown): StateWriteError {
    return new StateWriteError(describeSqliteError(this.file, err, 'the run stopped and nothing more is sent; the outputs hold what was done'));
  }

  /** The partition's lock is held until this process ends: a request may always leave (failures stop the run through `failure`). */
  canSend(): boolean {
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.stopTimers();
    try {
      this.endRead();
    } catch {
      /* a read transaction holds nothing to keep */
    }
    if (!this.readOnly && !this.failure.aborted) {
      try {
        moveFresh(this.db);
      } catch {
        /* the records stay in `fresh`, durable, and the next open moves them */
      }
    }
    if (this.walFd >= 0) closeSync(this.walFd);
    this.walFd = -1;
    try {
      this.db.close();
    } catch {
      /* closed already */
    }
  }

  override closeNow(): void {
    super.closeNow();
  }
}

/**
 * Import a JSONL journal of an earlier payops: every record, in order, in one
 * transaction; a torn last line (no newline) is ignored as it always was.
 * A complete line that is not a record this version knows stops the import,
 * naming the line. The file is then renamed and kept beside the database.
 */
function importJournal(db: Database.Database, path: string): number {
  const fd = openSync(path, 'r');
  const insert = db.prepare(`INSERT INTO records (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  let count = 0;
  try {
    db.transaction(() => {
      const chunk = Buffer.alloc(1 << 20);
      let carry = Buffer.alloc(0);
      let offset = 0;
      let lineNo = 0;
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, offset);
        if (n <= 0) break;
        offset += n;
        const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let start = 0;
        for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
          lineNo++;
          const text = buf.toString('utf8', start, nl);
          start = nl + 1;
          if (text === '') continue;
          let rec: Pending;
          try {
            rec = parseJournalLine(text);
          } catch (err) {
            if (!(err instanceof BadRecord)) throw err;
            throw new StateOpenError(
              `the journal ${path} line ${lineNo} cannot be read: ${err.message}. payops imports nothing from it and sends nothing until every line reads: ` +
                `restore the file from a backup, or upgrade payops if a newer one wrote it (removing the line would let the row it records be sent again)`,
            );
          }
          insert.run(toRow(rec));
          count++;
        }
        carry = Buffer.from(buf.subarray(start));
      }
      db.prepare(`INSERT OR REPLACE INTO meta (k, v) VALUES ('imported', ?)`).run(
        JSON.stringify({ from: basename(path), records: count, at: new Date().toISOString() }),
      );
    }).immediate();
  } finally {
    closeSync(fd);
  }
  // Committed: keep the journal beside the database as a backup (never imported again under this name).
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  renameSync(path, `${path}.imported-${stamp}.bak`);
  return count;
}
