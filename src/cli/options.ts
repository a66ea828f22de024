/**
 * The options `run`, `validate` and `reconcile` share: what yargs is told (the
 * tables, with each default and its help), and the zod pieces each command's
 * `normalise<Command>Options` (in its own file) builds its schema from. yargs
 * parses and shows help; the schema turns yargs' argv into one typed,
 * validated, defaulted object, and a bad value into a UsageError (exit 2).
 * Defaults live in {@link DEFAULTS} only: yargs shows them, the schemas apply them.
 */
import type { Options } from 'yargs';
import * as z from 'zod';
import { durationWarning, parseDuration, WAIT } from '../time/duration.js';
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
 * empty string. main.ts swaps it in, the input positional's schema back.
 */
export const STDIN_ARG = '\u0000stdin';

// ------------------------------------------------------------------ zod pieces

/** A flag given twice comes as an array: the last one counts, for every flag that takes one value. */
export function last(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** A flag's value refused: the issue zod collects, its message said word for word by {@link parseOptions}. */
export function refuse(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/**
 * argv through a command's schema: the options object, or the first refusal
 * (in the schema's key order, then its cross-flag checks) as a UsageError.
 */
export function parseOptions<S extends z.ZodType>(schema: S, argv: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(argv);
  if (parsed.success) return parsed.data;
  // Every refusal is a custom issue with its own message; anything else is a schema that let a value through untyped.
  const issue = parsed.error.issues[0]!;
  throw new UsageError(issue.code === 'custom' ? issue.message : `--${issue.path.join('.')}: ${issue.message}`);
}

/** `fn`'s value, or its UsageError as the schema's refusal (for the parsers of src/sim/options.ts and others). */
export function attempt<T>(ctx: z.RefinementCtx, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UsageError) return refuse(ctx, err.message);
    throw err;
  }
}

/** A flag's value (the last one given) through `parse`, which throws a UsageError saying what to write. */
export function parsedBy<T>(parse: (raw: unknown) => T) {
  return z.transform((v, ctx): T => attempt(ctx, () => parse(last(v))));
}

/** As {@link parsedBy}, for a flag without a default: absent stays undefined. */
export function parsedIfGiven<T>(parse: (raw: unknown) => T) {
  return z.transform((v, ctx): T | undefined => (last(v) === undefined ? undefined : attempt(ctx, () => parse(last(v)))));
}

/** An optional string flag (the last one given); absent stays undefined. */
export const text = z.transform((v) => (last(v) === undefined ? undefined : String(last(v))));

/** A boolean flag (the last one given); absent is false. */
export const flag = z.transform((v) => Boolean(last(v)));

/** A string flag that may be repeated (`--column a=b --column c=d`): every value, in order. */
export const list = z.transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String)));

/** The input positional as the user wrote it: `-` for stdin. */
export function inputPositional(missing = 'name the input file (or - to read stdin)') {
  return z.transform((v, ctx) => {
    if (v === STDIN_ARG) return '-';
    const s = String(v ?? '');
    if (s === '') return refuse(ctx, missing);
    if (s.includes('\u0000')) return refuse(ctx, 'the input file name holds a NUL character');
    return s;
  });
}

function positiveInt(name: string, min = 1) {
  return z.transform((v, ctx) => {
    const raw = String(last(v) ?? '').trim();
    const n = raw === '' ? NaN : Number(raw);
    if (Number.isInteger(n) && n >= min) return n;
    return refuse(ctx, `--${name} ${raw === '' ? 'needs a value' : `"${raw}" is not valid`}: give a whole number of at least ${min}, e.g. --${name} ${Math.max(min, 8)}`);
  });
}

/**
 * The shortest `--lookup-interval`. A row is sent again only on an "absent"
 * answer to a lookup made at least this long after the previous absent one:
 * 0 would let one instant's answer count twice. 10 ms is not a safety margin
 * (--settle is); it only makes "later" strictly later on any clock.
 */
export const MIN_LOOKUP_INTERVAL_MS = 10;

/** A duration of run or reconcile (src/time/duration.ts, a timer's rules), with the warning a bare number below 1000 earns. */
interface Duration {
  ms: number;
  given: string;
  warning: string | undefined;
}

function duration(name: string, tooShort?: (given: string, ms: number) => string | undefined) {
  return z.transform((v, ctx): Duration => {
    const raw = last(v);
    let ms: number;
    try {
      ms = parseDuration(raw, `--${name}`, WAIT);
    } catch (err) {
      return refuse(ctx, (err as Error).message);
    }
    const short = tooShort?.(String(raw), ms);
    if (short) return refuse(ctx, short);
    return { ms, given: String(raw), warning: durationWarning(raw, `--${name}`) };
  });
}

const rate = z.transform((v, ctx) => {
  const raw = last(v);
  if (raw === undefined) return undefined;
  const n = String(raw).trim() === '' ? NaN : Number(raw);
  if (n > 0 && Number.isFinite(n)) return n;
  return refuse(ctx, `--rate "${String(raw)}" is not valid: give a number of requests per second above 0, e.g. --rate 20`);
});

/** The tuning flags, in the order their refusals are said; defaults from {@link DEFAULTS}. */
export const TUNING_SHAPE = {
  rate,
  concurrency: positiveInt('concurrency').prefault(DEFAULTS.concurrency),
  timeout: duration('timeout').prefault(DEFAULTS.timeout),
  'max-attempts': positiveInt('max-attempts').prefault(DEFAULTS.maxAttempts),
  'max-outage': duration('max-outage').prefault(DEFAULTS.maxOutage),
  settle: duration('settle').prefault(DEFAULTS.settle),
  'lookup-interval': duration('lookup-interval', (given, ms) =>
    ms < MIN_LOOKUP_INTERVAL_MS
      ? `--lookup-interval ${given} is too short: the second lookup that confirms a row absent must come later than the first; give at least ${MIN_LOOKUP_INTERVAL_MS}ms (the default is ${DEFAULTS.lookupInterval})`
      : undefined,
  ).prefault(DEFAULTS.lookupInterval),
};

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

type TuningFlags = z.output<z.ZodObject<typeof TUNING_SHAPE>>;

/** The tuning flags as the batch takes them, and the warnings they earn (a bare number below 1000 is milliseconds, rarely meant). */
export function tuningOf(o: TuningFlags): { tuning: Tuning; warnings: string[] } {
  const durations = [o.timeout, o['max-outage'], o.settle, o['lookup-interval']];
  return {
    tuning: {
      concurrency: o.concurrency,
      rate: o.rate,
      timeoutMs: Math.max(1, o.timeout.ms),
      maxAttempts: o['max-attempts'],
      maxOutageMs: o['max-outage'].ms,
      settleMs: o.settle.ms,
      lookupIntervalMs: o['lookup-interval'].ms,
    },
    warnings: durations.flatMap((d) => (d.warning ? [d.warning] : [])),
  };
}

const TUNING_SCHEMA = z.object(TUNING_SHAPE).transform(tuningOf);

/** The tuning flags alone (reconcile's, and run's before its --settle check). */
export function normaliseTuning(argv: Record<string, unknown>): Tuning {
  return parseOptions(TUNING_SCHEMA, argv).tuning;
}

/**
 * A lookup proves a row absent only once its request can no longer be
 * executing: `--settle` is counted from the end of the send, and may not be
 * shorter than `--timeout` (a request the client gave up on may still be
 * queued in front of the gateway for as long as the client waited).
 */
export function settleNotBelowTimeout(o: Pick<TuningFlags, 'settle' | 'timeout'>, ctx: z.RefinementCtx): void {
  if (o.settle.ms < Math.max(1, o.timeout.ms)) {
    refuse(
      ctx,
      `--settle ${o.settle.given} is shorter than --timeout ${o.timeout.given}: a lookup that soon could call absent a request that is still being processed, ` +
        `and the row would be sent twice. Give --settle at least the --timeout (lower --timeout to look up sooner)`,
    );
  }
}

/** `--test-mode external` as `EXTERNAL`; anything else is refused saying what it can be. */
const testMode = z.transform((v, ctx): 'EXTERNAL' | 'INTERNAL' | undefined => {
  if (v === undefined) return undefined;
  const s = String(last(v)).trim().toUpperCase();
  if (s === 'EXTERNAL' || s === 'INTERNAL') return s;
  return refuse(ctx, `--test-mode "${String(v)}" must be EXTERNAL or INTERNAL`);
});

/** `--test-mode`: said before the other flags' refusals, as when yargs checked it. */
export const TEST_MODE_SHAPE = { 'test-mode': testMode };

export const GATEWAY_SHAPE = {
  gateway: text,
  live: flag,
  yes: flag,
  'token-file': text,
  'entity-id': text,
  token: text,
  'sim-seed': text,
};

/** Which gateway, as the flags say (gateway-config.ts adds the environment and checks it). */
export interface GatewayOptions {
  /** `--gateway`; undefined: $OPPWA_BASE_URL. */
  gateway: string | undefined;
  live: boolean;
  yes: boolean;
  tokenFile: string | undefined;
  entityId: string | undefined;
  testMode: 'EXTERNAL' | 'INTERNAL' | undefined;
  /** `--token`, known only to be refused (a token is never a flag value). */
  token: string | undefined;
  simSeed: string | undefined;
}

export function gatewayOf(o: z.output<z.ZodObject<typeof TEST_MODE_SHAPE & typeof GATEWAY_SHAPE>>): GatewayOptions {
  return {
    gateway: o.gateway,
    live: o.live,
    yes: o.yes,
    tokenFile: o['token-file'],
    entityId: o['entity-id'],
    testMode: o['test-mode'],
    token: o.token,
    simSeed: o['sim-seed'],
  };
}

/**
 * `--gateway https://host/v1` (or OPPWA_BASE_URL so): payops adds `/v1/…` to
 * every request itself, so a trailing `/v1` would make every row `path: no
 * such resource`. It is taken off, with a warning.
 */
export function stripApiVersion(g: GatewayOptions, env: NodeJS.ProcessEnv = process.env): { gateway: GatewayOptions; warning?: string } {
  const given = g.gateway ?? env.OPPWA_BASE_URL;
  if (typeof given !== 'string' || !/^https?:\/\//i.test(given)) return { gateway: g };
  const stripped = given.replace(/\/v1\/*$/i, '');
  if (stripped === given) return { gateway: g };
  return {
    gateway: { ...g, gateway: stripped },
    warning: `the gateway URL ends in /v1, which payops adds to every request itself: using ${stripped}`,
  };
}

/** A string flag where an empty value means "not given" (detect it). */
const detected = z.transform((v) => {
    const s = last(v);
    return s === undefined || s === '' ? undefined : String(s);
  });

export const INPUT_SHAPE = {
  encoding: detected,
  delimiter: detected,
  sheet: detected,
  column: list,
  columns: detected,
  'decimal-comma': flag,
  'allow-card-data': flag,
};

/** How to read the input, as the flags say. */
export interface InputOptions {
  encoding: string | undefined;
  delimiter: string | undefined;
  sheet: string | undefined;
  /** `--column FIELD=HEADER`, each one given. */
  column: string[];
  /** `--columns FILE`. */
  columnsFile: string | undefined;
  decimalComma: boolean;
  allowCardData: boolean;
}

export function inputOf(o: Partial<z.output<z.ZodObject<typeof INPUT_SHAPE>>>): InputOptions {
  return {
    encoding: o.encoding,
    delimiter: o.delimiter,
    sheet: o.sheet,
    column: o.column ?? [],
    columnsFile: o.columns,
    decimalComma: o['decimal-comma'] ?? false,
    allowCardData: o['allow-card-data'] ?? false,
  };
}

/** The input reader's options: the `--columns` file is read here (absent = detect). */
export function readerOptions(o: InputOptions): { encoding?: string; delimiter?: string; sheet?: string; columns?: ColumnMapping } {
  return {
    ...(o.column.length > 0 || o.columnsFile !== undefined ? { columns: parseColumnMapping(o.column, o.columnsFile) } : {}),
    ...(o.encoding !== undefined ? { encoding: o.encoding } : {}),
    ...(o.delimiter !== undefined ? { delimiter: o.delimiter } : {}),
    ...(o.sheet !== undefined ? { sheet: o.sheet } : {}),
  };
}

/** `--log-format`: yargs has checked the choice. */
export const logFormat = z.transform((v) => last(v) === 'json').prefault(DEFAULTS.logFormat);
