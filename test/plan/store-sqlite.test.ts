import { createHmac } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { StateOpenError, StateWriteError } from '../../src/plan/store/errors.js';
import { sqliteExport, sqliteStats } from '../../src/plan/store/admin.js';
import { MOVE_CHUNK } from '../../src/plan/store/sqlite-schema.js';
import { SCHEMA_VERSION, SqliteStore } from '../../src/plan/store/sqlite.js';
import { type IntentRecord, type OutcomeRecord, sameRow } from '../../src/plan/store/types.js';

const P = '8ac7a4a08f1b2c3d4e5f60718293a4b5';
const ENTITY = '8a8294174b7ecb28014b9699220015ca';
const K = 'abcdefghijklmn';

const dirs: string[] = [];
const open: SqliteStore[] = [];
afterEach(async () => {
  for (const j of open.splice(0)) await j.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'payops-store-'));
  dirs.push(d);
  return d;
}

/** A run's store: it holds the partition's lock (`sharedReads`), as every run but a dry run. */
function openStore(d: string, opts: { sharedReads?: boolean } = {}): SqliteStore {
  const s = SqliteStore.open({ file: join(d, 'state.db'), legacyJournal: join(d, 'journal.jsonl'), sharedReads: opts.sharedReads ?? true });
  open.push(s);
  return s;
}

async function closeStore(s: SqliteStore): Promise<void> {
  open.splice(open.indexOf(s), 1);
  await s.close();
}

const intent = (key: string, gen: number, over: Partial<IntentRecord> = {}): Omit<IntentRecord, 'k'> => ({
  key,
  gen,
  id: key.length === 14 ? key + gen.toString(36).padStart(2, '0') : key,
  type: 'RF',
  ref: P,
  amount: '10.00',
  currency: 'EUR',
  entity: ENTITY,
  at: '2026-11-23T10:00:00.000Z',
  src: 'refunds.csv',
  line: 2,
  ...over,
});

const outcome = (key: string, id: string, s: string, over: Partial<OutcomeRecord> = {}): Omit<OutcomeRecord, 'k'> => ({
  key,
  id,
  s,
  sent: true,
  c: '000.100.110',
  d: 'Request successfully processed',
  n: '8ac7a4a18f1b2c3d4e5f60718293a4b6',
  at: '2026-11-23T10:00:01.000Z',
  src: 'refunds.csv',
  line: 2,
  ...over,
});

type Rec = Omit<IntentRecord, 'k'> | Omit<OutcomeRecord, 'k'>;

/** Record as an earlier run would have, then close. */
async function earlierRun(d: string, records: Rec[]): Promise<void> {
  const s = openStore(d);
  for (const r of records) {
    if ('gen' in r) await s.intent(r);
    else s.outcome(r);
  }
  await closeStore(s);
}

/** Rows of the database as another process sees them (committed): indexed, then those a run has not moved out of `fresh` yet. */
function committed(d: string): Array<{ k: string; key: string }> {
  const db = new Database(join(d, 'state.db'), { readonly: true });
  try {
    return db.prepare('SELECT k, key FROM (SELECT 0 AS part, seq, k, key FROM records UNION ALL SELECT 1, seq, k, key FROM fresh) ORDER BY part, seq').all() as Array<{ k: string; key: string }>;
  } finally {
    db.close();
  }
}

describe('SqliteStore: intent then outcome survive a reopen', () => {
  it('a new store is one database file, owner-only directory left as it is, empty', () => {
    const d = dir();
    const s = openStore(d);
    expect(existsSync(join(d, 'state.db'))).toBe(true);
    expect(s.lookup(K)).toBeUndefined();
  });

  it('an intent is committed when intent() resolves, before any request: another process sees it', async () => {
    const d = dir();
    const s = openStore(d);
    await s.intent(intent(K, 0));
    expect(committed(d)).toEqual([{ k: 'i', key: K }]);
  });

  it("lookups share a read transaction, which never holds back a write: after lookups, an intent is committed when intent() resolves, and closeNow()'s too", async () => {
    const d = dir();
    await earlierRun(d, [intent('earlier-key-1', 0), outcome('earlier-key-1', 'earlier-key-1', 'succeeded')]);
    const s = openStore(d);
    expect(s.lookup('earlier-key-1')?.outcome?.s).toBe('succeeded');
    expect(s.lookup(K)).toBeUndefined();
    await s.intent(intent(K, 0));
    expect(committed(d).filter((r) => r.key === K)).toEqual([{ k: 'i', key: K }]);
    // Lookups again (a new read transaction), then a second signal: its synchronous commit is seen too.
    expect(s.lookup('abcdefghijklmo')).toBeUndefined();
    // (Its promise is left pending: after a second signal the process exits.)
    void s.intent(intent('abcdefghijklmo', 0));
    s.closeNow();
    expect(committed(d).filter((r) => r.key === 'abcdefghijklmo')).toEqual([{ k: 'i', key: 'abcdefghijklmo' }]);
  });

  it('a dry run (no lock) holds no read transaction between lookups: a live run\'s write is seen at the next lookup', async () => {
    const d = dir();
    const reader = openStore(d, { sharedReads: false });
    expect(reader.lookup('other-key-0')).toBeUndefined();
    await earlierRun(d, [intent(K, 0)]);
    expect(reader.lookup(K)?.intent?.id).toBe(`${K}00`);
  });

  it('a run\'s read transaction takes at most 256 lookups', async () => {
    const d = dir();
    const reader = openStore(d);
    expect(reader.lookup('other-key-0')).toBeUndefined(); // its read transaction begins
    await earlierRun(d, [intent(K, 0)]); // another process writes meanwhile
    expect(reader.lookup(K)).toBeUndefined(); // the same snapshot
    for (let i = 1; i <= 256; i++) reader.lookup(`other-key-${i}`);
    expect(reader.lookup(K)?.intent?.id).toBe(`${K}00`);
  });

  it('intent and outcome are read back after reopening', async () => {
    const d = dir();
    await earlierRun(d, [intent(K, 0), outcome(K, `${K}00`, 'succeeded')]);
    const s = openStore(d);
    expect(s.lookup(K)).toEqual({ intent: { k: 'i', ...intent(K, 0) }, outcome: { k: 'o', ...outcome(K, `${K}00`, 'succeeded') } });
    expect(s.lookup('abcdefghijklmo')).toBeUndefined();
  });

  it('many keys, each found with its own records', async () => {
    const d = dir();
    const recs: Rec[] = [];
    for (let i = 0; i < 300; i++) {
      const key = `own-id-${i}`;
      recs.push(intent(key, 0, { line: i + 2, amount: `${i}.00` }));
      if (i % 3) recs.push(outcome(key, key, i % 3 === 1 ? 'succeeded' : 'rejected', { line: i + 2 }));
    }
    await earlierRun(d, recs);
    const s = openStore(d);
    for (let i = 0; i < 300; i++) {
      const e = s.lookup(`own-id-${i}`)!;
      expect(e.intent?.amount).toBe(`${i}.00`);
      expect(e.outcome?.s).toBe(i % 3 === 0 ? undefined : i % 3 === 1 ? 'succeeded' : 'rejected');
    }
  });

  it('long multi-byte text is kept whole', async () => {
    const d = dir();
    const desc = 'Transaktion abgelehnt – Überprüfung nötig € '.repeat(120);
    await earlierRun(d, [intent(K, 0, { src: 'rückerstattung.csv' }), outcome(K, `${K}00`, 'rejected', { d: desc })]);
    const s = openStore(d);
    expect(s.lookup(K)?.outcome?.d).toBe(desc);
    expect(s.lookup(K)?.intent?.src).toBe('rückerstattung.csv');
  });
});

describe('SqliteStore.lookup: the latest intent, and only its own outcome', () => {
  it('a later intent (next generation) replaces the earlier one and hides its outcome', async () => {
    const d = dir();
    await earlierRun(d, [intent(K, 0), outcome(K, `${K}00`, 'rejected', { c: '700.400.200' }), intent(K, 1)]);
    const e = openStore(d).lookup(K)!;
    expect(e.intent).toMatchObject({ gen: 1, id: `${K}01` });
    expect(e.outcome).toBeUndefined();
  });

  it('the outcome of the latest intent is returned once written', async () => {
    const d = dir();
    await earlierRun(d, [intent(K, 0), outcome(K, `${K}00`, 'rejected'), intent(K, 1), outcome(K, `${K}01`, 'succeeded')]);
    expect(openStore(d).lookup(K)).toMatchObject({ intent: { gen: 1 }, outcome: { id: `${K}01`, s: 'succeeded' } });
  });

  it("a late outcome of an earlier generation is not taken for the latest intent's", async () => {
    const d = dir();
    await earlierRun(d, [intent(K, 0), intent(K, 1), outcome(K, `${K}00`, 'succeeded')]);
    const e = openStore(d).lookup(K)!;
    expect(e.intent?.id).toBe(`${K}01`);
    expect(e.outcome).toBeUndefined();
  });

  it('an outcome written before its intent (out of order) is not adopted', async () => {
    const d = dir();
    await earlierRun(d, [outcome(K, `${K}00`, 'succeeded'), intent(K, 0)]);
    expect(openStore(d).lookup(K)).toEqual({ intent: { k: 'i', ...intent(K, 0) } });
  });
});

describe('SqliteStore: writing', () => {
  it('outcomes are written with the next group; flush() commits everything', async () => {
    const d = dir();
    const s = openStore(d);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.intent(intent(`key-${i}`, 0))));
    for (let i = 0; i < 50; i++) s.outcome(outcome(`key-${i}`, `key-${i}`, 'succeeded'));
    await s.flush();
    const rows = committed(d);
    expect(rows.filter((r) => r.k === 'i')).toHaveLength(50);
    expect(rows.filter((r) => r.k === 'o')).toHaveLength(50);
  });

  it('the intents recorded in one task share one commit and one promise', async () => {
    const d = dir();
    const s = openStore(d);
    const a = s.intent(intent('key-a', 0));
    const b = s.intent(intent('key-b', 0));
    expect(a).toBe(b);
    await a;
    expect(committed(d)).toHaveLength(2);
  });

  it("a result description that is the code's own is not stored and comes back on lookup; an empty one stays empty", async () => {
    const d = dir();
    const own = "Request successfully processed in 'Merchant in Integrator Test Mode'";
    await earlierRun(d, [
      intent(K, 0),
      outcome(K, `${K}00`, 'succeeded', { d: own }),
      intent('abcdefghijklmo', 0),
      outcome('abcdefghijklmo', 'abcdefghijklmo00', 'succeeded', { d: '' }),
    ]);
    const db = new Database(join(d, 'state.db'), { readonly: true });
    expect(db.prepare("SELECT d FROM records WHERE k = 'o' ORDER BY seq").all()).toEqual([{ d: null }, { d: '' }]);
    db.close();
    const s = openStore(d);
    expect(s.lookup(K)?.outcome?.d).toBe(own);
    expect(s.lookup('abcdefghijklmo')?.outcome?.d).toBe('');
  });

  it('closeNow() commits what is queued synchronously (second signal)', async () => {
    const d = dir();
    const s = openStore(d);
    await s.intent(intent(K, 0));
    s.outcome(outcome(K, `${K}00`, 'succeeded'));
    s.closeNow();
    expect(committed(d).map((r) => r.k)).toEqual(['i', 'o']);
  });

  it('holds no card number: a card credit is recorded under its keyed hash', async () => {
    const d = dir();
    const card = '4532015112830366';
    const cardRef = 'card:' + createHmac('sha256', Buffer.alloc(32, 1)).update(card).digest('hex');
    await earlierRun(d, [intent('cardcreditbase', 0, { type: 'CD', ref: cardRef, amount: '25.00' }), outcome('cardcreditbase', 'cardcreditbase00', 'succeeded')]);
    for (const f of readdirSync(d)) {
      const bytes = readFileSync(join(d, f)).toString('latin1');
      expect(bytes).not.toContain(card);
      expect(bytes).not.toContain(card.slice(-8));
    }
    expect(openStore(d).lookup('cardcreditbase')?.intent?.ref).toBe(cardRef);
  });
});

describe('SqliteStore: a JSONL journal of an earlier payops', () => {
  const jsonl = (recs: Array<Record<string, unknown>>) => recs.map((r) => JSON.stringify(r)).join('\n') + '\n';

  it('is imported on first open, every record, and kept beside the database renamed', async () => {
    const d = dir();
    writeFileSync(
      join(d, 'journal.jsonl'),
      jsonl([
        { k: 'i', ...intent(K, 0) },
        { k: 'o', ...outcome(K, `${K}00`, 'rejected', { c: '700.400.200' }) },
        { k: 'i', ...intent(K, 1) },
        { k: 'o', ...outcome(K, `${K}01`, 'succeeded'), d: undefined },
        { k: 'i', ...intent('own-id-1', 0) },
      ]),
    );
    const s = openStore(d);
    expect(s.imported).toBe(5);
    expect(existsSync(join(d, 'journal.jsonl'))).toBe(false);
    const backups = readdirSync(d).filter((f) => f.startsWith('journal.jsonl.imported-'));
    expect(backups).toHaveLength(1);
    expect(s.lookup(K)).toMatchObject({ intent: { gen: 1 }, outcome: { s: 'succeeded', d: expect.stringMatching(/^Request successfully processed/) } });
    expect(s.lookup('own-id-1')).toEqual({ intent: { k: 'i', ...intent('own-id-1', 0) } });
    await closeStore(s);
    // Not imported twice.
    expect(openStore(d).imported).toBe(0);
  });

  it('a torn last line (no newline) is ignored', () => {
    const d = dir();
    writeFileSync(join(d, 'journal.jsonl'), jsonl([{ k: 'i', ...intent(K, 0) }]));
    appendFileSync(join(d, 'journal.jsonl'), JSON.stringify({ k: 'i', ...intent('tornkeytornkey', 0) }).slice(0, 57));
    const s = openStore(d);
    expect(s.imported).toBe(1);
    expect(s.lookup('tornkeytornkey')).toBeUndefined();
  });

  it.each([
    ['a zeroed line', '\u0000'.repeat(180)],
    ['a complete line that is not JSON', '{"k":"o","key":"abcdefghijklmn"'],
    ['a record of an unknown kind', '{"k":"x","key":"abcdefghijklmn","id":"abcdefghijklmn00"}'],
    ['a record without its fields', '{"k":"i","key":"abcdefghijklmn","id":"abcdefghijklmn00"}'],
    ['a record in a newer format', '{"v":2,"rec":{"k":"i","key":"abcdefghijklmn"}}'],
  ])('%s stops the open naming the file and line, imports nothing, and keeps the journal', (_name, bad) => {
    const d = dir();
    const path = join(d, 'journal.jsonl');
    const text = jsonl([{ k: 'i', ...intent('aaaaaaaaaaaaaa', 0) }]) + bad + '\n' + jsonl([{ k: 'o', ...outcome(K, `${K}00`, 'succeeded') }]);
    writeFileSync(path, text);
    let err: unknown;
    try {
      openStore(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateOpenError);
    expect(err).toBeInstanceOf(UsageError); // exit 2: nothing sent
    expect((err as Error).message).toContain(`${path} line 2 cannot be read`);
    expect(readFileSync(path, 'utf8')).toBe(text);
    const db = new Database(join(d, 'state.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) n FROM records').get()).toEqual({ n: 0 });
    db.close();
  });
});

/** How many records each table holds, as another process sees it. */
function tables(d: string): { records: number; fresh: number } {
  const db = new Database(join(d, 'state.db'), { readonly: true });
  try {
    const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { records: n('records'), fresh: n('fresh') };
  } finally {
    db.close();
  }
}

const key = (i: number) => `k${i.toString(36).padStart(13, '0')}`;

describe('SqliteStore: a run appends to fresh, and its records reach the key index', () => {
  it('a run that closes leaves every record indexed, in commit order per key', async () => {
    const d = dir();
    await earlierRun(d, [intent(K, 0), outcome(K, `${K}00`, 'rejected'), intent(K, 1), outcome(K, `${K}01`, 'succeeded')]);
    expect(tables(d)).toEqual({ records: 4, fresh: 0 });
    const s = openStore(d);
    expect(s.lookup(K)).toMatchObject({ intent: { id: `${K}01`, gen: 1 }, outcome: { id: `${K}01`, s: 'succeeded' } });
  });

  it('while a run goes on, chunks of its records move into the index (not all wait for the close)', async () => {
    const d = dir();
    const s = openStore(d);
    const rows = Math.ceil(MOVE_CHUNK / 2) + 100;
    for (let i = 0; i < rows; i++) {
      const p = s.intent(intent(key(i), 0, { id: `${key(i)}00` }));
      s.outcome(outcome(key(i), `${key(i)}00`, 'succeeded'));
      if (i % 64 === 63) await p;
    }
    await s.flush();
    await new Promise((r) => setImmediate(r));
    const t = tables(d);
    expect(t.records).toBeGreaterThanOrEqual(MOVE_CHUNK);
    expect(t.records + t.fresh).toBe(rows * 2);
    // A checkpoint followed the move: the database file alone, without its WAL, holds the moved records.
    const copy = dir();
    copyFileSync(join(d, 'state.db'), join(copy, 'state.db'));
    expect(tables(copy).records).toBeGreaterThanOrEqual(MOVE_CHUNK);
    await closeStore(s);
    expect(tables(d)).toEqual({ records: rows * 2, fresh: 0 });
    const again = openStore(d);
    expect(again.lookup(key(rows - 1))).toMatchObject({ intent: { id: `${key(rows - 1)}00` }, outcome: { s: 'succeeded' } });
    expect(again.lookup(key(0))).toMatchObject({ outcome: { s: 'succeeded' } });
  });

  it('what a run that died left in fresh is read by stats and export, and indexed by the next open before anything is planned', async () => {
    const d = dir();
    await earlierRun(d, [intent(K, 0), outcome(K, `${K}00`, 'succeeded')]);
    const s = openStore(d);
    await s.intent(intent('dieddiedddied1', 0, { id: 'dieddiedddied100' }));
    s.outcome(outcome('dieddiedddied1', 'dieddiedddied100', 'unknown'));
    s.closeNow(); // the second signal: committed, never closed (as after kill -9)
    open.splice(open.indexOf(s), 1);
    expect(tables(d)).toEqual({ records: 2, fresh: 2 });
    const file = join(d, 'state.db');
    const ro = SqliteStore.open({ file, readOnly: true });
    expect(ro.lookup('dieddiedddied1')).toMatchObject({ intent: { id: 'dieddiedddied100' }, outcome: { s: 'unknown' } });
    ro.db.close();
    expect(sqliteStats(file).rows).toBe(2);
    const exported: string[] = [];
    expect(sqliteExport(file, 'p', (r) => exported.push(String(r.key)))).toBe(4);
    expect(exported).toEqual([K, K, 'dieddiedddied1', 'dieddiedddied1']);
    s.db.close();
    const next = openStore(d);
    expect(tables(d)).toEqual({ records: 4, fresh: 0 });
    expect(next.lookup('dieddiedddied1')).toMatchObject({ intent: { id: 'dieddiedddied100' }, outcome: { s: 'unknown' } });
  });

  it('a schema-1 database (before fresh) is upgraded on open and keeps its history', async () => {
    const d = dir();
    await earlierRun(d, [intent(K, 0), outcome(K, `${K}00`, 'succeeded')]);
    const db = new Database(join(d, 'state.db'));
    db.exec('DROP TABLE fresh');
    db.pragma('user_version = 1');
    db.close();
    const ro = SqliteStore.open({ file: join(d, 'state.db'), readOnly: true });
    expect(ro.lookup(K)).toMatchObject({ outcome: { s: 'succeeded' } });
    ro.db.close();
    const s = openStore(d);
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(s.lookup(K)).toMatchObject({ outcome: { s: 'succeeded' } });
    await s.intent(intent('secondsecondse', 0, { id: 'secondsecondse00' }));
    await closeStore(s);
    expect(tables(d)).toEqual({ records: 3, fresh: 0 });
  });

  it('after a close the WAL is copied into the database and removed', async () => {
    const d = dir();
    const s = openStore(d);
    for (let i = 0; i < 3000; i++) {
      void s.intent(intent(key(i), 0, { id: `${key(i)}00` }));
      s.outcome(outcome(key(i), `${key(i)}00`, 'succeeded'));
    }
    await s.flush();
    await closeStore(s);
    expect(existsSync(join(d, 'state.db-wal'))).toBe(false);
    expect(tables(d)).toEqual({ records: 6000, fresh: 0 });
  });
});

describe('SqliteStore: bad state gets a clear message', () => {
  it('a database written by a newer payops is refused, naming the file', () => {
    const d = dir();
    const s = openStore(d);
    s.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    void closeStore(s);
    expect(() => openStore(d)).toThrow(`the state database ${join(d, 'state.db')} was written by a newer payops`);
  });

  it('a file that is not a payops database is refused, naming it', () => {
    const d = dir();
    writeFileSync(join(d, 'state.db'), 'not a database at all, just text '.repeat(200));
    expect(() => openStore(d)).toThrow(StateOpenError);
    expect(() => openStore(d)).toThrow(join(d, 'state.db'));
  });

  it('a record this version does not know stops the lookup of that row (it is never sent)', async () => {
    const d = dir();
    await earlierRun(d, [intent(K, 0), outcome(K, `${K}00`, 'succeeded')]);
    const db = new Database(join(d, 'state.db'));
    db.prepare("UPDATE records SET k = 'z' WHERE k = 'i'").run();
    db.prepare("UPDATE records SET s = 'teleported' WHERE k = 'o'").run();
    db.close();
    const s = openStore(d);
    expect(() => s.lookup(K)).toThrow(StateWriteError);
    expect(() => s.lookup(K)).toThrow(`the state database ${join(d, 'state.db')} holds a record of ${K} that cannot be read`);
    expect(s.lookup('otherkeyotherk')).toBeUndefined();
  });
});

describe('sameRow', () => {
  const a = { id: 'x', type: 'RF', ref: P, amount: '10.00', currency: 'EUR', entity: ENTITY };
  it('matches when type, reference, amount, currency and entity all match (the id aside)', () => {
    expect(sameRow(a, { ...a, id: 'y' })).toBe(true);
  });
  it.each([
    ['type', { type: 'CP' }],
    ['ref', { ref: '8ac7a4a08f1b2c3d4e5f60718293a4b6' }],
    ['amount', { amount: '10.01' }],
    ['currency', { currency: 'USD' }],
    ['entity', { entity: '8a8294174b7ecb28014b9699220015cb' }],
  ])('differs when the %s differs', (_n, over) => {
    expect(sameRow(a, { ...a, ...over })).toBe(false);
  });
});
