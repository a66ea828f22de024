import { createHmac } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type IntentRecord, Journal, type OutcomeRecord, sameRow } from '../../src/plan/journal.js';

const P = '8ac7a4a08f1b2c3d4e5f60718293a4b5';
const ENTITY = '8a8294174b7ecb28014b9699220015ca';

const dirs: string[] = [];
const open: Journal[] = [];
afterEach(async () => {
  for (const j of open.splice(0)) await j.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function journalPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'payops-journal-'));
  dirs.push(d);
  return join(d, 'journal.jsonl');
}

async function openJournal(path: string): Promise<Journal> {
  const j = await Journal.open(path);
  open.push(j);
  return j;
}

async function closeJournal(j: Journal): Promise<void> {
  open.splice(open.indexOf(j), 1);
  await j.close();
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

/** Write records as an earlier run would have, then reopen to read them. */
async function earlierRun(path: string, records: Array<Omit<IntentRecord, 'k'> | Omit<OutcomeRecord, 'k'>>): Promise<void> {
  const j = await openJournal(path);
  for (const r of records) {
    if ('gen' in r) await j.intent(r);
    else j.outcome(r);
  }
  await closeJournal(j);
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n');

describe('Journal: intent then outcome survive a reopen', () => {
  it('a new journal is created empty, owner-only', async () => {
    const path = journalPath();
    const j = await openJournal(path);
    expect(j.recordsAtOpen).toBe(0);
    expect(statSync(path).size).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(j.lookup('abcdefghijklmn')).toBeUndefined();
  });

  it('an intent is on disk when intent() resolves, before any request', async () => {
    const path = journalPath();
    const j = await openJournal(path);
    await j.intent(intent('abcdefghijklmn', 0));
    const recs = lines(path).filter(Boolean).map((l) => JSON.parse(l));
    expect(recs).toEqual([{ k: 'i', ...intent('abcdefghijklmn', 0) }]);
  });

  it('intent and outcome are read back after reopening', async () => {
    const path = journalPath();
    await earlierRun(path, [intent('abcdefghijklmn', 0), outcome('abcdefghijklmn', 'abcdefghijklmn00', 'succeeded')]);
    const j = await openJournal(path);
    expect(j.recordsAtOpen).toBe(2);
    expect(j.lookup('abcdefghijklmn')).toEqual({
      intent: { k: 'i', ...intent('abcdefghijklmn', 0) },
      outcome: { k: 'o', ...outcome('abcdefghijklmn', 'abcdefghijklmn00', 'succeeded') },
    });
    expect(j.lookup('abcdefghijklmo')).toBeUndefined();
  });

  it('many keys, each found with its own records', async () => {
    const path = journalPath();
    const recs: Array<Omit<IntentRecord, 'k'> | Omit<OutcomeRecord, 'k'>> = [];
    for (let i = 0; i < 300; i++) {
      const key = `own-id-${i}`;
      recs.push(intent(key, 0, { line: i + 2, amount: `${i}.00` }));
      if (i % 3) recs.push(outcome(key, key, i % 3 === 1 ? 'succeeded' : 'rejected', { line: i + 2 }));
    }
    await earlierRun(path, recs);
    const j = await openJournal(path);
    expect(j.recordsAtOpen).toBe(300 + 200);
    for (let i = 0; i < 300; i++) {
      const e = j.lookup(`own-id-${i}`)!;
      expect(e.intent?.amount).toBe(`${i}.00`);
      expect(e.outcome?.s).toBe(i % 3 === 0 ? undefined : i % 3 === 1 ? 'succeeded' : 'rejected');
    }
  });

  it('records longer than a read buffer (a long description, multi-byte text) are read whole', async () => {
    const path = journalPath();
    const d = 'Transaktion abgelehnt – Überprüfung nötig € '.repeat(120);
    await earlierRun(path, [intent('abcdefghijklmn', 0), outcome('abcdefghijklmn', 'abcdefghijklmn00', 'rejected', { d })]);
    const j = await openJournal(path);
    expect(j.lookup('abcdefghijklmn')?.outcome?.d).toBe(d);
  });

  it('a journal of more than one read chunk (1 MiB) is indexed across the chunk boundaries', async () => {
    const path = journalPath();
    const body: string[] = [];
    for (let i = 0; i < 6000; i++) {
      body.push(JSON.stringify({ k: 'i', ...intent(`key-${i}`, 0, { src: 'ä'.repeat(i % 97), line: i }) }));
      body.push(JSON.stringify({ k: 'o', ...outcome(`key-${i}`, `key-${i}`, 'succeeded', { line: i }) }));
    }
    writeFileSync(path, body.join('\n') + '\n');
    expect(statSync(path).size).toBeGreaterThan(2 * 1024 * 1024);
    const j = await openJournal(path);
    expect(j.recordsAtOpen).toBe(12000);
    for (let i = 0; i < 6000; i++) {
      const e = j.lookup(`key-${i}`);
      expect(e?.intent?.line).toBe(i);
      expect(e?.intent?.src).toBe('ä'.repeat(i % 97));
      expect(e?.outcome?.line).toBe(i);
    }
  });
});

describe('Journal: torn and damaged records', () => {
  it('a torn last line (partial JSON, no newline) is cut off and appends continue on a clean line', async () => {
    const path = journalPath();
    await earlierRun(path, [intent('abcdefghijklmn', 0), outcome('abcdefghijklmn', 'abcdefghijklmn00', 'succeeded')]);
    const good = readFileSync(path);
    appendFileSync(path, JSON.stringify({ k: 'i', ...intent('tornkeytornkey', 0) }).slice(0, 57));

    const j = await openJournal(path);
    expect(j.recordsAtOpen).toBe(2);
    expect(readFileSync(path)).toEqual(good); // cut off on disk
    expect(j.lookup('tornkeytornkey')).toBeUndefined();
    await j.intent(intent('zyxwvutsrqponm', 0));
    j.outcome(outcome('zyxwvutsrqponm', 'zyxwvutsrqponm00', 'rejected', { c: '700.400.200' }));
    await closeJournal(j);

    // Every line parses; both runs' records are found.
    const all = lines(path);
    expect(all.pop()).toBe('');
    for (const l of all) expect(() => JSON.parse(l)).not.toThrow();
    expect(all).toHaveLength(4);
    const again = await openJournal(path);
    expect(again.recordsAtOpen).toBe(4);
    expect(again.lookup('abcdefghijklmn')?.outcome?.s).toBe('succeeded');
    expect(again.lookup('zyxwvutsrqponm')?.outcome).toMatchObject({ s: 'rejected', c: '700.400.200' });
  });

  it('a torn record that is the whole file leaves an empty journal', async () => {
    const path = journalPath();
    writeFileSync(path, '{"k":"i","key":"abc');
    const j = await openJournal(path);
    expect(j.recordsAtOpen).toBe(0);
    expect(statSync(path).size).toBe(0);
  });

  it('a garbage complete line in the middle is skipped; the records around it are kept', async () => {
    const path = journalPath();
    const rec = (r: object) => JSON.stringify(r) + '\n';
    writeFileSync(
      path,
      rec({ k: 'i', ...intent('aaaaaaaaaaaaaa', 0) }) +
        '\u0000\u0000\u0000\u0000\n' + // a block of NULs after a crash
        '{"k":"o","key":"aaaaaaaaaaaaaa"\n' + // a complete line that is not JSON
        '{"k":"x","key":"aaaaaaaaaaaaaa","id":"aaaaaaaaaaaaaa00"}\n' + // JSON, not a record
        '{"k":"o","id":"aaaaaaaaaaaaaa00"}\n' + // a record without key
        rec({ k: 'o', ...outcome('aaaaaaaaaaaaaa', 'aaaaaaaaaaaaaa00', 'pending', { c: '000.200.000' }) }) +
        rec({ k: 'i', ...intent('bbbbbbbbbbbbbb', 0) }),
    );
    const sizeBefore = statSync(path).size;
    const j = await openJournal(path);
    expect(j.recordsAtOpen).toBe(3);
    expect(statSync(path).size).toBe(sizeBefore); // nothing cut: only a torn *last* line is
    expect(j.lookup('aaaaaaaaaaaaaa')).toMatchObject({ intent: { id: 'aaaaaaaaaaaaaa00' }, outcome: { s: 'pending' } });
    expect(j.lookup('bbbbbbbbbbbbbb')?.intent?.id).toBe('bbbbbbbbbbbbbb00');
  });
});

describe('Journal.lookup: the latest intent, and only its own outcome', () => {
  const K = 'abcdefghijklmn';

  it('a later intent (next generation) replaces the earlier one and hides its outcome', async () => {
    const path = journalPath();
    await earlierRun(path, [intent(K, 0), outcome(K, `${K}00`, 'rejected', { c: '700.400.200' }), intent(K, 1, { at: '2026-11-24T09:00:00.000Z' })]);
    const j = await openJournal(path);
    const e = j.lookup(K)!;
    expect(e.intent).toMatchObject({ gen: 1, id: `${K}01` });
    expect(e.outcome).toBeUndefined();
  });

  it('the outcome of the latest intent is returned once written', async () => {
    const path = journalPath();
    await earlierRun(path, [intent(K, 0), outcome(K, `${K}00`, 'rejected'), intent(K, 1), outcome(K, `${K}01`, 'succeeded')]);
    const j = await openJournal(path);
    expect(j.lookup(K)).toMatchObject({ intent: { gen: 1 }, outcome: { id: `${K}01`, s: 'succeeded' } });
  });

  it("a late outcome of an earlier generation is not taken for the latest intent's", async () => {
    const path = journalPath();
    await earlierRun(path, [intent(K, 0), intent(K, 1), outcome(K, `${K}00`, 'succeeded')]);
    const j = await openJournal(path);
    const e = j.lookup(K)!;
    expect(e.intent?.id).toBe(`${K}01`);
    expect(e.outcome).toBeUndefined();
  });

  it('an outcome written before its intent (out of order) is not adopted', async () => {
    const path = journalPath();
    await earlierRun(path, [outcome(K, `${K}00`, 'succeeded'), intent(K, 0)]);
    const j = await openJournal(path);
    expect(j.lookup(K)).toEqual({ intent: { k: 'i', ...intent(K, 0) } });
  });

  it('records of the current run are not indexed (each key is looked up once, before its first intent)', async () => {
    const path = journalPath();
    await earlierRun(path, [intent(K, 0), outcome(K, `${K}00`, 'rejected')]);
    const j = await openJournal(path);
    await j.intent(intent(K, 1));
    j.outcome(outcome(K, `${K}01`, 'succeeded'));
    await j.intent(intent('newkeynewkeyne', 0));
    await j.flush();
    // This run still sees what earlier runs left…
    expect(j.lookup(K)).toMatchObject({ intent: { gen: 0 }, outcome: { s: 'rejected' } });
    expect(j.lookup('newkeynewkeyne')).toBeUndefined();
    await closeJournal(j);
    // …and the next run sees this one's.
    const next = await openJournal(path);
    expect(next.lookup(K)).toMatchObject({ intent: { gen: 1 }, outcome: { s: 'succeeded' } });
    expect(next.lookup('newkeynewkeyne')?.intent?.gen).toBe(0);
  });
});

describe('Journal: writing', () => {
  it('outcomes are written with the next group; flush() puts everything on disk', async () => {
    const path = journalPath();
    const j = await openJournal(path);
    const waits = [];
    for (let i = 0; i < 50; i++) waits.push(j.intent(intent(`key-${i}`, 0)));
    await Promise.all(waits);
    for (let i = 0; i < 50; i++) j.outcome(outcome(`key-${i}`, `key-${i}`, 'succeeded'));
    await j.flush();
    const recs = lines(path).filter(Boolean).map((l) => JSON.parse(l) as { k: string });
    expect(recs.filter((r) => r.k === 'i')).toHaveLength(50);
    expect(recs.filter((r) => r.k === 'o')).toHaveLength(50);
  });

  it("a result description that is the code's own is left out of the file and comes back on lookup", async () => {
    const path = journalPath();
    const own = "Request successfully processed in 'Merchant in Integrator Test Mode'";
    await earlierRun(path, [
      intent('abcdefghijklmn', 0),
      outcome('abcdefghijklmn', 'abcdefghijklmn00', 'succeeded', { d: own }),
      intent('abcdefghijklmo', 0),
      outcome('abcdefghijklmo', 'abcdefghijklmo00', 'succeeded', { d: 'Request successfully processed' }),
    ]);
    const written = lines(path).filter(Boolean).map((l) => JSON.parse(l) as OutcomeRecord).filter((r) => r.k === 'o');
    expect(written.map((r) => r.d)).toEqual([undefined, 'Request successfully processed']);
    const j = await openJournal(path);
    expect(j.lookup('abcdefghijklmn')?.outcome?.d).toBe(own);
    expect(j.lookup('abcdefghijklmo')?.outcome?.d).toBe('Request successfully processed');
  });

  it("an empty description stays empty (only the code's own description is left out)", async () => {
    const path = journalPath();
    await earlierRun(path, [intent('abcdefghijklmn', 0), outcome('abcdefghijklmn', 'abcdefghijklmn00', 'succeeded', { d: '' })]);
    const j = await openJournal(path);
    expect(j.lookup('abcdefghijklmn')?.outcome?.d).toBe('');
  });

  it('the intents recorded while a sync runs share the next sync, and all resolve', async () => {
    const path = journalPath();
    const j = await openJournal(path);
    const first = j.intent(intent('key-a', 0));
    const second = [j.intent(intent('key-b', 0)), j.intent(intent('key-c', 0))];
    expect(second[0]).toBe(second[1]);
    await Promise.all([first, ...second]);
    expect(lines(path).filter(Boolean)).toHaveLength(3);
  });

  it('closeNow() writes what is queued synchronously (second signal)', async () => {
    const path = journalPath();
    const j = await openJournal(path);
    await j.intent(intent(K2, 0));
    await j.flush();
    j.outcome(outcome(K2, `${K2}00`, 'succeeded'));
    j.closeNow();
    const recs = lines(path).filter(Boolean).map((l) => JSON.parse(l) as { k: string });
    // The group already being written may land as well: a repeated record means the same as one.
    expect([...new Set(recs.map((r) => JSON.stringify(r)))].map((r) => (JSON.parse(r) as { k: string }).k)).toEqual(['i', 'o']);
  });

  it('holds no card number: a card credit is journalled under its keyed hash', async () => {
    const path = journalPath();
    const card = '4532015112830366';
    const cardRef = 'card:' + createHmac('sha256', Buffer.alloc(32, 1)).update(card).digest('hex');
    await earlierRun(path, [
      intent('cardcreditbase', 0, { type: 'CD', ref: cardRef, amount: '25.00' }),
      outcome('cardcreditbase', 'cardcreditbase00', 'succeeded'),
    ]);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(card);
    expect(text).not.toContain(card.slice(0, 6));
    expect(text).not.toContain(card.slice(-8));
    const j = await openJournal(path);
    expect(j.lookup('cardcreditbase')?.intent?.ref).toBe(cardRef);
  });
});

const K2 = 'qwertyuiopasdf';

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
