/** Fakes for the unit tests of the batch steps: a gateway client that answers from a script, a journal that records, a planner that decides as told. */
import type { Exchange, GatewayClient } from '../../src/gateway/client.js';
import type { GatewayRequest } from '../../src/gateway/requests.js';
import type { IntentRecord, OutcomeRecord } from '../../src/plan/journal.js';
import type { Decision, Planner } from '../../src/plan/planner.js';
import { MemoryStore } from '../../src/plan/store/memory.js';
import type { Row } from '../../src/batch/row.js';
import { BatchState, type BatchOptions } from '../../src/batch/state.js';

export const ENTITY = '8a8294174b7ecb28014b9699220015ca';
export const PAYMENT = 'b'.repeat(24) + '10000001';

/** An answer of the gateway with this result code (and more fields of a payment). */
export function answer(code: string, fields: Record<string, unknown> = {}, httpStatus = 200): Exchange {
  return { kind: 'answered', httpStatus, body: JSON.stringify({ ...fields, result: { code, description: `desc ${code}` } }) };
}

/** A query answer listing these payments. */
export function queryAnswer(payments: Record<string, unknown>[]): Exchange {
  return {
    kind: 'answered',
    httpStatus: 200,
    body: JSON.stringify({ result: { code: '000.000.100', description: 'ok' }, payments: payments.map((p) => ({ ...p, result: { code: p.code, description: '' } })) }),
  };
}

export const NOT_FOUND = answer('700.400.580', {}, 200);

/** A client answering each request with the next exchange of `script` for its method (the last one repeats). */
export function fakeClient(script: { POST?: Exchange[]; GET?: Exchange[] }) {
  const sent: GatewayRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const client = {
    async send(req: GatewayRequest): Promise<Exchange> {
      sent.push(req);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      const list = script[req.method] ?? [];
      return (list.length > 1 ? list.shift() : list[0]) ?? { kind: 'lost', reason: 'no answer scripted' };
    },
  };
  return { client: client as unknown as GatewayClient, sent, peak: () => peak };
}

/** A journal in memory that keeps what it is told. */
export class RecordingJournal extends MemoryStore {
  readonly intents: IntentRecord[] = [];
  readonly outcomes: Omit<OutcomeRecord, 'k'>[] = [];
  override intent(rec?: Omit<IntentRecord, 'k'>): Promise<void> {
    if (rec) this.intents.push(rec as IntentRecord);
    return super.intent();
  }
  override outcome(rec?: Omit<OutcomeRecord, 'k'>): void {
    if (rec) this.outcomes.push(rec);
  }
}

export function fakePlanner(decide: () => Decision): Planner {
  return { plan: decide } as unknown as Planner;
}

export function state(over: Partial<BatchOptions> = {}): BatchState {
  const o: BatchOptions = {
    batches: (async function* () {})(),
    valuesOf: (cells) => ({ operation: cells[0], payment_id: cells[1], amount: cells[2], currency: cells[3], merchant_transaction_id: cells[4] }),
    sourceName: 'in.csv',
    defaultEntityId: ENTITY,
    client: fakeClient({}).client,
    journal: new RecordingJournal(),
    planner: fakePlanner(() => ({ action: 'send', id: 'ID-1', key: 'K-1', gen: 0, derived: false }) as Decision),
    cardRef: (n) => `ref-${n}`,
    concurrency: 2,
    rate: undefined,
    maxAttempts: 3,
    settleMs: 0,
    lookupIntervalMs: 0,
    maxOutageMs: 60_000,
    decimalComma: false,
    allowCardData: false,
    dryRun: false,
    sink: () => undefined,
    stopSignal: new AbortController().signal,
    ...over,
  };
  return new BatchState(o);
}

/** A refund row ready to send, as admit makes it. */
export function refundRow(over: Partial<Row> = {}): Row {
  return {
    place: 0,
    line: 2,
    cells: ['refund', PAYMENT, '10.00', 'EUR'],
    op: { type: 'RF', paymentId: PAYMENT, amount: '10.00', currency: 'EUR' },
    entity: ENTITY,
    identity: { id: 'ID-1', type: 'RF', ref: PAYMENT, amount: '10.00', currency: 'EUR', entity: ENTITY },
    decision: { action: 'send', id: 'ID-1', key: 'K-1', gen: 0, derived: false } as Row['decision'],
    attempts: 0,
    lastSentAt: 0,
    lookups: 0,
    absentAt: 0,
    sentEnd: 0,
    ...over,
  };
}
