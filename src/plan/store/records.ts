/**
 * Records as they are kept in a database row (both stores use the same
 * columns), read back strictly: a row that is not a record this version
 * knows throws, so a row whose history cannot be read is never sent.
 */
import * as z from 'zod';
import { describeResultCode } from '../../gateway/result-codes.js';
import { shortDescription, type Pending } from './grouped.js';
import { type IntentRecord, type JournalEntry, type OutcomeRecord } from './types.js';
import { JOURNAL_STATUSES } from '../../statuses.js';

/** The columns of a record, in this order, in every store. */
export const COLUMNS = ['k', 'key', 'id', 'gen', 'type', 'ref', 'amount', 'currency', 'entity', 's', 'sent', 'c', 'd', 'n', 'note', 'at', 'src', 'line'] as const;
export type Row = unknown[];

/** The values of a record's columns (COLUMNS order). */
export function toRow(p: Pending): Row {
  if (p.k === 'i') {
    const r = p.rec;
    return ['i', r.key, r.id, r.gen, r.type, r.ref, r.amount, r.currency, r.entity, null, null, null, null, null, null, r.at, r.src, r.line];
  }
  const r = p.rec;
  return ['o', r.key, r.id, null, null, null, null, null, null, r.s, r.sent ? 1 : 0, r.c ?? null, shortDescription(r) ?? null, r.n ?? null, r.note ?? null, r.at, r.src, r.line];
}

export class BadRecord extends Error {}

const text = z.string();
/** An integer column: a number, or a bigint as PostgreSQL's driver may give it. */
const integer = z.union([z.number().int(), z.bigint()]).transform(Number);
/** A column that may be empty: text when it is text, left out otherwise. */
const optionalText = z.string().nullish().catch(undefined);

/** An intent as a store keeps it (docs/exactly-once.md#journal). */
const intentSchema = z.object({
  key: text,
  gen: integer,
  id: text,
  type: text,
  ref: text,
  amount: text,
  currency: text,
  entity: text,
  at: text,
  src: text,
  line: integer,
});

/** An outcome as a store keeps it; `written` is not a row's status but the record of a failed-rows file's SHA-256, kept under `file:<hash>` (src/plan/superseded.ts). */
const outcomeSchema = z
  .object({
    key: text,
    id: text,
    s: text,
    sent: z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => v === 1 || v === true),
    c: optionalText,
    d: optionalText,
    n: optionalText,
    note: optionalText,
    at: text,
    src: text,
    line: integer,
  })
  .refine((o) => JOURNAL_STATUSES.has(o.s) || (o.key.startsWith('file:') && o.s === 'written'));

/** An intent (or the intent half of a pruned row) from a row; throws BadRecord. */
function intentOf(r: Row): IntentRecord {
  const [, key, id, gen, type, ref, amount, currency, entity, , , , , , , at, src, line] = r;
  const p = intentSchema.safeParse({ key, id, gen, type, ref, amount, currency, entity, at, src, line });
  if (!p.success) throw new BadRecord('an intent with a missing or malformed field');
  return { k: 'i', ...p.data };
}

function outcomeOf(r: Row): OutcomeRecord {
  const [, key, id, , , , , , , s, sent, c, d, n, note, at, src, line] = r;
  const p = outcomeSchema.safeParse({ key, id, s, sent, c, d, n, note, at, src, line });
  if (!p.success) throw new BadRecord('an outcome with a missing or malformed field');
  const v = p.data;
  const o: OutcomeRecord = { k: 'o', key: v.key, id: v.id, s: v.s, sent: v.sent, at: v.at, src: v.src, line: v.line };
  if (typeof v.c === 'string') o.c = v.c;
  if (typeof v.d === 'string') o.d = v.d;
  else if (typeof v.c === 'string') o.d = describeResultCode(v.c);
  if (typeof v.n === 'string') o.n = v.n;
  if (typeof v.note === 'string') o.note = v.note;
  return o;
}

/**
 * The entry of a key from its rows in commit order: the latest intent, and
 * the latest outcome if it is for that intent's id and later. A pruned row
 * (`p`) stands for an intent and its final outcome.
 */
export function entryOf(rows: Row[]): JournalEntry | undefined {
  if (rows.length === 0) return undefined;
  let intent: IntentRecord | undefined;
  let intentAt = -1;
  let outcome: OutcomeRecord | undefined;
  let outcomeAt = -1;
  rows.forEach((r, i) => {
    const k = r[0];
    if (k === 'i') {
      intent = intentOf(r);
      intentAt = i;
    } else if (k === 'o') {
      outcome = outcomeOf(r);
      outcomeAt = i;
    } else if (k === 'p') {
      intent = intentOf(r);
      intentAt = i;
      outcome = outcomeOf(r);
      outcomeAt = i;
    } else {
      throw new BadRecord(`a record of kind ${JSON.stringify(k)}, which this version of payops does not know`);
    }
  });
  const entry: JournalEntry = {};
  if (intent) entry.intent = intent;
  if (outcome && (!intent || (outcome.id === intent.id && outcomeAt >= intentAt))) entry.outcome = outcome;
  return entry;
}

/** A record of a JSONL journal line, strictly: anything else throws BadRecord. */
export function parseJournalLine(line: string): Pending {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new BadRecord('not a JSON record (damaged)');
  }
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new BadRecord('not a journal record (damaged)');
  if ('v' in rec || (rec.k !== 'i' && rec.k !== 'o')) {
    throw new BadRecord(`a record in a format this version of payops does not know (${JSON.stringify(line.slice(0, 40))}…): was it written by a newer payops?`);
  }
  if (rec.k === 'i') {
    const i = intentOf(['i', rec.key, rec.id, rec.gen, rec.type, rec.ref, rec.amount, rec.currency, rec.entity, null, null, null, null, null, null, rec.at, rec.src, rec.line]);
    const { k: _k, ...r } = i;
    return { k: 'i', rec: r };
  }
  const o = outcomeOf(['o', rec.key, rec.id, null, null, null, null, null, null, rec.s, rec.sent, rec.c ?? null, rec.d ?? null, rec.n ?? null, rec.note ?? null, rec.at, rec.src, rec.line]);
  const { k: _k, ...r } = o;
  // A description the journal left out (the code's own) stays left out.
  if (rec.d === undefined) delete r.d;
  return { k: 'o', rec: r };
}
