/**
 * The state in PostgreSQL, for teams running payops from more than one host
 * against one gateway account (`--state-url postgres://…` or
 * `PAYOPS_STATE_URL`). Same records and semantics as the SQLite store; every
 * partition's rows live in one table, keyed by partition and key.
 *
 * One run per partition across hosts: a lease row (owner, host name, host
 * id, pid, start, expiry, the holder's own --timeout), claimed with
 * `INSERT … ON CONFLICT`, renewed while the run lasts (the renewal times out
 * well inside the lease). Intents are inserted only while the lease is ours
 * and unexpired (checked in the same statement), and no request leaves once
 * the lease may have run out without a renewal (`canSend`, checked right
 * before each send, and a watchdog that fails the store at that moment even
 * when the database stopped answering), so a run that lost its lease neither
 * records nor sends. A lease is taken over when it expired, when its holder
 * on this very machine and boot is dead, or with `--break-lock` for a holder
 * elsewhere; then the run first waits until the old holder's requests cannot
 * be in flight (its expiry plus the holder's --timeout, not the taker's),
 * and the old holder's rows without an outcome are looked up by the planner,
 * never resent blind.
 *
 * "This machine" is the host id (see hostId), never the host name alone:
 * two cloned VMs with one host name do not judge each other's pids.
 *
 * Reads are asynchronous here: the pipeline prefetches the keys of a batch
 * (`prefetch`), and any other key is read synchronously through a worker
 * (PgSyncReader). A lost connection fails the store: the run stops sending,
 * and the rerun continues.
 */
import pg from 'pg';
import { randomBytes, randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { AbortError } from '../../errors.js';
import { holderAlive } from '../lock.js';
import { StateOpenError, StateWriteError } from './errors.js';
import { GroupedWriter, type Pending } from './grouped.js';
import { MemoryStore } from './memory.js';
import type { OpenedState, OpenStateOptions } from './open.js';
import { BadRecord, COLUMNS, entryOf, type Row, toRow } from './records.js';
import type { JournalEntry, StateStore } from './types.js';

export const PG_SCHEMA_VERSION = 1;
/** How long a lease lasts without renewal (PAYOPS_STATE_LEASE overrides, e.g. `5s`). */
export const DEFAULT_LEASE_MS = 30_000;
/** Of a lease's TTL, how long after its start (or its last renewal's sending) a run still records and sends. */
const LEASE_SAFE_FRACTION = 0.8;
/** A renewal that has no answer by then is given up (the next one is tried; the deadline decides). */
function renewTimeoutMs(ttlMs: number): number {
  return Math.max(100, Math.floor(ttlMs / 4));
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS payops_meta (k text PRIMARY KEY, v text NOT NULL);
CREATE TABLE IF NOT EXISTS payops_records (
  seq bigserial PRIMARY KEY,
  partition text NOT NULL,
  k text NOT NULL, key text NOT NULL, id text NOT NULL,
  gen integer, type text, ref text, amount text, currency text, entity text,
  s text, sent smallint, c text, d text, n text, note text,
  at text NOT NULL, src text NOT NULL, line integer NOT NULL
);
CREATE INDEX IF NOT EXISTS payops_records_key ON payops_records (partition, key, seq);
CREATE TABLE IF NOT EXISTS payops_leases (
  partition text PRIMARY KEY,
  owner uuid NOT NULL, host text NOT NULL, host_id text NOT NULL, pid integer NOT NULL,
  started_at timestamptz NOT NULL, expires_at timestamptz NOT NULL,
  max_request_ms integer NOT NULL
);
`;

const SELECT_KEYS = `SELECT key, ${COLUMNS.join(', ')} FROM payops_records WHERE partition = $1 AND key = ANY($2::text[]) ORDER BY key, seq`;
const TYPES = ['text', 'text', 'text', 'integer', 'text', 'text', 'text', 'text', 'text', 'text', 'smallint', 'text', 'text', 'text', 'text', 'text', 'text', 'integer'];
const INSERT = `
WITH lease AS (
  SELECT 1 FROM payops_leases WHERE partition = $1 AND owner = $2 AND expires_at > now() FOR UPDATE
)
INSERT INTO payops_records (partition, ${COLUMNS.join(', ')})
SELECT $1, ${COLUMNS.map((c) => `u.${c}`).join(', ')}
FROM unnest(${COLUMNS.map((_, i) => `$${i + 3}::${TYPES[i]}[]`).join(', ')}) WITH ORDINALITY AS u(${COLUMNS.join(', ')}, ord)
WHERE EXISTS (SELECT 1 FROM lease)
ORDER BY u.ord`;

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the --state-url (not a valid URL)';
  }
}

export function hostName(): string {
  return process.env.PAYOPS_HOSTNAME || hostname();
}

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

let randomHostId: string | undefined;
/**
 * What makes a pid on the holder's host comparable with ours: the same
 * kernel boot (Linux's boot_id, random at every boot, so two cloned VMs
 * differ even with one /etc/machine-id and one host name) and the same pid
 * namespace (two containers of one machine differ). Where neither can be
 * read, a random id per process: then no holder is ever judged by its pid,
 * and a lease is only taken over after its expiry (or with --break-lock).
 * PAYOPS_HOSTNAME (the tests' second "host") is part of it.
 */
export function hostId(): string {
  const boot = readTrim('/proc/sys/kernel/random/boot_id');
  let pidns: string | undefined;
  try {
    pidns = readlinkSync('/proc/self/ns/pid');
  } catch {
    pidns = undefined;
  }
  if (!boot || !pidns) return (randomHostId ??= `random:${randomUUID()}`);
  const machine = readTrim('/etc/machine-id') ?? '';
  return createHash('sha256').update(`${process.env.PAYOPS_HOSTNAME ?? ''}\0${machine}\0${boot}\0${pidns}`).digest('hex').slice(0, 32);
}

function leaseMs(): number {
  const v = process.env.PAYOPS_STATE_LEASE;
  if (!v) return DEFAULT_LEASE_MS;
  const m = /^(\d+)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new StateOpenError(`PAYOPS_STATE_LEASE "${v}" is not a duration (5s, 30s, 2m)`);
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 'ms' ? 1 : 1000);
}

/**
 * The worker's compiled file: beside this one in tsc's dist/plan/store/; from a chunk of the bundle in
 * dist/cli/ (scripts/bundle.mjs), tsc's copy; from dist/ when this runs from src/ under the tests.
 */
function workerFile(): URL {
  for (const rel of ['./pg-sync-worker.js', '../plan/store/pg-sync-worker.js']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return new URL('../../../dist/plan/store/pg-sync-worker.js', import.meta.url);
}

/** Synchronous reads of keys that were not prefetched, through a worker. */
class PgSyncReader {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));

  constructor(url: string, partition: string, private readonly where: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(workerFile(), {
      workerData: { url, partition, flag: this.flag.buffer, port: port2, sql: SELECT_KEYS },
      transferList: [port2],
    });
    this.worker.unref();
  }

  read(keys: string[], timeoutMs = 15_000): Row[] {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ keys });
    if (Atomics.wait(this.flag, 0, 0, timeoutMs) === 'timed-out') {
      throw new StateWriteError(`the state database ${this.where} did not answer a lookup within ${timeoutMs / 1000}s: the row is not sent and the run stopped; run again when it answers`);
    }
    const msg = receiveMessageOnPort(this.port)?.message as { rows?: Row[]; error?: string } | undefined;
    if (!msg || msg.error !== undefined || !msg.rows) {
      throw new StateWriteError(`the state database ${this.where} could not be read (${msg?.error ?? 'no answer'}): the row is not sent and the run stopped; run again when it answers`);
    }
    return msg.rows;
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }
}

export class PostgresStore extends GroupedWriter implements StateStore {
  readonly remote = true;
  private cache = new Map<string, Row[]>();
  private renewTimer: NodeJS.Timeout | undefined;
  /** Local time after which the lease may have expired unless renewed: nothing is recorded or sent after it. */
  private deadline: number;
  /** Fails the store at the deadline, even while a renewal hangs (a partition: no error, no answer). */
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly reader: PgSyncReader,
    readonly location: string,
    private readonly partition: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    leaseSince: number,
  ) {
    super();
    this.deadline = leaseSince + ttlMs * LEASE_SAFE_FRACTION;
    client.on('error', (err) => this.fail(this.lost(err)));
    this.renewTimer = setInterval(() => void this.renew(), Math.max(200, ttlMs / 4));
    this.renewTimer.unref();
    this.armWatchdog();
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (!this.canSend()) return; // canSend failed the store
      this.armWatchdog(); // renewed meanwhile
    }, Math.max(0, this.deadline - Date.now()) + 1);
    this.watchdog.unref();
  }

  private expired(): StateWriteError {
    return new StateWriteError(`the lease of this run on ${this.location} could not be renewed in time: the run stopped and sends nothing more; run again`);
  }

  /**
   * Whether a request may still leave now: not once the store failed, nor
   * once the lease may have run out without a renewal (then the store fails,
   * so the run stops). Synchronous: the pipeline asks it right before a send.
   */
  canSend(): boolean {
    if (this.failure.aborted) return false;
    if (this.closed) return true; // closing after the run: nothing is sent any more
    if (Date.now() <= this.deadline) return true;
    this.fail(this.expired());
    return false;
  }

  protected override fail(err: StateWriteError): void {
    clearTimeout(this.watchdog);
    clearInterval(this.renewTimer);
    super.fail(err);
  }

  private lost(err: unknown): StateWriteError {
    return new StateWriteError(
      `lost the state database ${this.location} (${(err as Error)?.message ?? String(err)}): the run stopped and nothing more is sent; run the same command again when it is back`,
    );
  }

  private async renew(): Promise<void> {
    if (this.closed || this.failure.aborted) return;
    if (this.renewing) return; // the last one still waits for its answer (at most its query timeout)
    this.renewing = true;
    const sent = Date.now();
    try {
      const r = await this.client.query({
        text: `UPDATE payops_leases SET expires_at = now() + $3 * interval '1 millisecond' WHERE partition = $1 AND owner = $2`,
        values: [this.partition, this.owner, this.ttlMs],
        // Well inside the lease: a renewal that hangs (a partition) ends before the lease could.
        query_timeout: renewTimeoutMs(this.ttlMs),
      } as pg.QueryConfig);
      if (r.rowCount === 1) {
        this.deadline = Math.max(this.deadline, sent + this.ttlMs * LEASE_SAFE_FRACTION);
        this.armWatchdog();
      } else this.fail(new StateWriteError(`the lease of this run on ${this.location} was taken over by another run: this run stopped and sends nothing more`));
    } catch (err) {
      if (Date.now() > this.deadline) this.fail(this.lost(err));
    } finally {
      this.renewing = false;
    }
    if (Date.now() > this.deadline) this.fail(this.expired());
  }
  private renewing = false;

  lookup(key: string): JournalEntry | undefined {
    let rows = this.cache.get(key);
    if (!rows) {
      rows = this.reader.read([key]).map((r) => r.slice(1));
    }
    try {
      return entryOf(rows);
    } catch (err) {
      if (!(err instanceof BadRecord)) throw err;
      throw new StateWriteError(`the state database ${this.location} holds a record of ${key} that cannot be read (${err.message}): the row is not sent and the run stopped`);
    }
  }

  async prefetch(keys: readonly string[]): Promise<void> {
    this.cache = new Map();
    if (keys.length === 0) return;
    let r: pg.QueryArrayResult<unknown[]>;
    try {
      r = await this.client.query({ text: SELECT_KEYS, values: [this.partition, [...new Set(keys)]], rowMode: 'array' });
    } catch (err) {
      const e = this.lost(err);
      this.fail(e);
      throw e;
    }
    for (const k of keys) this.cache.set(k, []);
    for (const row of r.rows) this.cache.get(row[0] as string)!.push(row.slice(1));
  }

  protected async commit(records: Pending[]): Promise<void> {
    if (Date.now() > this.deadline) throw this.expired();
    const cols: unknown[][] = COLUMNS.map(() => []);
    for (const p of records) toRow(p).forEach((v, i) => cols[i]!.push(v));
    let r: pg.QueryResult;
    try {
      r = await this.client.query(INSERT, [this.partition, this.owner, ...cols]);
    } catch (err) {
      throw this.lost(err);
    }
    if (r.rowCount !== records.length) {
      throw new StateWriteError(`the lease of this run on ${this.location} expired or was taken over: the run stopped and sends nothing more; run again`);
    }
  }

  protected commitNow(): void {
    // A second signal cannot wait for the network: what is queued is lost,
    // and those rows (intents durable, outcomes not) are looked up by the next run.
  }

  protected describeFailure(err: unknown): StateWriteError {
    return this.lost(err);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.stopTimers();
    clearInterval(this.renewTimer);
    clearTimeout(this.watchdog);
    this.reader.close();
  }

  /** Release the lease (the next run may start at once) and end the connection. */
  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    clearTimeout(this.watchdog);
    try {
      // After a failure (a partition, a lost lease) the lease is left to expire (on this machine, a rerun takes
      // it over at once, this process being dead); waiting for a database that does not answer would hold the exit.
      if (!this.failure.aborted) {
        await this.client.query({
          text: 'DELETE FROM payops_leases WHERE partition = $1 AND owner = $2',
          values: [this.partition, this.owner],
          query_timeout: renewTimeoutMs(this.ttlMs),
        } as pg.QueryConfig);
      }
    } catch {
      /* lost: the lease expires */
    }
    await this.client.end().catch(() => undefined);
  }
}

async function connect(url: string, where: string, queryTimeoutMs: number): Promise<pg.Client> {
  // Every query of the run's connection ends within query_timeout: a database that stops answering
  // (no error, bytes just stop) fails the store instead of hanging the run.
  const client = new pg.Client({ connectionString: url, application_name: 'payops', connectionTimeoutMillis: 10_000, query_timeout: queryTimeoutMs });
  try {
    await client.connect();
  } catch (err) {
    throw new StateOpenError(`cannot connect to the state database ${where} (${(err as Error).message}): check --state-url / PAYOPS_STATE_URL; nothing was sent`);
  }
  client.on('error', () => undefined); // until the store listens
  return client;
}

async function ensureSchema(client: pg.Client, where: string): Promise<void> {
  try {
    await client.query('SELECT pg_advisory_lock(7061796)');
    try {
      await client.query(SCHEMA);
      await client.query(`INSERT INTO payops_meta (k, v) VALUES ('schema', $1) ON CONFLICT (k) DO NOTHING`, [String(PG_SCHEMA_VERSION)]);
    } finally {
      await client.query('SELECT pg_advisory_unlock(7061796)');
    }
  } catch (err) {
    throw new StateOpenError(`cannot set up the state database ${where} (${(err as Error).message}); nothing was sent`);
  }
  const v = Number((await client.query(`SELECT v FROM payops_meta WHERE k = 'schema'`)).rows[0]?.v);
  if (v > PG_SCHEMA_VERSION) {
    throw new StateOpenError(`the state database ${where} was written by a newer payops (schema ${v}; this one knows ${PG_SCHEMA_VERSION}): upgrade payops to use it. Nothing was sent`);
  }
}

/** The card key, shared by every host of the team (ids of card credits depend on it). */
async function cardKeyOf(client: pg.Client): Promise<Buffer> {
  await client.query(`INSERT INTO payops_meta (k, v) VALUES ('card-key', $1) ON CONFLICT (k) DO NOTHING`, [randomBytes(32).toString('hex')]);
  const hex = String((await client.query(`SELECT v FROM payops_meta WHERE k = 'card-key'`)).rows[0]?.v ?? '');
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new StateOpenError('the card key in the state database is damaged; restore it from a backup (ids of card credits depend on it)');
  return Buffer.from(hex, 'hex');
}

interface LeaseRow {
  owner: string;
  host: string;
  host_id: string;
  pid: number;
  max_request_ms: number;
  started_at: Date;
  expires_at: Date;
  now: Date;
}

/** Claim the partition's lease; returns when this run may send. */
async function claimLease(
  client: pg.Client,
  partition: string,
  owner: string,
  ttlMs: number,
  opts: { breakLock: boolean; requestTimeoutMs: number; where: string },
): Promise<number> {
  const me = { host: hostName(), hostId: hostId(), pid: process.pid };
  for (let attempt = 0; attempt < 3; attempt++) {
    const since = Date.now();
    const prev = (
      await client.query<LeaseRow>('SELECT owner, host, host_id, pid, started_at, expires_at, max_request_ms, now() AS now FROM payops_leases WHERE partition = $1', [partition])
    ).rows[0];
    let waitUntilServer: number | undefined;
    if (prev) {
      const expired = prev.expires_at.getTime() <= prev.now.getTime();
      // The same machine, boot and pid namespace (the host name alone is not: cloned VMs share it).
      const here = prev.host_id === me.hostId;
      const deadHere = here && !holderAlive({ pid: prev.pid, host: prev.host, startedAt: prev.started_at.toISOString() });
      const holder = `pid ${prev.pid} on ${prev.host}, started ${prev.started_at.toISOString()}, lease until ${prev.expires_at.toISOString()}`;
      if (!expired && !deadHere) {
        if (here || !opts.breakLock) {
          throw new AbortError(
            `another payops run holds the state lease of ${partition} in ${opts.where}: ${holder}. ` +
              (here
                ? 'It is running on this host, so it is never taken over; wait for it to finish'
                : 'Wait for it to finish (a crashed run is taken over once its lease expires), or if that host is gone run again with --break-lock'),
          );
        }
      }
      // Its requests may still be in flight until its lease ends plus its own --timeout (the holder's,
      // not ours; not when it died on this machine). A host name differing from ours but a host id that is
      // the same cannot happen but through PAYOPS_HOSTNAME, which is part of the id.
      if (!deadHere) waitUntilServer = Math.max(prev.expires_at.getTime(), prev.now.getTime()) + Math.max(0, Number(prev.max_request_ms) || 0);
      const r = await client.query(
        `INSERT INTO payops_leases AS l (partition, owner, host, host_id, pid, started_at, expires_at, max_request_ms)
         VALUES ($1, $2, $3, $4, $5, now(), now() + $6 * interval '1 millisecond', $7)
         ON CONFLICT (partition) DO UPDATE SET owner = EXCLUDED.owner, host = EXCLUDED.host, host_id = EXCLUDED.host_id, pid = EXCLUDED.pid,
           started_at = EXCLUDED.started_at, expires_at = EXCLUDED.expires_at, max_request_ms = EXCLUDED.max_request_ms
         WHERE l.owner = $8
         RETURNING owner`,
        [partition, owner, me.host, me.hostId, me.pid, ttlMs + (waitUntilServer ? waitUntilServer - prev.now.getTime() : 0), opts.requestTimeoutMs, prev.owner],
      );
      if (r.rowCount !== 1) continue; // another run took it first: look again
      if (waitUntilServer) {
        const waitMs = waitUntilServer - prev.now.getTime();
        process.stderr.write(`payops: taking over the state lease of ${holder}: waiting ${Math.ceil(waitMs / 1000)}s until its requests cannot be in flight\n`);
        await sleep(waitMs);
        return since + waitMs;
      }
      return since;
    }
    const r = await client.query(
      `INSERT INTO payops_leases (partition, owner, host, host_id, pid, started_at, expires_at, max_request_ms)
       VALUES ($1, $2, $3, $4, $5, now(), now() + $6 * interval '1 millisecond', $7)
       ON CONFLICT (partition) DO NOTHING RETURNING owner`,
      [partition, owner, me.host, me.hostId, me.pid, ttlMs, opts.requestTimeoutMs],
    );
    if (r.rowCount === 1) return since;
  }
  throw new AbortError(`could not take the state lease of ${partition} in ${opts.where}: other runs are starting; run again`);
}

export async function openPostgresState(opts: OpenStateOptions & { stateUrl: string; memory: boolean }): Promise<OpenedState> {
  const where = redactUrl(opts.stateUrl);
  if (!/^postgres(ql)?:\/\//.test(opts.stateUrl)) throw new StateOpenError(`--state-url ${where} is not a postgres:// URL`);
  const ttlMs = leaseMs();
  const client = await connect(opts.stateUrl, where, Math.max(10_000, ttlMs));
  try {
    await ensureSchema(client, where);
    const cardKey = await cardKeyOf(client);
    const owner = randomUUID();
    if (!opts.lock) {
      // --dry-run: reads only, no lease.
      const reader = new PgSyncReader(opts.stateUrl, opts.partition, where);
      const store = new ReadOnlyPg(client, reader, where, opts.partition);
      return { store, cardKey, where, release: async () => void (await client.end().catch(() => undefined)) };
    }
    const since = await claimLease(client, opts.partition, owner, ttlMs, { breakLock: opts.breakLock, requestTimeoutMs: opts.requestTimeoutMs ?? 60_000, where });
    const reader = new PgSyncReader(opts.stateUrl, opts.partition, where);
    const pgStore = new PostgresStore(client, reader, where, opts.partition, owner, ttlMs, since);
    const store: StateStore = opts.memory ? new MemoryStore() : pgStore;
    return { store, cardKey, where, release: () => pgStore.release() };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

/** --dry-run against PostgreSQL: lookups only. */
class ReadOnlyPg extends MemoryStore {
  override readonly location: string;
  readonly remote = true;
  private cache = new Map<string, Row[]>();
  constructor(
    private readonly client: pg.Client,
    private readonly reader: PgSyncReader,
    where: string,
    private readonly partition: string,
  ) {
    super();
    this.location = where;
  }
  override lookup(key: string): JournalEntry | undefined {
    const rows = this.cache.get(key) ?? this.reader.read([key]).map((r) => r.slice(1));
    return entryOf(rows);
  }
  override async prefetch(keys: readonly string[]): Promise<void> {
    this.cache = new Map();
    if (!keys.length) return;
    const r = await this.client.query({ text: SELECT_KEYS, values: [this.partition, [...new Set(keys)]], rowMode: 'array' });
    for (const k of keys) this.cache.set(k, []);
    for (const row of r.rows) this.cache.get(row[0] as string)!.push(row.slice(1));
  }
  override async close(): Promise<void> {
    this.reader.close();
  }
}
