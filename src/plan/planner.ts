/**
 * What a run does with each valid row (SPEC §4): send it (under which
 * merchant transaction id and generation), report an earlier outcome, look
 * it up first, or refuse it because its id belongs to another operation.
 * The journal and the row's provenance (a failed-rows file's `last_status`)
 * decide; nothing here talks to the gateway.
 */
import { OPERATION_RULES } from '../rows/operations.js';
import type { Operation, OpType, Provenance } from '../rows/types.js';
import { type IntentRecord, type Journal, type OutcomeRecord, type RowIdentity, sameRow } from './journal.js';
import { baseOf, generationOf, type IdDeriver, idsThrough, isDerivedId, withGeneration } from './txid.js';

export type Decision =
  | { action: 'send'; id: string; key: string; gen: number; derived: boolean }
  | { action: 'lookup'; id: string; key: string; gen: number; derived: boolean; ids: string[]; lastSentAt: number }
  | { action: 'done'; id: string; outcome: OutcomeRecord }
  | { action: 'conflict'; id: string; message: string };

export interface PlanInput {
  op: Operation;
  identity: Omit<RowIdentity, 'id'>;
  provenance: Provenance;
}

const SETTLED = new Set(['succeeded', 'review', 'pending']);
const MAX_GENERATION = 36 * 36 - 1;

export function describeUse(intent: IntentRecord): string {
  const what = OPERATION_RULES[intent.type as OpType]?.name ?? intent.type;
  const on = intent.ref.startsWith('card:') ? 'a card' : intent.ref;
  const amount = intent.amount ? ` of ${intent.amount} ${intent.currency}` : '';
  return `${what}${amount} on ${on} on ${intent.at.slice(0, 10)}`;
}

export class Planner {
  constructor(
    private readonly journal: Journal,
    private readonly deriver: IdDeriver,
    private readonly opts: { retryRejected: boolean },
  ) {}

  plan(row: PlanInput): Decision {
    const fileId = row.op.merchantTransactionId;
    const last = row.provenance.lastStatus?.toLowerCase();
    // Computed for every valid row, so an id column filled in for some rows
    // does not shift the occurrence count of the others.
    const derivedBase = this.deriver.nextBase(row.op);
    let key: string;
    let gen: number;
    let derived: boolean;
    // A failed-rows file carries the derived id it was sent under; but an own
    // id can have the same shape. The journal tells them apart when it has
    // seen the id used as an own one; the last generation cannot be bumped.
    const ownId =
      fileId !== undefined &&
      (!(last && isDerivedId(fileId)) || generationOf(fileId) >= MAX_GENERATION || this.journal.lookup(fileId)?.intent?.id === fileId);
    if (fileId && ownId) {
      key = fileId;
      gen = 0;
      derived = false;
    } else if (fileId) {
      // A failed-rows file carries the derived id it was sent under.
      key = baseOf(fileId);
      gen = generationOf(fileId);
      derived = true;
    } else {
      key = derivedBase;
      gen = 0;
      derived = true;
    }
    const idFor = (g: number) => (derived ? withGeneration(key, g) : key);
    const entry = this.journal.lookup(key);
    const intent = entry?.intent;

    if (intent && !sameRow(intent, { id: intent.id, ...row.identity })) {
      if (fileId && derived && last === 'rejected' && key !== derivedBase) {
        // The user corrected a rejected row: it keeps nothing of the old id.
        return this.planFresh(derivedBase);
      }
      return {
        action: 'conflict',
        id: intent.id,
        message: `merchant_transaction_id already used for ${describeUse(intent)} (${intent.src} line ${intent.line}); clear the merchant_transaction_id cell to send this row as a new operation`,
      };
    }

    if (!intent) {
      if (last === 'failed' || last === 'unknown') return lookup(idFor(gen), gen, 0);
      if (last === 'rejected' && derived) return send(gen + 1);
      return send(gen);
    }

    const journalGen = intent.gen;
    const outcome = entry?.outcome;
    if (!outcome) return lookup(intent.id, journalGen, Date.parse(intent.at));
    if (SETTLED.has(outcome.s)) return { action: 'done', id: outcome.id, outcome };
    if (outcome.s === 'rejected') {
      const deliberate = this.opts.retryRejected || (last === 'rejected' && journalGen <= gen);
      if (deliberate && derived) return send(journalGen + 1);
      if (deliberate) return send(journalGen);
      return { action: 'done', id: outcome.id, outcome };
    }
    if (outcome.s === 'failed' && !outcome.sent) return send(journalGen);
    return lookup(intent.id, journalGen, Date.parse(outcome.at));

    function send(g: number): Decision {
      return { action: 'send', id: idFor(g), key, gen: g, derived };
    }
    function lookup(id: string, g: number, lastSentAt: number): Decision {
      const ids = derived ? idsThrough(key, g) : [key];
      return { action: 'lookup', id, key, gen: g, derived, ids, lastSentAt };
    }
  }

  private planFresh(base: string): Decision {
    const entry = this.journal.lookup(base);
    if (!entry?.intent) return { action: 'send', id: withGeneration(base, 0), key: base, gen: 0, derived: true };
    // The corrected content was itself sent before: treat it like any row.
    const outcome = entry.outcome;
    if (outcome && SETTLED.has(outcome.s)) return { action: 'done', id: outcome.id, outcome };
    const ids = idsThrough(base, entry.intent.gen);
    return { action: 'lookup', id: entry.intent.id, key: base, gen: entry.intent.gen, derived: true, ids, lastSentAt: Date.parse(entry.intent.at) };
  }
}
