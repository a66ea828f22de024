/**
 * The simulator's seed: payments and registrations that exist before the first
 * request. Read from a CSV file (`payment_id,payment_type,amount,currency[,entity_id]`)
 * or given as objects. Every problem is a UsageError naming where and what to do.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import * as z from 'zod';
import { UsageError } from '../errors.js';
import type { TxMode } from './ledger.js';
import type { SeedPayment } from './server.js';
import { formatCents, ID_RE, toCents } from './util.js';

/** A seed entry after validation: lower-case ids, two-decimal amount, upper-case currency. */
export interface NormalisedSeed {
  id: string;
  paymentType: 'PA' | 'DB' | 'RG';
  /** Cents; 0 for a registration without an amount. */
  cents: number;
  amount: string | null;
  currency: string | null;
  entityId: string;
  /** Epoch ms the payment was made; null = when the simulator started. */
  createdAt: number | null;
  chargebacked: boolean;
  /** null = not given: a reference in any mode may use it. */
  testMode: TxMode | null;
}

const COLUMNS = ['payment_id', 'payment_type', 'amount', 'currency', 'entity_id', 'created_at', 'chargebacked', 'test_mode'] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED: Column[] = ['payment_id', 'payment_type', 'amount', 'currency'];
const HINT =
  'a seed file has the columns payment_id, payment_type (PA, DB or RG), amount, currency and optionally entity_id, created_at (ISO 8601), chargebacked (yes/no) and test_mode (INTERNAL, EXTERNAL or LIVE)';

/** Header names match case-insensitively, ignoring spaces, `_`, `-` and `.` (as input files do, docs/input.md#headers). */
function canonicalHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s_.-]+/g, '');
}
const BY_CANONICAL = new Map<string, Column>(COLUMNS.map((c) => [canonicalHeader(c), c]));
BY_CANONICAL.set('id', 'payment_id');
BY_CANONICAL.set('type', 'payment_type');
BY_CANONICAL.set('paymenttype', 'payment_type');

function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const counts: Array<[string, number]> = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0] && counts[0][1] > 0 ? counts[0][0] : ',';
}

/** Read and validate a seed CSV file. */
export async function loadSeedFile(file: string, defaultEntity: string): Promise<NormalisedSeed[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`cannot read seed file ${file}: ${reason}; pass --seed with a CSV file (${HINT})`);
  }
  return parseSeedCsv(text, file, defaultEntity);
}

/** Parse seed CSV text; `file` names the source in error messages. */
export function parseSeedCsv(text: string, file: string, defaultEntity: string): NormalisedSeed[] {
  let rows: Array<{ record: string[]; info: { lines: number } }>;
  try {
    rows = parse(text, {
      bom: true,
      delimiter: detectDelimiter(text.replace(/^\uFEFF/, '')),
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    throw new UsageError(`seed file ${file} is not a readable CSV (${(err as Error).message}); ${HINT}`);
  }
  const header = rows.shift();
  if (!header) throw new UsageError(`seed file ${file} is empty; ${HINT}`);
  const index = new Map<Column, number>();
  header.record.forEach((h, i) => {
    const col = BY_CANONICAL.get(canonicalHeader(h));
    if (col === undefined) return; // other columns are the user's own notes
    if (index.has(col)) {
      throw new UsageError(`seed file ${file} line ${header.info.lines}: two columns for ${col} ("${header.record[index.get(col)!]}" and "${h}"); keep one`);
    }
    index.set(col, i);
  });
  const missing = REQUIRED.filter((c) => !index.has(c));
  if (missing.length > 0) {
    throw new UsageError(
      `seed file ${file} line ${header.info.lines}: missing column ${missing.join(', ')} (found: ${header.record.join(', ') || 'nothing'}); ${HINT}`,
    );
  }
  const seeds: SeedPayment[] = [];
  const lines: number[] = [];
  for (const { record, info } of rows) {
    const cell = (c: Column): string => {
      const i = index.get(c);
      return i === undefined ? '' : (record[i] ?? '').trim();
    };
    const entity = cell('entity_id');
    const createdAt = cell('created_at');
    const chargebacked = cell('chargebacked');
    const testMode = cell('test_mode');
    seeds.push({
      id: cell('payment_id'),
      paymentType: cell('payment_type') as SeedPayment['paymentType'],
      amount: cell('amount'),
      currency: cell('currency'),
      ...(entity ? { entityId: entity } : {}),
      ...(createdAt ? { createdAt } : {}),
      ...(chargebacked ? { chargebacked } : {}),
      ...(testMode ? { testMode } : {}),
    });
    lines.push(info.lines);
  }
  return normaliseSeeds(seeds, defaultEntity, (i) => `seed file ${file} line ${lines[i]}`);
}

/**
 * One seed entry: each field read and checked, with the message for what is
 * wrong with it; amount and currency by the payment type (a registration has
 * none of its own). Messages name the field's value; `normaliseSeeds` puts
 * where the entry is in front and reports the first problem, in column order.
 */
function say(ctx: { issues: z.core.$ZodRawIssue[] }, input: unknown, message: string, path?: string): never {
  ctx.issues.push({ code: 'custom', message, input, continue: true, ...(path ? { path: [path] } : {}) });
  return z.NEVER;
}
const seedEntry = z
  .object({
    id: z.unknown().transform((v, ctx) => {
      const id = String(v ?? '').trim();
      return ID_RE.test(id) ? id.toLowerCase() : say(ctx, v, `payment_id "${id}" is not 32 hexadecimal characters; fix it or remove the row`);
    }),
    paymentType: z.unknown().transform((v, ctx) => {
      const type = String(v ?? '').trim().toUpperCase();
      return type === 'PA' || type === 'DB' || type === 'RG'
        ? type
        : say(ctx, v, `payment_type "${String(v)}" is not PA, DB or RG (registration); fix it or remove the row`);
    }),
    amount: z.unknown().transform((v) => String(v ?? '').trim()),
    currency: z.unknown().transform((v) => ({ raw: v, code: String(v ?? '').trim().toUpperCase() })),
    entityId: z.unknown().transform((v, ctx) => {
      const entity = String(v ?? '').trim();
      if (entity === '') return undefined;
      return ID_RE.test(entity) ? entity.toLowerCase() : say(ctx, v, `entity_id "${entity}" is not 32 hexadecimal characters; fix it or leave it empty for the default entity`);
    }),
    createdAt: z.unknown().transform((v, ctx): number | null => {
      if (v === undefined || v === '') return null;
      const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v.trim()) ? Date.parse(v.trim()) : Number.NaN;
      if (Number.isFinite(ms)) return ms;
      return say(ctx, v, `created_at "${String(v)}" is not a date; write ISO 8601, e.g. 2026-11-01 or 2026-11-01T10:00:00Z, or leave it empty (made when the simulator started)`);
    }),
    chargebacked: z.unknown().transform((v, ctx): boolean => {
      if (v === undefined || v === '' || v === false) return false;
      if (v === true) return true;
      const flag = String(v).trim().toLowerCase();
      if (['yes', 'y', 'true', '1'].includes(flag)) return true;
      if (['no', 'n', 'false', '0', ''].includes(flag)) return false;
      return say(ctx, v, `chargebacked "${String(v)}" is not yes or no; write yes, no, true, false, 1 or 0, or leave it empty`);
    }),
    testMode: z.unknown().transform((v, ctx): TxMode | null => {
      if (v === undefined || String(v).trim() === '') return null;
      const mode = String(v).trim().toUpperCase();
      if (mode === 'INTERNAL' || mode === 'EXTERNAL' || mode === 'LIVE') return mode;
      return say(ctx, v, `test_mode "${String(v)}" is not INTERNAL, EXTERNAL or LIVE; fix it or leave it empty (any mode may reference the payment)`);
    }),
  })
  // A registration has no amount or currency of its own: empty (or 0.00) is fine.
  .transform((e, ctx) => {
    let cents = 0;
    let amount: string | null = null;
    if (e.amount !== '' || e.paymentType !== 'RG') {
      if (!/^[0-9]{1,12}(\.[0-9]{1,2})?$/.test(e.amount) || (toCents(e.amount) === 0 && e.paymentType !== 'RG')) {
        say(ctx, e.amount, `amount "${e.amount}" is not a positive amount like 50.00 (digits, "." and at most 2 decimals); fix it or remove the row`, 'amount');
      } else {
        cents = toCents(e.amount);
        amount = formatCents(cents);
      }
    }
    let currency: string | null = null;
    if (e.currency.code !== '' || e.paymentType !== 'RG') {
      if (!/^[A-Z]{3}$/.test(e.currency.code)) {
        say(ctx, e.currency.raw, `currency "${String(e.currency.raw ?? '')}" is not a 3-letter ISO 4217 code like EUR; fix it or remove the row`, 'currency');
      } else currency = e.currency.code;
    }
    return { ...e, cents, amount, currency };
  });

/** The fields of a seed entry in the order their problems are reported. */
const SEED_ORDER = ['id', 'paymentType', 'amount', 'currency', 'entityId', 'createdAt', 'chargebacked', 'testMode'];

/** Validate seed objects (from a file or from code). `where(i)` names entry i in messages. */
export function normaliseSeeds(
  seeds: readonly SeedPayment[],
  defaultEntity: string,
  where: (i: number) => string = (i) => `seed entry ${i + 1}`,
): NormalisedSeed[] {
  const out: NormalisedSeed[] = [];
  const seen = new Map<string, number>();
  seeds.forEach((s, i) => {
    const at = where(i);
    // Every field present (undefined when not given), so that each is read.
    const { id, paymentType, amount, currency, entityId, createdAt, chargebacked, testMode } = s;
    const parsed = seedEntry.safeParse({ id, paymentType, amount, currency, entityId, createdAt, chargebacked, testMode });
    const issues = parsed.success ? [] : [...parsed.error.issues].sort((a, b) => SEED_ORDER.indexOf(String(a.path[0])) - SEED_ORDER.indexOf(String(b.path[0])));
    if (issues[0]?.path[0] === 'id') throw new UsageError(`${at}: ${issues[0].message}`);
    const lower = String(s.id ?? '').trim().toLowerCase();
    if (seen.has(lower)) {
      throw new UsageError(`${at}: payment_id ${lower} is already seeded by ${where(seen.get(lower)!)}; each payment_id must appear once`);
    }
    seen.set(lower, i);
    if (!parsed.success) throw new UsageError(`${at}: ${issues[0]!.message}`);
    const e = parsed.data;
    out.push({
      id: e.id,
      paymentType: e.paymentType,
      cents: e.cents,
      amount: e.amount,
      currency: e.currency,
      entityId: e.entityId ?? defaultEntity,
      createdAt: e.createdAt,
      chargebacked: e.chargebacked,
      testMode: e.testMode,
    });
  });
  return out;
}
