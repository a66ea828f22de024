/**
 * Derived merchant transaction ids (SPEC §4): 14 characters of [0-9a-z] from
 * a hash of the batch id, the row's canonical content and its position among
 * identical canonical rows of the file, then 2 for the generation.
 *
 * The same rows give the same ids whatever the file is called, however it was
 * re-saved, and from stdin; two identical rows of one file differ; a row
 * corrected after a rejection keeps nothing of the old id.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Operation } from '../rows/types.js';
import { HashCounter } from './hash-counter.js';

export const DERIVED_ID_LENGTH = 16;
const BASE_LENGTH = 14;
const SEP = '\u001f';

/** Whether an id has the shape of a derived one (so its generation can be read and bumped). */
export function isDerivedId(id: string): boolean {
  return /^[0-9a-z]{16}$/.test(id);
}

/** The 14-character base of a derived id. */
export function baseOf(id: string): string {
  return id.slice(0, BASE_LENGTH);
}

/** Generation number of a derived id (`00` → 0, `0z` → 35, `10` → 36). */
export function generationOf(id: string): number {
  return Number.parseInt(id.slice(BASE_LENGTH), 36);
}

export function withGeneration(base: string, generation: number): string {
  if (generation < 0 || generation >= 36 * 36) throw new RangeError(`generation ${generation} out of range`);
  return base + generation.toString(36).padStart(2, '0');
}

/** How a card credit names its card in ids and the journal: a keyed hash, never the number. */
export function cardRef(cardKey: Buffer, cardNumber: string): string {
  return 'card:' + createHmac('sha256', cardKey).update(cardNumber).digest('hex');
}

/** Every id a derived base was sent under, generations 0 to `generation`: what a lookup asks for. */
export function idsThrough(base: string, generation: number): string[] {
  return Array.from({ length: generation + 1 }, (_, g) => withGeneration(base, g));
}

export interface DeriveOptions {
  batchId: string;
  defaultEntityId: string;
  /** Key for the keyed hash of card numbers (kept in the state directory). */
  cardKey: Buffer;
  /** Rows in the file, when known: the counter is sized once instead of growing. */
  expectedRows?: number;
}

/**
 * Derives ids for the rows of one file, in file order. Keeps one 64-bit
 * counter per distinct canonical row.
 */
export class IdDeriver {
  private readonly occurrences: HashCounter;
  constructor(private readonly opts: DeriveOptions) {
    this.occurrences = new HashCounter(opts.expectedRows ? opts.expectedRows * 2 : undefined);
  }

  /** The canonical content of a row: what makes two rows "the same operation". */
  canonical(op: Operation): string {
    const entity = op.entityId ?? this.opts.defaultEntityId;
    let ref = op.paymentId ?? op.registrationId ?? '';
    if (op.card) ref = cardRef(this.opts.cardKey, op.card.number);
    return [this.opts.batchId, op.type, entity, ref, op.amount ?? '', op.currency ?? ''].join(SEP);
  }

  /** The 14-character base for the next row with this content. */
  nextBase(op: Operation): string {
    const canonical = this.canonical(op);
    const digest = createHash('sha256').update(canonical).digest();
    const occurrence = this.occurrences.next(digest.readUInt32BE(0), digest.readUInt32BE(4));
    const idDigest = createHash('sha256').update(canonical).update(SEP + occurrence).digest();
    // 72 bits → 14 base-36 digits (36^14 > 2^72).
    const n = (BigInt('0x' + idDigest.subarray(0, 9).toString('hex')));
    return n.toString(36).padStart(BASE_LENGTH, '0');
  }
}

/**
 * Remembers the verbatim merchant transaction ids of a file to find
 * duplicates, at 64 bits per id.
 */
export class SeenIds {
  private readonly seen = new HashCounter();
  /** Returns true when the id was already seen in this file. */
  add(id: string): boolean {
    const d = createHash('sha256').update(id).digest();
    return this.seen.next(d.readUInt32BE(0), d.readUInt32BE(4)) > 0;
  }
}
