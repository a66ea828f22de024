/**
 * The simulator's seed: payments and registrations that exist before the first
 * request. Read from a CSV file (`payment_id,payment_type,amount,currency[,entity_id]`)
 * or given as objects. Every problem is a UsageError naming where and what to do.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
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
    const id = String(s.id ?? '').trim();
    if (!ID_RE.test(id)) {
      throw new UsageError(`${at}: payment_id "${id}" is not 32 hexadecimal characters; fix it or remove the row`);
    }
    const lower = id.toLowerCase();
    if (seen.has(lower)) {
      throw new UsageError(`${at}: payment_id ${lower} is already seeded by ${where(seen.get(lower)!)}; each payment_id must appear once`);
    }
    seen.set(lower, i);
    const type = String(s.paymentType ?? '').trim().toUpperCase();
    if (type !== 'PA' && type !== 'DB' && type !== 'RG') {
      throw new UsageError(`${at}: payment_type "${s.paymentType}" is not PA, DB or RG (registration); fix it or remove the row`);
    }
    const amountText = String(s.amount ?? '').trim();
    const currencyText = String(s.currency ?? '').trim().toUpperCase();
    let cents = 0;
    let amount: string | null = null;
    if (amountText !== '' || type !== 'RG') {
      // A registration has no amount of its own: empty or 0.00 are both fine.
      if (!/^[0-9]{1,12}(\.[0-9]{1,2})?$/.test(amountText) || (toCents(amountText) === 0 && type !== 'RG')) {
        throw new UsageError(`${at}: amount "${amountText}" is not a positive amount like 50.00 (digits, "." and at most 2 decimals); fix it or remove the row`);
      }
      cents = toCents(amountText);
      amount = formatCents(cents);
    }
    let currency: string | null = null;
    if (currencyText !== '' || type !== 'RG') {
      if (!/^[A-Z]{3}$/.test(currencyText)) {
        throw new UsageError(`${at}: currency "${s.currency ?? ''}" is not a 3-letter ISO 4217 code like EUR; fix it or remove the row`);
      }
      currency = currencyText;
    }
    const entityText = String(s.entityId ?? '').trim();
    if (entityText !== '' && !ID_RE.test(entityText)) {
      throw new UsageError(`${at}: entity_id "${entityText}" is not 32 hexadecimal characters; fix it or leave it empty for the default entity`);
    }
    out.push({
      id: lower,
      paymentType: type,
      cents,
      amount,
      currency,
      entityId: entityText === '' ? defaultEntity : entityText.toLowerCase(),
      createdAt: seedCreatedAt(s.createdAt, at),
      chargebacked: seedFlag(s.chargebacked, at),
      testMode: seedMode(s.testMode, at),
    });
  });
  return out;
}

function seedCreatedAt(value: string | number | Date | undefined, at: string): number | null {
  if (value === undefined || value === '') return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(`${at}: created_at "${String(value)}" is not a date; write ISO 8601, e.g. 2026-11-01 or 2026-11-01T10:00:00Z, or leave it empty (made when the simulator started)`);
  }
  return ms;
}

function seedFlag(value: string | boolean | undefined, at: string): boolean {
  if (value === undefined || value === '' || value === false) return false;
  if (value === true) return true;
  const v = value.trim().toLowerCase();
  if (['yes', 'y', 'true', '1'].includes(v)) return true;
  if (['no', 'n', 'false', '0', ''].includes(v)) return false;
  throw new UsageError(`${at}: chargebacked "${value}" is not yes or no; write yes, no, true, false, 1 or 0, or leave it empty`);
}

function seedMode(value: string | undefined, at: string): TxMode | null {
  if (value === undefined || value.trim() === '') return null;
  const v = value.trim().toUpperCase();
  if (v === 'INTERNAL' || v === 'EXTERNAL' || v === 'LIVE') return v;
  throw new UsageError(`${at}: test_mode "${value}" is not INTERNAL, EXTERNAL or LIVE; fix it or leave it empty (any mode may reference the payment)`);
}
