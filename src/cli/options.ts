/**
 * Every option of every command, with its default and help, in one table.
 * Normalisation (durations, numbers, choices) happens here and nowhere else.
 */
import type { Options } from 'yargs';
import { durationWarning, parseDuration } from './duration.js';
import { UsageError } from '../errors.js';
import { parseColumnMapping, type ColumnMapping } from '../input/headers.js';

export const DEFAULTS = {
  concurrency: 8,
  timeout: '60s',
  maxAttempts: 5,
  maxOutage: '5m',
  settle: '5m',
  lookupInterval: '30s',
  logFormat: 'text',
} as const;

const gateway = {
  gateway: {
    type: 'string',
    describe: 'gateway: test (https://eu-test.oppwa.com), live (https://eu-prod.oppwa.com), sim (in-process simulator) or a URL [default: $OPPWA_BASE_URL]',
  },
  live: { type: 'boolean', default: false, describe: 'confirm that a live (production) host is meant' },
  yes: { type: 'boolean', default: false, describe: 'skip the confirmation a live run asks for on a terminal' },
  'token-file': { type: 'string', describe: 'file holding the access token [default: $OPPWA_ACCESS_TOKEN]' },
  'entity-id': { type: 'string', describe: "default entity id; a row's entity_id overrides it [default: $OPPWA_ENTITY_ID]" },
  'test-mode': {
    type: 'string',
    coerce: testMode,
    describe: 'EXTERNAL or INTERNAL (any case): add testMode=… to requests (never sent to a live host) [default: not sent]',
  },
  // Not an option: accepted only so that the refusal says why (see gateway-config.ts).
  token: { type: 'string', hidden: true },
  'sim-seed': { type: 'string', describe: 'with --gateway sim: CSV of payments to seed the simulator with' },
} satisfies Record<string, Options>;

const tuning = {
  concurrency: { type: 'string', default: DEFAULTS.concurrency, describe: 'requests in flight at once' },
  rate: { type: 'string', describe: 'requests per second across all workers, lookups included [default: unlimited]' },
  timeout: { type: 'string', default: DEFAULTS.timeout, describe: 'per request; 250ms, 60s, 5m or milliseconds' },
  'max-attempts': { type: 'string', default: DEFAULTS.maxAttempts, describe: 'sends per row per run, and lookups of an unknown row' },
  'max-outage': { type: 'string', default: DEFAULTS.maxOutage, describe: 'stop (exit 3) after this long without a successful exchange' },
  settle: {
    type: 'string',
    default: DEFAULTS.settle,
    describe: 'wait this long after a send ends before looking up an unknown outcome; at least --timeout, and longer than the gateway\'s query lag',
  },
  'lookup-interval': { type: 'string', default: DEFAULTS.lookupInterval, describe: 'between lookups of one row (the gateway allows 2 per minute per id)' },
} satisfies Record<string, Options>;

const input = {
  encoding: { type: 'string', describe: 'input encoding (utf-8, utf-16le, windows-1252, …) [default: detected]' },
  delimiter: { type: 'string', describe: 'input delimiter: , ; or tab [default: detected]' },
  sheet: { type: 'string', describe: 'with an Excel workbook (.xlsx): the worksheet to read [default: the first]' },
  'decimal-comma': { type: 'boolean', default: false, describe: 'amounts use a decimal comma (12,50)' },
  'allow-card-data': { type: 'boolean', default: false, describe: 'accept card numbers for credits by card' },
  column: {
    type: 'string',
    array: true,
    describe: 'FIELD=HEADER, repeatable: the column HEADER holds FIELD (e.g. --column amount=Betrag --column operation=Vorgang)',
  },
  columns: { type: 'string', describe: 'file of FIELD=HEADER lines (or a JSON object {"amount": "Betrag"}), as --column' },
} satisfies Record<string, Options>;

const output = {
  out: { type: 'string', describe: 'results file: .xlsx writes a workbook, anything else CSV; - for stdout [default: <input stem>.results.csv beside the input, .results.xlsx for a workbook]' },
  failed: { type: 'string', describe: 'failed-rows file, CSV or .xlsx [default: <input stem>.failed.csv beside the input, .failed.xlsx for a workbook]' },
  'summary-json': { type: 'string', describe: 'also write the summary as JSON to this file' },
  quiet: { type: 'boolean', default: false, describe: 'print only errors that stop the run' },
  'log-format': { choices: ['text', 'json'], default: DEFAULTS.logFormat, describe: 'stderr as text, or one JSON object per line' },
  strict: { type: 'boolean', default: false, describe: 'exit 0 only if every row succeeded (review and pending count as not done)' },
} satisfies Record<string, Options>;

const state = {
  'state-dir': { type: 'string', describe: 'where the state lives [default: $XDG_STATE_HOME/payops, else ~/.local/state/payops]' },
  'state-url': { type: 'string', describe: 'keep the state in PostgreSQL instead (postgres://…), shared by every host of a team [default: $PAYOPS_STATE_URL]' },
  'batch-id': { type: 'string', default: '', describe: 'mixed into derived merchant transaction ids: use a new one for operations that legitimately repeat' },
  'retry-rejected': { type: 'boolean', default: false, describe: 'send rows the gateway rejected in an earlier run again (as a new generation)' },
  'break-lock': { type: 'boolean', default: false, describe: "take over the state lock of a run that is not running on this host" },
  'lookup-first': {
    type: 'boolean',
    default: false,
    describe: 'look every row up at the gateway before its first send (a new or lost state directory, another machine)',
  },
} satisfies Record<string, Options>;

export const RUN_OPTIONS = {
  ...gateway,
  ...tuning,
  ...input,
  ...output,
  ...state,
  report: { type: 'string', describe: 'also write the HTML report of the run to this file (see payops report)' },
  'dry-run': { type: 'boolean', default: false, describe: 'show what a run would do for each row (send, skip: already done, look up); send nothing' },
} satisfies Record<string, Options>;

export const VALIDATE_OPTIONS = {
  ...input,
  out: { type: 'string', describe: 'write the annotated CSV (status valid/invalid) here; - for stdout [default: none]' },
  quiet: output.quiet,
  'log-format': output['log-format'],
  'entity-id': gateway['entity-id'],
} satisfies Record<string, Options>;

export const RECONCILE_OPTIONS = {
  ...gateway,
  ...tuning,
  out: { type: 'string', describe: 'updated results file [default: <results stem>.reconciled.csv beside it]' },
  quiet: output.quiet,
  'log-format': output['log-format'],
  'summary-json': output['summary-json'],
  'state-dir': state['state-dir'],
  'state-url': state['state-url'],
  encoding: input.encoding,
  delimiter: input.delimiter,
} satisfies Record<string, Options>;

/**
 * What yargs is handed for a lone `-` (stdin): it would turn `-` into an
 * empty string. main.ts swaps it in, {@link inputArg} back.
 */
export const STDIN_ARG = '\u0000stdin';

/** The input positional as the user wrote it: `-` for stdin. */
export function inputArg(argv: Record<string, unknown>, key = 'input'): string {
  const v = argv[key];
  if (v === STDIN_ARG) return '-';
  const s = String(v ?? '');
  if (s === '') throw new UsageError('name the input file (or - to read stdin)');
  if (s.includes('\u0000')) throw new UsageError('the input file name holds a NUL character');
  return s;
}

/**
 * `--gateway https://host/v1` (or OPPWA_BASE_URL so): payops adds `/v1/…` to
 * every request itself, so a trailing `/v1` would make every row `path: no
 * such resource`. It is taken off, with a warning; undefined when nothing changed.
 */
export function stripApiVersion(argv: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): { argv: Record<string, unknown>; warning?: string } {
  const given = (argv.gateway as string | undefined) ?? env.OPPWA_BASE_URL;
  if (typeof given !== 'string' || !/^https?:\/\//i.test(given)) return { argv };
  const stripped = given.replace(/\/v1\/*$/i, '');
  if (stripped === given) return { argv };
  return {
    argv: { ...argv, gateway: stripped },
    warning: `the gateway URL ends in /v1, which payops adds to every request itself: using ${stripped}`,
  };
}

/** `--test-mode external` as `EXTERNAL`; anything else is refused saying what it can be. */
function testMode(v: unknown): 'EXTERNAL' | 'INTERNAL' | undefined {
  if (v === undefined) return undefined;
  const s = String(Array.isArray(v) ? v[v.length - 1] : v).trim().toUpperCase();
  if (s === 'EXTERNAL' || s === 'INTERNAL') return s;
  throw new UsageError(`--test-mode "${String(v)}" must be EXTERNAL or INTERNAL`);
}

/** Normalised tuning values. */
export interface Tuning {
  concurrency: number;
  rate: number | undefined;
  timeoutMs: number;
  maxAttempts: number;
  maxOutageMs: number;
  settleMs: number;
  lookupIntervalMs: number;
}

/** A flag given twice comes as an array: the last one counts, as for any other option. */
function last(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function positiveInt(v: unknown, flag: string, min = 1): number {
  const raw = String(last(v) ?? '').trim();
  const n = raw === '' ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`--${flag} ${raw === '' ? 'needs a value' : `"${raw}" is not valid`}: give a whole number of at least ${min}, e.g. --${flag} ${Math.max(min, 8)}`);
  }
  return n;
}

function duration(v: unknown, flag: string): number {
  try {
    return parseDuration(last(v), `--${flag}`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Things to warn about in the tuning flags: a bare number below 1000 is milliseconds, which is rarely meant. */
export function tuningWarnings(argv: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const flag of ['timeout', 'max-outage', 'settle', 'lookup-interval']) {
    const w = durationWarning(last(argv[flag]), `--${flag}`);
    if (w) out.push(w);
  }
  return out;
}

export function normaliseTuning(argv: Record<string, unknown>): Tuning {
  const rawRate = last(argv.rate);
  const rate = rawRate === undefined ? undefined : String(rawRate).trim() === '' ? NaN : Number(rawRate);
  if (rate !== undefined && !(rate > 0 && Number.isFinite(rate))) {
    throw new UsageError(`--rate "${String(rawRate)}" is not valid: give a number of requests per second above 0, e.g. --rate 20`);
  }
  return {
    concurrency: positiveInt(argv.concurrency, 'concurrency'),
    rate,
    timeoutMs: Math.max(1, duration(argv.timeout, 'timeout')),
    maxAttempts: positiveInt(argv['max-attempts'], 'max-attempts'),
    maxOutageMs: duration(argv['max-outage'], 'max-outage'),
    settleMs: duration(argv.settle, 'settle'),
    lookupIntervalMs: lookupInterval(argv['lookup-interval']),
  };
}

/**
 * The shortest `--lookup-interval`. A row is sent again only on an "absent"
 * answer to a lookup made at least this long after the previous absent one:
 * 0 would let one instant's answer count twice. 10 ms is not a safety margin
 * (--settle is); it only makes "later" strictly later on any clock.
 */
export const MIN_LOOKUP_INTERVAL_MS = 10;

function lookupInterval(v: unknown): number {
  const ms = duration(v, 'lookup-interval');
  if (ms < MIN_LOOKUP_INTERVAL_MS) {
    throw new UsageError(
      `--lookup-interval ${String(last(v))} is too short: the second lookup that confirms a row absent must come later than the first; give at least ${MIN_LOOKUP_INTERVAL_MS}ms (the default is ${DEFAULTS.lookupInterval})`,
    );
  }
  return ms;
}

/**
 * A lookup proves a row absent only once its request can no longer be
 * executing: `--settle` is counted from the end of the send, and may not be
 * shorter than `--timeout` (a request the client gave up on may still be
 * queued in front of the gateway for as long as the client waited).
 */
export function checkSettle(t: Pick<Tuning, 'settleMs' | 'timeoutMs'>, argv: Record<string, unknown>): void {
  if (t.settleMs < t.timeoutMs) {
    throw new UsageError(
      `--settle ${String(argv.settle)} is shorter than --timeout ${String(argv.timeout)}: a lookup that soon could call absent a request that is still being processed, ` +
        `and the row would be sent twice. Give --settle at least the --timeout (lower --timeout to look up sooner)`,
    );
  }
}

/** `--encoding` and `--delimiter` as the input reader takes them (absent = detect). */
export function inputOptions(argv: Record<string, unknown>): { encoding?: string; delimiter?: string; sheet?: string; columns?: ColumnMapping } {
  return {
    ...columnOptions(argv),
    ...(argv.encoding ? { encoding: String(argv.encoding) } : {}),
    ...(argv.delimiter ? { delimiter: String(argv.delimiter) } : {}),
    ...(argv.sheet !== undefined && argv.sheet !== '' ? { sheet: String(argv.sheet) } : {}),
  };
}

/** `--column FIELD=HEADER` (repeatable) and `--columns FILE` as the input reader takes them. */
export function columnOptions(argv: Record<string, unknown>): { columns?: ColumnMapping } {
  const col = argv.column;
  const list = col === undefined ? [] : (Array.isArray(col) ? col : [col]).map(String);
  const file = argv.columns ? String(last(argv.columns)) : undefined;
  if (list.length === 0 && file === undefined) return {};
  return { columns: parseColumnMapping(list, file) };
}
