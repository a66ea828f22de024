/**
 * Derived merchant transaction ids (docs/exactly-once.md#ids): 14 characters of [0-9a-z] from
 * a hash of the batch id, the row's canonical content and its position among
 * identical canonical rows of the file, then 2 for the generation.
 *
 * The same rows give the same ids whatever the file is called, however it was
 * re-saved, and from stdin; two identical rows of one file differ; a row
 * corrected after a rejection keeps nothing of the old id.
 */
import { createHmac, hash } from 'node:crypto';
import type { Operation } from '../rows/types.js';
import { HashCounter } from './hash-counter.js';
import { HashSet64 } from './hash-set.js';

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
    this.occurrences = new HashCounter(opts.expectedRows);
  }

  /** The canonical content of a row: what makes two rows "the same operation". */
  canonical(op: Operation): string {
    const entity = op.entityId ?? this.opts.defaultEntityId;
    let ref = op.paymentId ?? op.registrationId ?? '';
    if (op.card) ref = cardRef(this.opts.cardKey, op.card.number);
    return `${this.opts.batchId}${SEP}${op.type}${SEP}${entity}${SEP}${ref}${SEP}${op.amount ?? ''}${SEP}${op.currency ?? ''}`;
  }

  /** The 14-character base for the next row with this content. */
  nextBase(op: Operation): string {
    const canonical = this.canonical(op);
    const key = hash('sha256', canonical);
    const occurrence = this.occurrences.next(parseInt(key.slice(0, 8), 16), parseInt(key.slice(8, 16), 16));
    return base36Of72Bits(hash('sha256', canonical + SEP + occurrence));
  }
}

/**
 * The first 72 bits of a hex digest as 14 base-36 digits (36^14 > 2^72),
 * zero-padded: the same as `BigInt('0x' + hex.slice(0, 18)).toString(36)`
 * padded to 14, without a BigInt. The number is kept as 48 high bits and 24
 * low bits, both exact in a double, and divided by 36 digit by digit.
 */
export function base36Of72Bits(hex: string): string {
  let hi = parseInt(hex.slice(0, 12), 16);
  let lo = parseInt(hex.slice(12, 18), 16);
  let out = '';
  for (let i = 0; i < BASE_LENGTH; i++) {
    const r = hi % 36;
    hi = (hi - r) / 36;
    const mid = r * 0x1000000 + lo;
    const digit = mid % 36;
    lo = (mid - digit) / 36;
    out = DIGITS36[digit]! + out;
  }
  return out;
}
const DIGITS36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Remembers the verbatim merchant transaction ids of a file to find
 * duplicates, at 64 bits per id.
 */
/** The first 64 bits of an id's SHA-256, as two 32-bit halves (SeenIds' key). */
function hash64(id: string): [number, number] {
  const d = hash('sha256', id);
  return [parseInt(d.slice(0, 8), 16), parseInt(d.slice(8, 16), 16)];
}

export class SeenIds {
  private readonly seen: HashSet64;
  /** `expectedIds`, when known (the rows of the file), sizes the set once instead of growing it. */
  constructor(expectedIds?: number) {
    this.seen = new HashSet64(expectedIds);
  }
  /** Remember the id; true when it is new, false when it was already seen in this file. */
  addIfNew(id: string): boolean {
    const [hi, lo] = hash64(id);
    return this.seen.addIfNew(hi, lo);
  }
  /** Whether the id was seen, without remembering it. */
  has(id: string): boolean {
    const [hi, lo] = hash64(id);
    return this.seen.has(hi, lo);
  }
}
