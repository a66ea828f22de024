/**
 * What a run does with each valid row (docs/exactly-once.md#reruns): send it (under which
 * merchant transaction id and generation), report an earlier outcome, look
 * it up first, or refuse it because its id belongs to another operation.
 * The journal and the row's provenance (a failed-rows file's `last_status`)
 * decide; nothing here talks to the gateway.
 */
import { OPERATION_RULES } from '../rows/operations.js';
import type { Operation, OpType, Provenance } from '../rows/types.js';
import { DONE } from '../statuses.js';
import { type IntentRecord, type Journal, type OutcomeRecord, type RowIdentity, sameRow } from './journal.js';
import { baseOf, generationOf, type IdDeriver, idsThrough, isDerivedId, SeenIds, withGeneration } from './txid.js';

/** Where a row goes once its lookups found nothing of it: an id not yet used at the gateway. */
export interface SendAs {
  id: string;
  key: string;
  gen: number;
}

export type Decision =
  | { action: 'send'; id: string; key: string; gen: number; derived: boolean }
  | {
      action: 'lookup';
      id: string;
      key: string;
      gen: number;
      derived: boolean;
      /** Every id the row may have been sent under: what the lookups ask for. */
      ids: string[];
      lastSentAt: number;
      /**
       * A rerun of a rejected row whose history is not in the state: what
       * the lookups find rejected (or for the content before a correction)
       * under `ids` was the old attempt; the row goes out under `sendAs`
       * unless that id, too, is found.
       */
      rerunRejected?: boolean;
      /** The id to send under when the lookups find nothing (default: `id`). */
      sendAs?: SendAs;
      /**
       * Something says the row may have been sent (the journal, a failed-rows
       * file, a derived id); false for a row looked up only because of
       * `--lookup-first`. It names the reason in the results; it does not
       * change what proves the row absent: with `lastSentAt` 0 (the send time
       * is not known, `--lookup-first` included) the batch needs a second
       * "absent" at least `--settle` after the first, since the row may have
       * been sent elsewhere just before, inside the gateway's query lag.
       */
      confirm: boolean;
    }
  | { action: 'done'; id: string; outcome: OutcomeRecord }
  | { action: 'conflict'; id: string; message: string };

export interface PlanInput {
  op: Operation;
  identity: Omit<RowIdentity, 'id'>;
  provenance: Provenance;
}

export interface PlannerOptions {
  retryRejected: boolean;
  /** Look every row up before its first send (a state that knows nothing). */
  lookupFirst?: boolean;
  /** Rows in the file, when known: the set of claimed keys is sized once instead of growing. */
  expectedRows?: number;
}

const MAX_GENERATION = 36 * 36 - 1;

export function describeUse(intent: IntentRecord): string {
  const what = OPERATION_RULES[intent.type as OpType]?.name ?? intent.type;
  const on = intent.ref.startsWith('card:') ? 'a card' : intent.ref;
  const amount = intent.amount ? ` of ${intent.amount} ${intent.currency}` : '';
  return `${what}${amount} on ${on} on ${intent.at.slice(0, 10)}`;
}

export class Planner {
  /** Journal keys a row of this run is sent (or looked up) under: no two rows of one run share one. */
  private readonly claimed: SeenIds;

  constructor(
    private readonly journal: Journal,
    private readonly deriver: IdDeriver,
    private readonly opts: PlannerOptions,
  ) {
    this.claimed = new SeenIds(opts.expectedRows);
  }

  plan(row: PlanInput): Decision {
    const d = this.decide(row);
    if (d.action !== 'send' && d.action !== 'lookup') return d;
    const keys = d.action === 'lookup' && d.sendAs && d.sendAs.key !== d.key ? [d.key, d.sendAs.key] : [d.key];
    // A verbatim id of the derived shape whose base an earlier row of this run went under (its derived id, copied from
    // a results file) is that row again, whatever the journal has recorded of this run yet. Only checked, not claimed:
    // own ids that share their first 14 characters (inv2024060100001, …02) stay apart.
    const again = !d.derived && isDerivedId(d.key) && this.claimed.has(baseOf(d.key));
    if (again || !keys.every((k) => this.claimed.addIfNew(k))) {
      return {
        action: 'conflict',
        id: d.id,
        message:
          `merchant_transaction_id ${d.id} (or the id this row would be sent under) is used by an earlier row of this run, ` +
          `e.g. a row given twice, once as a fresh copy and once from a failed-rows file; not sent. Keep one of the two rows`,
      };
    }
    return d;
  }

  private decide(row: PlanInput): Decision {
    const fileId = row.op.merchantTransactionId;
    const last = row.provenance.lastStatus?.toLowerCase() || undefined;
    // Computed for every valid row, so an id column filled in for some rows
    // does not shift the occurrence count of the others.
    const derivedBase = this.deriver.nextBase(row.op);
    let key: string;
    let gen: number;
    let derived: boolean;
    // An id of the derived shape is looked for under its 14-character base
    // wherever it comes from (a failed-rows file, ids copied from a results
    // file, a results file given as input): that is where its history is.
    // It stays own when the journal has seen it used as an own one, or when
    // its generation cannot be bumped. Known to neither and without a
    // last_status, it is kept verbatim, but looked up before it is sent.
    let unsure = false;
    if (fileId === undefined) {
      key = derivedBase;
      gen = 0;
      derived = true;
    } else if (!isDerivedId(fileId) || generationOf(fileId) >= MAX_GENERATION || this.journal.lookup(fileId)?.intent?.id === fileId) {
      key = fileId;
      gen = 0;
      derived = false;
    } else if (last !== undefined || this.isDerivedKey(baseOf(fileId))) {
      key = baseOf(fileId);
      gen = generationOf(fileId);
      derived = true;
    } else {
      key = fileId;
      gen = 0;
      derived = false;
      unsure = true;
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
      // Nothing in this state. A row of a failed-rows file, or one carrying a
      // derived id, was sent from somewhere (a lost or other state): look it
      // up first, whatever its last_status says.
      if (last === 'rejected' && derived) {
        // A rerun of a rejected row: a fresh base when its content or place
        // changed (a corrected amount), else the next generation.
        const sendAs: SendAs =
          derivedBase !== key ? { id: withGeneration(derivedBase, 0), key: derivedBase, gen: 0 } : { id: idFor(gen + 1), key, gen: gen + 1 };
        const ids = [...idsThrough(key, gen), ...(sendAs.key === key ? [sendAs.id] : idsThrough(sendAs.key, 0))];
        return { action: 'lookup', id: idFor(gen), key, gen, derived, ids, lastSentAt: 0, rerunRejected: true, sendAs, confirm: true };
      }
      if (last !== undefined || unsure) return lookup(idFor(gen), gen, 0, true);
      if (this.opts.lookupFirst) return lookup(idFor(gen), gen, 0, false);
      return send(gen);
    }

    const journalGen = intent.gen;
    const outcome = entry?.outcome;
    // The file names a later generation than this state sent: it went out from elsewhere.
    if (derived && gen > journalGen && !(outcome && DONE.has(outcome.s))) return lookup(idFor(gen), gen, Date.parse(intent.at), true);
    if (!outcome) return lookup(intent.id, journalGen, Date.parse(intent.at), true);
    if (DONE.has(outcome.s)) return { action: 'done', id: outcome.id, outcome };
    if (outcome.s === 'rejected') {
      const deliberate = this.opts.retryRejected || (last === 'rejected' && journalGen <= gen);
      if (deliberate && derived) return send(journalGen + 1);
      if (deliberate) return send(journalGen);
      return { action: 'done', id: outcome.id, outcome };
    }
    if (outcome.s === 'failed' && !outcome.sent) return this.opts.lookupFirst ? lookup(intent.id, journalGen, 0, false) : send(journalGen);
    return lookup(intent.id, journalGen, Date.parse(outcome.at), true);

    function send(g: number): Decision {
      return { action: 'send', id: idFor(g), key, gen: g, derived };
    }
    function lookup(id: string, g: number, lastSentAt: number, confirm: boolean): Decision {
      const ids = derived ? idsThrough(key, g) : [key];
      return { action: 'lookup', id, key, gen: g, derived, ids, lastSentAt, confirm };
    }
  }

  /** Whether the journal holds a derived id's history under this 14-character base. */
  private isDerivedKey(base: string): boolean {
    const intent = this.journal.lookup(base)?.intent;
    return intent !== undefined && isDerivedId(intent.id) && baseOf(intent.id) === base;
  }

  private planFresh(base: string): Decision {
    const entry = this.journal.lookup(base);
    if (!entry?.intent) {
      if (this.opts.lookupFirst) return { action: 'lookup', id: withGeneration(base, 0), key: base, gen: 0, derived: true, ids: idsThrough(base, 0), lastSentAt: 0, confirm: false };
      return { action: 'send', id: withGeneration(base, 0), key: base, gen: 0, derived: true };
    }
    // The corrected content was itself sent before: treat it like any row.
    const outcome = entry.outcome;
    if (outcome && DONE.has(outcome.s)) return { action: 'done', id: outcome.id, outcome };
    const ids = idsThrough(base, entry.intent.gen);
    return { action: 'lookup', id: entry.intent.id, key: base, gen: entry.intent.gen, derived: true, ids, lastSentAt: Date.parse(entry.intent.at), confirm: true };
  }
}
