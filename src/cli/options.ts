/**
 * Every option of every command, with its default and help, in one table.
 * Normalisation (durations, numbers, choices) happens here and nowhere else.
 */
import type { Options } from 'yargs';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';

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
  'test-mode': { choices: ['EXTERNAL', 'INTERNAL'], describe: 'add testMode=… to requests (never sent to a live host) [default: not sent]' },
  'sim-seed': { type: 'string', describe: 'with --gateway sim: CSV of payments to seed the simulator with' },
} satisfies Record<string, Options>;

const tuning = {
  concurrency: { type: 'number', default: DEFAULTS.concurrency, describe: 'requests in flight at once' },
  rate: { type: 'number', describe: 'requests per second across all workers, lookups included [default: unlimited]' },
  timeout: { type: 'string', default: DEFAULTS.timeout, describe: 'per request; 250ms, 60s, 5m or milliseconds' },
  'max-attempts': { type: 'number', default: DEFAULTS.maxAttempts, describe: 'sends per row per run, and lookups of an unknown row' },
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

function positiveInt(v: unknown, flag: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} "${String(v)}" must be a whole number of at least ${min}`);
  return n;
}

function duration(v: unknown, flag: string): number {
  try {
    return parseDuration(v, `--${flag}`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function normaliseTuning(argv: Record<string, unknown>): Tuning {
  const rate = argv.rate === undefined ? undefined : Number(argv.rate);
  if (rate !== undefined && !(rate > 0)) throw new UsageError(`--rate "${String(argv.rate)}" must be a number of requests per second above 0`);
  return {
    concurrency: positiveInt(argv.concurrency, 'concurrency'),
    rate,
    timeoutMs: Math.max(1, duration(argv.timeout, 'timeout')),
    maxAttempts: positiveInt(argv['max-attempts'], 'max-attempts'),
    maxOutageMs: duration(argv['max-outage'], 'max-outage'),
    settleMs: duration(argv.settle, 'settle'),
    lookupIntervalMs: duration(argv['lookup-interval'], 'lookup-interval'),
  };
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
export function inputOptions(argv: Record<string, unknown>): { encoding?: string; delimiter?: string; sheet?: string } {
  return {
    ...(argv.encoding ? { encoding: String(argv.encoding) } : {}),
    ...(argv.delimiter ? { delimiter: String(argv.delimiter) } : {}),
    ...(argv.sheet !== undefined && argv.sheet !== '' ? { sheet: String(argv.sheet) } : {}),
  };
}
