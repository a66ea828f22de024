/**
 * What `payops state stats|export|prune` do, for both stores: rows (keys) by
 * status and by month, every record for audit, and pruning old detail while
 * keeping enough of every row that it is never executed again.
 *
 * Pruning replaces the records of a finished row (its outcome succeeded,
 * review, pending, rejected, or failed before it was sent) whose records are
 * all older than the date by one `p` record: the latest intent (id,
 * generation, what the row was, file and line) with its final status, code
 * and date. Descriptions, new payment ids, notes and earlier generations go.
 * A row still open (no outcome, unknown, failed after sending) is kept whole:
 * the next run looks it up.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StateLock } from '../lock.js';
import { StateOpenError } from './errors.js';
import { COLUMNS, entryOf, type Row } from './records.js';
import { DONE } from '../../statuses.js';
import { SqliteStore } from './sqlite.js';
import type { JournalEntry } from './types.js';

export interface StateStats {
  where: string;
  rows: number;
  records: number;
  /** Records that are not a row's (corrections, failed-rows files written). */
  bookkeeping: number;
  byStatus: Record<string, number>;
  byMonth: Array<{ month: string; rows: number; byStatus: Record<string, number> }>;
  bytes?: number;
}

export interface PruneResult {
  rows: number;
  recordsRemoved: number;
  keptOpen: number;
}

/** One record as exported: the store's columns (a `p` record is a pruned row). */
export type ExportRecord = Record<(typeof COLUMNS)[number], unknown> & { partition: string };

const OPEN = 'open (no outcome yet: looked up by the next run)';

export function statusOf(e: JournalEntry | undefined): string {
  if (!e?.intent) return 'orphan outcome';
  return e.outcome?.s ?? OPEN;
}

function finished(e: JournalEntry | undefined): boolean {
  const o = e?.outcome;
  if (!e?.intent || !o) return false;
  return DONE.has(o.s) || o.s === 'rejected' || (o.s === 'failed' && !o.sent);
}

function pruned(e: JournalEntry): Row {
  const i = e.intent!;
  const o = e.outcome!;
  return ['p', i.key, i.id, i.gen, i.type, i.ref, i.amount, i.currency, i.entity, o.s, o.sent ? 1 : 0, o.c ?? null, null, null, null, o.at, i.src, i.line];
}

/** Groups rows (in key, seq order) by key: [key, rows]. */
function* byKey(rows: Iterable<Row & { 0: string }>): Generator<[string, Row[]]> {
  let key: string | undefined;
  let group: Row[] = [];
  for (const r of rows) {
    if (r[0] !== key) {
      if (key !== undefined) yield [key, group];
      key = r[0];
      group = [];
    }
    group.push(r.slice(1));
  }
  if (key !== undefined) yield [key, group];
}

/**
 * Keys that are not a row's: a correction (`sup:`) and a failed-rows file
 * written (`file:`), see ../superseded.ts. Not counted as rows, and never
 * pruned (one small record each, and what they say must last).
 */
function isBookkeeping(key: string): boolean {
  return key.startsWith('sup:') || key.startsWith('file:');
}

class Tally {
  rows = 0;
  records = 0;
  byStatus: Record<string, number> = {};
  months = new Map<string, { rows: number; byStatus: Record<string, number> }>();
  /** Records that are not a row's: corrections (`sup:`) and failed-rows files written (`file:`), see ../superseded.ts. */
  bookkeeping = 0;
  add(rows: Row[]): void {
    if (isBookkeeping(String(rows[0]?.[1] ?? ''))) { // COLUMNS: k, key, …
      this.bookkeeping += rows.length;
      return;
    }
    this.rows++;
    this.records += rows.length;
    let e: JournalEntry | undefined;
    let s: string;
    try {
      e = entryOf(rows);
      s = statusOf(e);
    } catch (err) {
      s = `unreadable (${(err as Error).message})`;
    }
    this.byStatus[s] = (this.byStatus[s] ?? 0) + 1;
    const month = String(e?.intent?.at ?? rows[0]?.[15] ?? '?').slice(0, 7);
    const m = this.months.get(month) ?? { rows: 0, byStatus: {} };
    m.rows++;
    m.byStatus[s] = (m.byStatus[s] ?? 0) + 1;
    this.months.set(month, m);
  }
  result(where: string, bytes?: number): StateStats {
    return {
      where,
      rows: this.rows,
      records: this.records,
      bookkeeping: this.bookkeeping,
      byStatus: this.byStatus,
      byMonth: [...this.months].sort(([a], [b]) => a.localeCompare(b)).map(([month, v]) => ({ month, ...v })),
      ...(bytes !== undefined ? { bytes } : {}),
    };
  }
}

// ---------------------------------------------------------------- SQLite

/** The state databases under a state directory: one per partition (or the one named). */
export function sqliteDatabases(stateDir: string, partitionSlug?: string): Array<{ partition: string; file: string }> {
  if (!existsSync(stateDir)) throw new StateOpenError(`there is no state directory ${stateDir}`);
  const dirs = partitionSlug ? [partitionSlug] : readdirSync(stateDir).filter((d) => existsSync(join(stateDir, d, 'state.db')));
  const out = dirs.map((d) => ({ partition: d, file: join(stateDir, d, 'state.db') })).filter((x) => existsSync(x.file));
  if (out.length === 0) throw new StateOpenError(`there is no state database under ${stateDir}${partitionSlug ? ` for ${partitionSlug}` : ''}`);
  return out;
}

const SELECT_ALL = `SELECT key, ${COLUMNS.join(', ')} FROM records`;
/** Every record of a read-only store, indexed or still in `fresh` (sqlite-schema.ts). */
const SELECT_EVERY = `SELECT key, ${COLUMNS.join(', ')} FROM every_record`;

export function sqliteStats(file: string): StateStats {
  const store = SqliteStore.open({ file, readOnly: true });
  try {
    const t = new Tally();
    const it = store.db.prepare(`${SELECT_EVERY} ORDER BY key, part, seq`).raw(true).iterate() as Iterable<Row & { 0: string }>;
    for (const [, rows] of byKey(it)) t.add(rows);
    let bytes = 0;
    for (const f of [file, `${file}-wal`]) if (existsSync(f)) bytes += statSync(f).size;
    return t.result(file, bytes);
  } finally {
    store.db.close();
  }
}

export function sqliteExport(file: string, partition: string, write: (r: ExportRecord) => void): number {
  const store = SqliteStore.open({ file, readOnly: true });
  let n = 0;
  try {
    for (const r of store.db.prepare(`SELECT ${COLUMNS.join(', ')} FROM every_record ORDER BY part, seq`).raw(true).iterate() as Iterable<Row>) {
      write(toExport(partition, r));
      n++;
    }
  } finally {
    store.db.close();
  }
  return n;
}

function toExport(partition: string, r: Row): ExportRecord {
  const o = { partition } as ExportRecord;
  COLUMNS.forEach((c, i) => {
    o[c] = r[i] ?? null;
  });
  return o;
}

export function sqlitePrune(file: string, before: string): PruneResult {
  // Not while a run uses the partition.
  const lock = StateLock.acquire(join(dirname(file), 'lock'), { breakLock: false });
  try {
    return pruneLocked(file, before);
  } finally {
    lock.release();
  }
}

function pruneLocked(file: string, before: string): PruneResult {
  const store = SqliteStore.open({ file, checkpoints: 'sqlite' });
  const db: Database.Database = store.db;
  const result: PruneResult = { rows: 0, recordsRemoved: 0, keptOpen: 0 };
  try {
    const page = db.prepare(`${SELECT_ALL} WHERE key > ? ORDER BY key, seq LIMIT 20000`).raw(true);
    const del = db.prepare('DELETE FROM records WHERE key = ?');
    const ins = db.prepare(`INSERT INTO records (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    let after = '';
    for (;;) {
      const rows = page.all(after) as Array<Row & { 0: string }>;
      if (rows.length === 0) break;
      const groups = [...byKey(rows)];
      // The last key of a page may continue on the next: read it whole next time (unless it is the only one).
      if (rows.length === 20000 && groups.length > 1) groups.pop();
      db.transaction(() => {
        for (const [key, recs] of groups) {
          if (isBookkeeping(key)) continue;
          const e = entryOf(recs);
          const old = recs.every((r) => String(r[15]) < before);
          if (!old) continue;
          if (!finished(e)) {
            result.keptOpen++;
            continue;
          }
          if (recs.length === 1 && recs[0]![0] === 'p') continue;
          del.run(key);
          ins.run(pruned(e!));
          result.rows++;
          result.recordsRemoved += recs.length - 1;
        }
      })();
      after = groups[groups.length - 1]![0];
    }
    db.pragma('incremental_vacuum');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    // Closed before the lock is released (prune records nothing through the store, and its open moved `fresh`).
    store.db.close();
  }
  return result;
}

// ---------------------------------------------------------------- PostgreSQL

async function pgConnect(url: string, where: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'payops state' });
  try {
    await c.connect();
  } catch (err) {
    throw new StateOpenError(`cannot connect to the state database ${where} (${(err as Error).message})`);
  }
  const t = await c.query(`SELECT to_regclass('payops_records') AS t`);
  if (!t.rows[0]?.t) {
    await c.end();
    throw new StateOpenError(`the database ${where} holds no payops state`);
  }
  return c;
}

/** Rows of a cursor over `sql`, 10,000 at a time. */
async function* cursor(c: pg.Client, sql: string, values: unknown[]): AsyncGenerator<Row> {
  await c.query('BEGIN READ ONLY');
  try {
    await c.query({ text: `DECLARE payops_cur NO SCROLL CURSOR FOR ${sql}`, values });
    for (;;) {
      const r = await c.query({ text: 'FETCH 10000 FROM payops_cur', rowMode: 'array' });
      if (r.rows.length === 0) break;
      yield* r.rows as Row[];
    }
  } finally {
    await c.query('COMMIT');
  }
}

export async function pgStats(url: string, where: string, partition?: string): Promise<StateStats[]> {
  const c = await pgConnect(url, where);
  try {
    const tallies = new Map<string, Tally>();
    let key: string | undefined;
    let part: string | undefined;
    let group: Row[] = [];
    const flush = () => {
      if (key === undefined) return;
      const t = tallies.get(part!) ?? new Tally();
      tallies.set(part!, t);
      t.add(group);
    };
    const sql = `SELECT partition, key, ${COLUMNS.join(', ')} FROM payops_records ${partition ? 'WHERE partition = $1' : ''} ORDER BY partition, key, seq`;
    for await (const r of cursor(c, sql, partition ? [partition] : [])) {
      if (r[0] !== part || r[1] !== key) {
        flush();
        part = r[0] as string;
        key = r[1] as string;
        group = [];
      }
      group.push(r.slice(2));
    }
    flush();
    const size = Number((await c.query(`SELECT pg_total_relation_size('payops_records') AS n`)).rows[0]?.n ?? 0);
    return [...tallies].map(([p, t]) => t.result(`${where} partition ${p}`, size));
  } finally {
    await c.end();
  }
}

export async function pgExport(url: string, where: string, partition: string | undefined, write: (r: ExportRecord) => void): Promise<number> {
  const c = await pgConnect(url, where);
  let n = 0;
  try {
    const sql = `SELECT partition, ${COLUMNS.join(', ')} FROM payops_records ${partition ? 'WHERE partition = $1' : ''} ORDER BY seq`;
    for await (const r of cursor(c, sql, partition ? [partition] : [])) {
      write(toExport(r[0] as string, r.slice(1)));
      n++;
    }
  } finally {
    await c.end();
  }
  return n;
}

export async function pgPrune(url: string, where: string, partition: string | undefined, before: string): Promise<PruneResult> {
  const c = await pgConnect(url, where);
  const result: PruneResult = { rows: 0, recordsRemoved: 0, keptOpen: 0 };
  try {
    const parts = partition ? [partition] : (await c.query(`SELECT DISTINCT partition FROM payops_records`)).rows.map((r) => r.partition as string);
    for (const p of parts) {
      // Pruning while a run holds the partition's lease could remove what it just read: refuse.
      const lease = await c.query(`SELECT host, pid FROM payops_leases WHERE partition = $1 AND expires_at > now()`, [p]);
      if (lease.rows[0]) throw new StateOpenError(`a run holds the lease of ${p} (pid ${lease.rows[0].pid} on ${lease.rows[0].host}); prune when it has finished`);
      let after = '';
      for (;;) {
        const r = await c.query({
          text: `SELECT key, ${COLUMNS.join(', ')} FROM payops_records WHERE partition = $1 AND key IN (SELECT DISTINCT key FROM payops_records WHERE partition = $1 AND key > $2 ORDER BY key LIMIT 5000) ORDER BY key, seq`,
          values: [p, after],
          rowMode: 'array',
        });
        if (r.rows.length === 0) break;
        const groups = [...byKey(r.rows as Array<Row & { 0: string }>)];
        await c.query('BEGIN');
        try {
          for (const [key, recs] of groups) {
            if (isBookkeeping(key)) continue;
            const e = entryOf(recs);
            if (!recs.every((x) => String(x[15]) < before)) continue;
            if (!finished(e)) {
              result.keptOpen++;
              continue;
            }
            if (recs.length === 1 && recs[0]![0] === 'p') continue;
            await c.query('DELETE FROM payops_records WHERE partition = $1 AND key = $2', [p, key]);
            await c.query(`INSERT INTO payops_records (partition, ${COLUMNS.join(', ')}) VALUES ($1, ${COLUMNS.map((_, i) => `$${i + 2}`).join(', ')})`, [p, ...pruned(e!)]);
            result.rows++;
            result.recordsRemoved += recs.length - 1;
          }
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK');
          throw err;
        }
        after = groups[groups.length - 1]![0];
      }
    }
  } finally {
    await c.end();
  }
  return result;
}
