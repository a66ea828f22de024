import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type IntentRecord, Journal, type OutcomeRecord } from '../../src/plan/journal.js';
import { type Decision, describeUse, type PlanInput, Planner } from '../../src/plan/planner.js';
import { IdDeriver, withGeneration } from '../../src/plan/txid.js';
import type { Operation, Provenance } from '../../src/rows/types.js';

const P = '8ac7a4a08f1b2c3d4e5f60718293a4b5';
const P2 = '8ac7a4a08f1b2c3d4e5f60718293a4b6';
const ENTITY = '8a8294174b7ecb28014b9699220015ca';
const DERIVE = { batchId: '', defaultEntityId: ENTITY, cardKey: Buffer.alloc(32, 3) };

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

type Rec = Omit<IntentRecord, 'k'> | Omit<OutcomeRecord, 'k'>;

/** A journal holding what earlier runs wrote, opened as a new run opens it. */
async function journalWith(records: Rec[]): Promise<Journal> {
  const dir = mkdtempSync(join(tmpdir(), 'payops-planner-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'journal.jsonl');
  const w = await Journal.open(path);
  for (const r of records) {
    if ('gen' in r) await w.intent(r);
    else w.outcome(r);
  }
  await w.close();
  const j = await Journal.open(path);
  cleanup.push(() => j.close());
  return j;
}

async function planner(records: Rec[], opts = { retryRejected: false }): Promise<Planner> {
  return new Planner(await journalWith(records), new IdDeriver(DERIVE), opts);
}

const refund = (amount = '10.00', over: Partial<Operation> = {}): Operation => ({ type: 'RF', paymentId: P, amount, currency: 'EUR', ...over });

function input(op: Operation, provenance: Provenance = {}): PlanInput {
  return {
    op,
    identity: { type: op.type, ref: op.paymentId ?? op.registrationId ?? '', amount: op.amount ?? '', currency: op.currency ?? '', entity: op.entityId ?? ENTITY },
    provenance,
  };
}

/** The derived base a first run gives the n-th identical row (0-based). */
function baseFor(op: Operation, occurrence = 0): string {
  const d = new IdDeriver(DERIVE);
  let base = '';
  for (let i = 0; i <= occurrence; i++) base = d.nextBase(op);
  return base;
}

function intentFor(key: string, gen: number, op: Operation, over: Partial<IntentRecord> = {}): Omit<IntentRecord, 'k'> {
  return {
    key,
    gen,
    id: key.length === 14 && !over.id ? withGeneration(key, gen) : key,
    type: op.type,
    ref: op.paymentId ?? op.registrationId ?? '',
    amount: op.amount ?? '',
    currency: op.currency ?? '',
    entity: op.entityId ?? ENTITY,
    at: '2026-11-23T10:00:00.000Z',
    src: 'refunds.csv',
    line: 7,
    ...over,
  };
}

function outcomeFor(key: string, id: string, s: string, over: Partial<OutcomeRecord> = {}): Omit<OutcomeRecord, 'k'> {
  return { key, id, s, sent: true, c: '000.100.110', at: '2026-11-23T10:00:05.000Z', src: 'refunds.csv', line: 7, ...over };
}

describe('Planner: a fresh row', () => {
  it('is sent under its derived id, generation 00', async () => {
    const pl = await planner([]);
    const op = refund();
    const d = pl.plan(input(op));
    expect(d).toEqual({ action: 'send', id: `${baseFor(op)}00`, key: baseFor(op), gen: 0, derived: true });
  });

  it('identical rows of one file are sent under different ids', async () => {
    const pl = await planner([]);
    const a = pl.plan(input(refund()));
    const b = pl.plan(input(refund()));
    expect(a.action).toBe('send');
    expect(b).toMatchObject({ action: 'send', id: `${baseFor(refund(), 1)}00` });
    expect(a.id).not.toBe(b.id);
  });

  it('an own merchant_transaction_id is sent as it is', async () => {
    const pl = await planner([]);
    expect(pl.plan(input(refund('10.00', { merchantTransactionId: 'INV-2026-0001' })))).toEqual({
      action: 'send',
      id: 'INV-2026-0001',
      key: 'INV-2026-0001',
      gen: 0,
      derived: false,
    });
  });

  it("an own id in some rows does not shift the others' derived ids", async () => {
    const pl = await planner([]);
    pl.plan(input(refund('10.00', { merchantTransactionId: 'INV-2026-0001' })));
    expect(pl.plan(input(refund()))).toMatchObject({ action: 'send', id: `${baseFor(refund(), 1)}00` });
  });
});

describe('Planner: rows an earlier run finished', () => {
  it.each(['succeeded', 'review', 'pending'])('journal %s → done, never sent again (also with --retry-rejected)', async (s) => {
    const op = refund();
    const key = baseFor(op);
    for (const retryRejected of [false, true]) {
      const pl = await planner([intentFor(key, 0, op), outcomeFor(key, `${key}00`, s)], { retryRejected });
      const d = pl.plan(input(op));
      expect(d).toMatchObject({ action: 'done', id: `${key}00`, outcome: { s, src: 'refunds.csv', line: 7 } });
    }
  });

  it('succeeded rows of a failed-rows file are done too, whatever last_status says', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op), outcomeFor(key, `${key}00`, 'succeeded')]);
    for (const lastStatus of ['rejected', 'failed', 'unknown']) {
      expect(pl.plan(input({ ...op, merchantTransactionId: `${key}00` }, { lastStatus })).action).toBe('done');
    }
  });

  it('journal rejected → done on a plain rerun', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op), outcomeFor(key, `${key}00`, 'rejected', { c: '700.400.200' })]);
    expect(pl.plan(input(op))).toMatchObject({ action: 'done', id: `${key}00`, outcome: { s: 'rejected', c: '700.400.200' } });
  });

  it('journal rejected + --retry-rejected → sent as the next generation', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op), outcomeFor(key, `${key}00`, 'rejected')], { retryRejected: true });
    expect(pl.plan(input(op))).toEqual({ action: 'send', id: `${key}01`, key, gen: 1, derived: true });
  });

  it('journal rejected + a failed-rows row (last_status rejected) → sent as the next generation', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op), outcomeFor(key, `${key}00`, 'rejected')]);
    const d = pl.plan(input({ ...op, merchantTransactionId: `${key}00` }, { lastStatus: 'Rejected' }));
    expect(d).toEqual({ action: 'send', id: `${key}01`, key, gen: 1, derived: true });
  });

  it('generation 1 rejected again, rerun from its failed-rows file → generation 2', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([
      intentFor(key, 0, op),
      outcomeFor(key, `${key}00`, 'rejected'),
      intentFor(key, 1, op),
      outcomeFor(key, `${key}01`, 'rejected'),
    ]);
    expect(pl.plan(input({ ...op, merchantTransactionId: `${key}01` }, { lastStatus: 'rejected' }))).toMatchObject({
      action: 'send',
      id: `${key}02`,
      gen: 2,
    });
  });

  it('an own id rejected + --retry-rejected → sent again under the same own id', async () => {
    const op = refund('10.00', { merchantTransactionId: 'INV-2026-0001' });
    const pl = await planner([intentFor('INV-2026-0001', 0, op), outcomeFor('INV-2026-0001', 'INV-2026-0001', 'rejected')], { retryRejected: true });
    expect(pl.plan(input(op))).toEqual({ action: 'send', id: 'INV-2026-0001', key: 'INV-2026-0001', gen: 0, derived: false });
  });
});

describe('Planner: outcomes not known → look up first', () => {
  it('an intent without an outcome (crash after sending) → lookup, from the time of the intent', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op, { at: '2026-11-23T10:00:00.000Z' })]);
    expect(pl.plan(input(op))).toEqual({
      action: 'lookup',
      id: `${key}00`,
      key,
      gen: 0,
      derived: true,
      ids: [`${key}00`],
      lastSentAt: Date.parse('2026-11-23T10:00:00.000Z'),
      confirm: true,
    });
  });

  it('an unanswered intent of generation 2 → lookup of every generation used', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([
      intentFor(key, 0, op),
      outcomeFor(key, `${key}00`, 'rejected'),
      intentFor(key, 1, op),
      outcomeFor(key, `${key}01`, 'rejected'),
      intentFor(key, 2, op),
    ]);
    expect(pl.plan(input(op))).toMatchObject({ action: 'lookup', id: `${key}02`, gen: 2, ids: [`${key}00`, `${key}01`, `${key}02`] });
  });

  it('journal unknown → lookup, from the time of that outcome', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op), outcomeFor(key, `${key}00`, 'unknown', { at: '2026-11-23T10:01:00.000Z' })]);
    expect(pl.plan(input(op))).toMatchObject({ action: 'lookup', id: `${key}00`, ids: [`${key}00`], lastSentAt: Date.parse('2026-11-23T10:01:00.000Z') });
  });

  it('journal failed after the request left (sent: true) → lookup', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op), outcomeFor(key, `${key}00`, 'failed', { sent: true })]);
    expect(pl.plan(input(op)).action).toBe('lookup');
  });

  it('journal failed, never sent (sent: false) → sent again under the same id', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op), outcomeFor(key, `${key}00`, 'failed', { sent: false })]);
    expect(pl.plan(input(op))).toEqual({ action: 'send', id: `${key}00`, key, gen: 0, derived: true });
  });

  it.each(['failed', 'unknown', 'FAILED'])(
    'a failed-rows row with a derived id and last_status %s, unknown to this state directory → lookup of generations 0..g',
    async (lastStatus) => {
      const pl = await planner([]);
      const d = pl.plan(input(refund('10.00', { merchantTransactionId: 'k3j5h7g9f1d3s502' }), { lastStatus }));
      expect(d).toEqual({
        action: 'lookup',
        id: 'k3j5h7g9f1d3s502',
        key: 'k3j5h7g9f1d3s5',
        gen: 2,
        derived: true,
        ids: ['k3j5h7g9f1d3s500', 'k3j5h7g9f1d3s501', 'k3j5h7g9f1d3s502'],
        lastSentAt: 0,
        confirm: true,
      });
    },
  );

  it('a failed-rows row with an own id and last_status unknown, unknown to this state directory → lookup of that id', async () => {
    const pl = await planner([]);
    const d = pl.plan(input(refund('10.00', { merchantTransactionId: 'INV-2026-0001' }), { lastStatus: 'unknown' }));
    expect(d).toEqual({ action: 'lookup', id: 'INV-2026-0001', key: 'INV-2026-0001', gen: 0, derived: false, ids: ['INV-2026-0001'], lastSentAt: 0, confirm: true });
  });

  // Issue 10 point 2: with the state lost, a rejected row of a failed-rows
  // file was sent blindly, once per rerun. It is looked up first: the old
  // attempts and the id it would go out under.
  it('a failed-rows row with last_status rejected, unknown to this state directory → lookup, then the next generation', async () => {
    const op = refund('10.00');
    const key = baseFor(op);
    const pl = await planner([]);
    const d = pl.plan(input({ ...op, merchantTransactionId: `${key}00` }, { lastStatus: 'rejected' }));
    expect(d).toEqual({
      action: 'lookup',
      id: `${key}00`,
      key,
      gen: 0,
      derived: true,
      ids: [`${key}00`, `${key}01`],
      lastSentAt: 0,
      rerunRejected: true,
      sendAs: { id: `${key}01`, key, gen: 1 },
      confirm: true,
    });
  });

  it('…and a corrected one (another amount) is looked up and goes out under a fresh base', async () => {
    const old = refund('10.00');
    const oldKey = baseFor(old);
    const fixed = refund('12.00');
    const freshKey = baseFor(fixed);
    const pl = await planner([]);
    const d = pl.plan(input({ ...fixed, merchantTransactionId: `${oldKey}00` }, { lastStatus: 'rejected' }));
    expect(d).toMatchObject({
      action: 'lookup',
      key: oldKey,
      ids: [`${oldKey}00`, `${freshKey}00`],
      rerunRejected: true,
      sendAs: { id: `${freshKey}00`, key: freshKey, gen: 0 },
    });
  });

  it('a row of any last_status and no id, unknown to this state directory → looked up', async () => {
    const op = refund('10.00');
    const pl = await planner([]);
    expect(pl.plan(input(op, { lastStatus: 'invalid' }))).toMatchObject({ action: 'lookup', id: `${baseFor(op)}00`, confirm: true });
  });
});

describe('Planner: an id that belongs to another operation', () => {
  it('an own id used earlier for other content → conflict, never adopted nor resent', async () => {
    const earlier = refund('10.00', { merchantTransactionId: 'INV-2026-0001' });
    const pl = await planner([
      intentFor('INV-2026-0001', 0, earlier, { at: '2026-11-23T10:00:00.000Z', src: 'monday.csv', line: 12 }),
      outcomeFor('INV-2026-0001', 'INV-2026-0001', 'succeeded'),
    ]);
    const d = pl.plan(input(refund('20.00', { merchantTransactionId: 'INV-2026-0001' })));
    expect(d.action).toBe('conflict');
    if (d.action !== 'conflict') return;
    expect(d.id).toBe('INV-2026-0001');
    expect(d.message).toBe(
      `merchant_transaction_id already used for refund of 10.00 EUR on ${P} on 2026-11-23 (monday.csv line 12); ` +
        'clear the merchant_transaction_id cell to send this row as a new operation',
    );
  });

  it.each([
    ['another payment', { paymentId: P2 }],
    ['another operation', { type: 'CP' }],
    ['another currency', { currency: 'USD' }],
    ['another entity', { entityId: '8a8294174b7ecb28014b9699220015cb' }],
  ] as Array<[string, Partial<Operation>]>)('%s under the same own id → conflict', async (_n, over) => {
    const earlier = refund('10.00', { merchantTransactionId: 'INV-2026-0001' });
    const pl = await planner([intentFor('INV-2026-0001', 0, earlier)]);
    const d = pl.plan(input({ ...earlier, ...over }));
    expect(d.action).toBe('conflict');
    if (d.action === 'conflict') expect(d.message).toMatch(/^merchant_transaction_id already used for /);
  });

  it('a failed-rows row whose derived id the journal knows for other content (not a correction of a rejection) → conflict', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 0, op)]);
    const d = pl.plan(input(refund('11.00', { merchantTransactionId: `${key}00` }), { lastStatus: 'unknown' }));
    expect(d).toMatchObject({ action: 'conflict', id: `${key}00` });
  });

  it('describeUse: a full reversal has no amount, a card credit names no card', () => {
    const base = intentFor('x', 0, { type: 'RV', paymentId: P });
    expect(describeUse({ k: 'i', ...base })).toBe(`reversal on ${P} on 2026-11-23`);
    const card = intentFor('y', 0, { type: 'CD', amount: '5.00', currency: 'EUR' }, { ref: 'card:' + 'ab'.repeat(32) });
    expect(describeUse({ k: 'i', ...card })).toBe('credit of 5.00 EUR on a card on 2026-11-23');
  });
});

describe('Planner: a rejected row corrected in the failed-rows file', () => {
  it('gets a fresh id that keeps nothing of the old one', async () => {
    const old = refund('120.00');
    const oldKey = baseFor(old);
    const pl = await planner([intentFor(oldKey, 0, old), outcomeFor(oldKey, `${oldKey}00`, 'rejected', { c: '700.400.200' })]);
    // The user fixed the amount and ran the failed-rows file as it is.
    const fixed = refund('12.00', { merchantTransactionId: `${oldKey}00` });
    const d = pl.plan(input(fixed, { lastStatus: 'rejected' }));
    const fresh = baseFor(refund('12.00'));
    expect(d).toEqual({ action: 'send', id: `${fresh}00`, key: fresh, gen: 0, derived: true });
    expect(d.id.slice(0, 14)).not.toBe(oldKey);
  });

  it('…and if that corrected content was already sent and succeeded, it is done', async () => {
    const old = refund('120.00');
    const oldKey = baseFor(old);
    const fixedOp = refund('12.00');
    const freshKey = baseFor(fixedOp);
    const pl = await planner([
      intentFor(oldKey, 0, old),
      outcomeFor(oldKey, `${oldKey}00`, 'rejected'),
      intentFor(freshKey, 0, fixedOp),
      outcomeFor(freshKey, `${freshKey}00`, 'succeeded'),
    ]);
    const d = pl.plan(input({ ...fixedOp, merchantTransactionId: `${oldKey}00` }, { lastStatus: 'rejected' }));
    expect(d).toMatchObject({ action: 'done', id: `${freshKey}00` });
  });

  it('…and if that corrected content was sent with no outcome, it is looked up', async () => {
    const old = refund('120.00');
    const oldKey = baseFor(old);
    const fixedOp = refund('12.00');
    const freshKey = baseFor(fixedOp);
    const pl = await planner([intentFor(oldKey, 0, old), outcomeFor(oldKey, `${oldKey}00`, 'rejected'), intentFor(freshKey, 0, fixedOp)]);
    const d = pl.plan(input({ ...fixedOp, merchantTransactionId: `${oldKey}00` }, { lastStatus: 'rejected' }));
    expect(d).toMatchObject({ action: 'lookup', id: `${freshKey}00`, ids: [`${freshKey}00`] });
  });
});

describe('Planner: own ids that happen to look derived (16 × [0-9a-z])', () => {
  // A merchant's own id such as a 16-character lower-case hex or order
  // number has the derived shape. The first run keys it verbatim; a rerun of
  // its failed-rows file reads it as <14-char base><2-char generation>.
  const OWN = 'order00000000001';

  // Issue 10 point 1: it may be a derived id copied from a results file
  // (whose history is elsewhere): kept verbatim, but looked up first, under
  // that one id (not generations 0..g).
  it('a first run keeps it verbatim, and looks it up before sending', async () => {
    const pl = await planner([]);
    expect(pl.plan(input(refund('10.00', { merchantTransactionId: OWN })))).toEqual({
      action: 'lookup', id: OWN, key: OWN, gen: 0, derived: false, ids: [OWN], lastSentAt: 0, confirm: true,
    });
  });

  // BUG (src/plan/planner.ts:58-66): with a last_status column, any id of the
  // derived shape is taken as derived, even when the journal holds it as an
  // own id (keyed verbatim). The rejected row is then sent under a different
  // id, order00000000002 — the user's own id is silently replaced, possibly
  // by the id of another of the user's orders.
  it('a rejected row with such an own id, rerun from the failed-rows file, is resent under that same id', async () => {
    const op = refund('10.00', { merchantTransactionId: OWN });
    const pl = await planner([intentFor(OWN, 0, op), outcomeFor(OWN, OWN, 'rejected')]);
    const d: Decision = pl.plan(input(op, { lastStatus: 'rejected' }));
    expect(d).toEqual({ action: 'send', id: OWN, key: OWN, gen: 0, derived: false });
  });

  // Same bug: a row that failed before it was sent is looked up under ids
  // that were never used (order00000000000) instead of being sent again; for
  // an id ending in e.g. "89" that is 298 lookups.
  it('a never-sent failed row with such an own id, rerun from the failed-rows file, is sent again under that id', async () => {
    const op = refund('10.00', { merchantTransactionId: OWN });
    const pl = await planner([intentFor(OWN, 0, op), outcomeFor(OWN, OWN, 'failed', { sent: false })]);
    const d: Decision = pl.plan(input(op, { lastStatus: 'failed' }));
    expect(d).toEqual({ action: 'send', id: OWN, key: OWN, gen: 0, derived: false });
  });
});

describe('Planner: issue 10', () => {
  it('a derived id without last_status (copied from a results file) is found under its base: done, not sent again', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([intentFor(key, 1, op), outcomeFor(key, `${key}01`, 'succeeded')]);
    expect(pl.plan(input({ ...op, merchantTransactionId: `${key}01` }))).toMatchObject({ action: 'done', id: `${key}01` });
  });

  it('no two rows of one run go under one id: a fresh copy, then the same row from a failed-rows file', async () => {
    const op = refund();
    const key = baseFor(op);
    const pl = await planner([]);
    expect(pl.plan(input(op))).toMatchObject({ action: 'send', id: `${key}00` });
    const d = pl.plan(input({ ...op, merchantTransactionId: `${key}00` }, { lastStatus: 'unknown' }));
    expect(d).toMatchObject({ action: 'conflict', id: `${key}00` });
    if (d.action === 'conflict') expect(d.message).toMatch(/used by an earlier row of this run/);
  });

  it('no two rows of one run go under one id: a fresh copy, then the same row carrying its derived id without last_status (copied from a results file), whatever the journal shows of this run', async () => {
    const op = refund();
    const key = baseFor(op);
    // The journal does not show the run's own records (the SQLite store appends them unindexed until they are moved).
    const pl = await planner([]);
    expect(pl.plan(input(op))).toMatchObject({ action: 'send', id: `${key}00` });
    const d = pl.plan(input({ ...op, merchantTransactionId: `${key}00` }));
    expect(d).toMatchObject({ action: 'conflict', id: `${key}00` });
    if (d.action === 'conflict') expect(d.message).toMatch(/used by an earlier row of this run/);
  });

  it('own ids of the derived shape that share their first 14 characters are two rows, not one (inv2024060100001, inv2024060100002)', async () => {
    const pl = await planner([]);
    const a = pl.plan(input(refund('1.00', { merchantTransactionId: 'inv2024060100001' })));
    const b = pl.plan(input(refund('2.00', { merchantTransactionId: 'inv2024060100002' })));
    expect(a.action).not.toBe('conflict');
    expect(b.action).not.toBe('conflict');
  });

  it('--lookup-first: a row the state knows nothing of is looked up, its send time unknown (lastSentAt 0: the batch needs a second "absent" --settle later)', async () => {
    const op = refund();
    const pl = new Planner(await journalWith([]), new IdDeriver(DERIVE), { retryRejected: false, lookupFirst: true });
    expect(pl.plan(input(op))).toEqual({
      action: 'lookup', id: `${baseFor(op)}00`, key: baseFor(op), gen: 0, derived: true, ids: [`${baseFor(op)}00`], lastSentAt: 0, confirm: false,
    });
  });
});
