/**
 * The journal: an append-only file of JSON lines per state partition. Each
 * row's intent is made durable before its request is sent (fsyncs grouped:
 * every intent waiting when a sync starts rides on it), and its outcome is
 * appended after. A torn last record is ignored and cut off.
 *
 * It holds no card number (a card credit's reference is a keyed hash) and no
 * token. Records are found through a 64-bit hash index of byte offsets, so a
 * million-row journal does not have to live in memory.
 */
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, ftruncateSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { describeResultCode } from '../gateway/result-codes.js';
import { HashIndex } from './hash-index.js';

/** What a row is, for matching: an id belongs to a row only if all of this matches (SPEC §4). */
export interface RowIdentity {
  /** Merchant transaction id sent. */
  id: string;
  /** paymentType. */
  type: string;
  /** Referenced payment id, registration id, or `card:<keyed hash>`. */
  ref: string;
  amount: string;
  currency: string;
  entity: string;
}

export interface IntentRecord extends RowIdentity {
  k: 'i';
  /** Key the record is indexed under: the 14-char base of a derived id, or the verbatim id. */
  key: string;
  gen: number;
  at: string;
  src: string;
  line: number;
}

export interface OutcomeRecord {
  k: 'o';
  key: string;
  id: string;
  /** succeeded | review | pending | rejected | unknown | failed */
  s: string;
  /** false when the request certainly never reached the gateway. */
  sent: boolean;
  c?: string;
  d?: string;
  n?: string;
  note?: string;
  at: string;
  src: string;
  line: number;
}

export type JournalRecord = IntentRecord | OutcomeRecord;

export interface JournalEntry {
  intent?: IntentRecord;
  outcome?: OutcomeRecord;
}

/**
 * `PAYOPS_JOURNAL=memory` keeps the journal in memory without writing or
 * syncing it. It exists only so `npm run bench` can measure what durability
 * costs; a run with it keeps none of the exactly-once promise across runs.
 */
const MEMORY_ONLY = process.env.PAYOPS_JOURNAL === 'memory';

/**
 * Outcomes that nobody waits for are written once this many are queued, or
 * after this delay, or with the next intent: a write each cost about 3 µs
 * per row. A crash loses at most the delay's outcomes, and their rows are
 * then looked up (never sent again) by the next run.
 */
const OUTCOME_BATCH = 64;
const OUTCOME_DELAY_MS = 20;

function keyHash(key: string): [number, number] {
  const d = createHash('sha256').update(key).digest();
  return [d.readUInt32BE(0), d.readUInt32BE(4)];
}

export class Journal {
  private readonly index = new HashIndex();
  private queue: string[] = [];
  /** The group whose write has started and not finished. */
  private inFlight: string[] = [];
  /** Settles when the intents queued so far are on disk: one promise for a whole group. */
  private groupDurable: Deferred | undefined;
  private syncing: Promise<void> | undefined;
  /** A kick is queued for the end of the current task. */
  private kickQueued = false;
  /** Outcomes alone wait for this timer (see `kick`). */
  private outcomeTimer: NodeJS.Timeout | undefined;
  private handle: FileHandle | undefined;
  private readFd: number;
  private failed: unknown;

  private constructor(
    readonly path: string,
    readFd: number,
    /** Records read at open (for tests and --dry-run). */
    readonly recordsAtOpen: number,
  ) {
    this.readFd = readFd;
  }

  /** Open (or create) a journal, index it, and cut off a torn last record. */
  static async open(path: string): Promise<Journal> {
    const fd = openSync(path, 'a+', 0o600);
    const total = fstatSync(fd).size;
    const index: Array<[string, number, 'i' | 'o']> = [];
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let offset = 0;
    let goodEnd = 0; // end of the last complete line
    let count = 0;
    while (offset < total) {
      const n = readSync(fd, chunk, 0, chunk.length, offset);
      if (n <= 0) break;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      const bufStart = offset - carry.length;
      offset += n;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        const rec = parseRecord(buf.toString('utf8', start, nl));
        // A complete line that does not parse cannot come from a torn append
        // (those are cut off below); it is skipped rather than trusted.
        if (rec) {
          index.push([rec.key, bufStart + start, rec.k]);
          count++;
        }
        start = nl + 1;
        goodEnd = bufStart + start;
      }
      carry = Buffer.from(buf.subarray(start));
    }
    // Bytes after the last newline are a torn last record: cut them off so
    // the next append starts on a clean line.
    if (goodEnd < total) ftruncateSync(fd, goodEnd);
    const j = new Journal(path, fd, count);
    for (const [key, off, k] of index) {
      const [hi, lo] = keyHash(key);
      if (k === 'i') j.index.set(hi, lo, off, -2);
      else j.index.set(hi, lo, undefined, off);
    }
    j.handle = await open(path, 'a', 0o600);
    return j;
  }

  /**
   * The latest intent and outcome recorded under a key by earlier runs. A
   * run looks each of its keys up once, before its first intent, and no two
   * rows of a run share a key (derived ids differ by occurrence, a repeated
   * own id is refused), so records appended by this run are not indexed:
   * a first run of a million rows keeps no index at all.
   */
  lookup(key: string): JournalEntry | undefined {
    if (this.index.size === 0) return undefined; // a first run: nothing to hash or read
    const [hi, lo] = keyHash(key);
    const v = this.index.get(hi, lo);
    if (!v) return undefined;
    const entry: JournalEntry = {};
    if (v[0] >= 0) entry.intent = this.readAt(v[0]) as IntentRecord | undefined;
    if (v[1] >= 0) {
      const o = this.readAt(v[1]) as OutcomeRecord | undefined;
      // A description left out because it is the code's own (see `outcome`).
      if (o && o.d === undefined && o.c !== undefined) o.d = describeResultCode(o.c);
      // An outcome belongs to the latest intent only if it is for the same id and later.
      if (o && (!entry.intent || (o.id === entry.intent.id && v[1] > v[0]))) entry.outcome = o;
    }
    return entry;
  }

  /**
   * Record an intent; resolves once it is on disk. Every intent recorded
   * before a sync starts gets the same promise: the group is durable at once.
   */
  intent(rec: Omit<IntentRecord, 'k'>): Promise<void> {
    this.queue.push(
      JSON.stringify({
        k: 'i', key: rec.key, gen: rec.gen, id: rec.id, type: rec.type, ref: rec.ref, amount: rec.amount,
        currency: rec.currency, entity: rec.entity, at: rec.at, src: rec.src, line: rec.line,
      }) + '\n',
    );
    const group = (this.groupDurable ??= deferred());
    this.kickSoon();
    return group.promise;
  }

  /**
   * Record an outcome; written with the next group, not waited for. A result
   * description that is the code's own description is left out (it is most
   * of an outcome's bytes) and put back by `lookup`.
   */
  outcome(rec: Omit<OutcomeRecord, 'k'>): void {
    const d = rec.d !== undefined && rec.c !== undefined && rec.d === describeResultCode(rec.c) ? undefined : rec.d;
    this.queue.push(
      JSON.stringify({
        k: 'o', key: rec.key, id: rec.id, s: rec.s, sent: rec.sent, c: rec.c, d, n: rec.n, note: rec.note,
        at: rec.at, src: rec.src, line: rec.line,
      }) + '\n',
    );
    this.kickSoon();
  }

  /** Write and sync everything appended so far. */
  async flush(): Promise<void> {
    while (this.queue.length || this.syncing) {
      this.kick(true);
      await this.syncing;
    }
    if (this.failed) throw this.failed;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
    closeSync(this.readFd);
  }

  /** Second signal: write what is queued synchronously, without waiting for anything. */
  closeNow(): void {
    // Records of the group being written may not have reached the file yet:
    // write them again (a repeated record means the same as one).
    const lines = [...this.inFlight, ...this.queue];
    if (lines.length) {
      try {
        const fd = openSync(this.path, 'a');
        writeSync(fd, lines.join(''));
        fdatasyncSync(fd);
        closeSync(fd);
      } catch {
        /* nothing more can be done; a torn record is ignored at next open */
      }
      this.queue = [];
    }
  }

  /**
   * Start the next write once the current task is done, so that every record
   * appended by it (rows planned in one go) goes into one write and one sync.
   */
  private kickSoon(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    queueMicrotask(() => {
      this.kickQueued = false;
      this.kick();
    });
  }

  /**
   * Start writing what is queued, unless a write is under way. Outcomes alone
   * (nobody waits for them) wait up to OUTCOME_DELAY_MS for more records or
   * an intent, so they do not cost a write each; `force` writes at once.
   */
  private kick(force = false): void {
    if (this.syncing || this.queue.length === 0) return;
    if (!force && !this.groupDurable && this.queue.length < OUTCOME_BATCH) {
      this.outcomeTimer ??= setTimeout(() => {
        this.outcomeTimer = undefined;
        this.kick(true);
      }, OUTCOME_DELAY_MS).unref();
      return;
    }
    if (this.outcomeTimer) {
      clearTimeout(this.outcomeTimer);
      this.outcomeTimer = undefined;
    }
    this.syncing = this.syncGroup().finally(() => {
      this.syncing = undefined;
      if (this.queue.length) this.kick();
    });
  }

  private async syncGroup(): Promise<void> {
    const lines = this.queue;
    const group = this.groupDurable;
    this.queue = [];
    this.groupDurable = undefined;
    if (MEMORY_ONLY) {
      // Benchmark baseline only: keep nothing, write and sync nothing.
      group?.resolve();
      return;
    }
    this.inFlight = lines;
    try {
      if (!this.handle) throw new Error('journal is closed');
      await this.handle.write(lines.join(''));
      if (group) await this.handle.datasync();
      this.inFlight = [];
      group?.resolve();
    } catch (err) {
      this.failed = err;
      group?.reject(err);
    }
  }

  private readAt(offset: number): JournalRecord | undefined {
    let buf = Buffer.alloc(512);
    for (;;) {
      const n = readSync(this.readFd, buf, 0, buf.length, offset);
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) return parseRecord(buf.toString('utf8', 0, nl));
      if (n < buf.length) return parseRecord(buf.toString('utf8', 0, n));
      buf = Buffer.alloc(buf.length * 4);
    }
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

function parseRecord(line: string): JournalRecord | undefined {
  if (!line) return undefined;
  try {
    const rec = JSON.parse(line) as JournalRecord;
    if ((rec.k === 'i' || rec.k === 'o') && typeof rec.key === 'string' && typeof rec.id === 'string') return rec;
  } catch {
    /* torn */
  }
  return undefined;
}

/** Whether a journal record (or gateway transaction) is this row's: every field matches. */
export function sameRow(a: RowIdentity, b: RowIdentity): boolean {
  return a.type === b.type && a.ref === b.ref && a.amount === b.amount && a.currency === b.currency && a.entity === b.entity;
}
