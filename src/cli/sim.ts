/**
 * `payops sim`: start the gateway simulator (docs/simulator.md#starting). The first stdout line is
 * the base URL; the second says which token and entity it accepts. SIGINT or
 * SIGTERM closes it cleanly.
 */
import { randomInt } from 'node:crypto';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import * as z from 'zod';
import { attempt, flag, last, parsedBy, parsedIfGiven, parseOptions, text } from './options.js';
import { parseDuration, parseForceCodes, parseLatency, parseLimit, parseRate, parseSeed } from '../sim/options.js';
import { DEFAULT_SIM_ENTITY, DEFAULT_SIM_TOKEN, DEFAULT_STALL_MS } from '../sim/defaults.js';
import type { SimMode, SimOptions } from '../sim/server.js';

export interface SimArgs {
  host: string;
  port: number;
  token: string;
  seed?: string;
  'single-capture': boolean;
  'partial-reversal': boolean;
  'no-partial-reversal': boolean;
  'force-code'?: Array<string | number>;
  latency?: string;
  'fail-rate'?: number;
  'drop-rate'?: number;
  'throttle-rate'?: number;
  'stall-rate'?: number;
  'stall-ms': string;
  'fault-seed'?: number;
  'retry-after': number;
  mode: SimMode;
  'per-id-throttle': boolean;
  'throttle-window': string;
  'query-limit'?: number;
  'post-limit'?: number;
  'duplicate-check': boolean;
  'query-lag'?: string;
  'no-reports'?: Array<string | number>;
  'reversal-window'?: string;
  'refund-window'?: string;
  'capture-window'?: string;
}

/** The defaults of `payops sim`'s flags: yargs shows them, the schema applies them. */
export const SIM_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  token: DEFAULT_SIM_TOKEN,
  stallMs: String(DEFAULT_STALL_MS),
  retryAfter: 1,
  mode: 'integrator',
  throttleWindow: '60s',
} as const;

const rateFlag = (name: string) => parsedIfGiven((v) => parseRate(`--${name}`, v as number));
const windowFlag = (name: string) => parsedIfGiven((v) => parseDuration(`--${name}`, v as string));

/** `payops sim`'s flags, checked and defaulted: the refusals in this order. */
const SIM_SCHEMA = z
  .object({
    host: text.prefault(SIM_DEFAULTS.host),
    port: z.transform((v) => Number(last(v))).prefault(SIM_DEFAULTS.port),
    token: text.prefault(SIM_DEFAULTS.token),
    seed: text,
    'single-capture': flag,
    'partial-reversal': z.transform((v) => Boolean(last(v))).prefault(true),
    'no-partial-reversal': flag,
    'force-code': z.transform((v, ctx) => attempt(ctx, () => parseForceCodes(v as Array<string | number> | undefined))),
    'stall-ms': parsedBy((v) => parseDuration('--stall-ms', v as string)).prefault(SIM_DEFAULTS.stallMs),
    latency: parsedIfGiven((v) => parseLatency(v as string)),
    'fail-rate': rateFlag('fail-rate'),
    'drop-rate': rateFlag('drop-rate'),
    'throttle-rate': rateFlag('throttle-rate'),
    'stall-rate': rateFlag('stall-rate'),
    'fault-seed': parsedIfGiven((v) => parseSeed(v as number)),
    'retry-after': z.transform((v) => last(v) as number).prefault(SIM_DEFAULTS.retryAfter),
    mode: z.transform((v) => last(v) as SimMode).prefault(SIM_DEFAULTS.mode),
    'per-id-throttle': flag,
    // Read only with --per-id-throttle (below).
    'throttle-window': z.transform(last).prefault(SIM_DEFAULTS.throttleWindow),
    'query-limit': z.transform(last),
    'post-limit': z.transform(last),
    'duplicate-check': flag,
    'query-lag': windowFlag('query-lag'),
    'no-reports': z.transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String))),
    'reversal-window': windowFlag('reversal-window'),
    'refund-window': windowFlag('refund-window'),
    'capture-window': windowFlag('capture-window'),
  })
  .transform((o, ctx): SimOptions => {
    const opts: SimOptions = {
      host: o.host!,
      port: o.port,
      token: o.token!,
      singleCapture: o['single-capture'],
      noPartialReversal: !o['partial-reversal'] || o['no-partial-reversal'],
      forceCodes: o['force-code'],
      stallMs: o['stall-ms'],
      retryAfterSeconds: o['retry-after'],
    };
    if (o.seed !== undefined) opts.seed = o.seed;
    if (o.latency !== undefined) opts.latency = o.latency;
    if (o['fail-rate'] !== undefined) opts.failRate = o['fail-rate'];
    if (o['drop-rate'] !== undefined) opts.dropRate = o['drop-rate'];
    if (o['throttle-rate'] !== undefined) opts.throttleRate = o['throttle-rate'];
    if (o['stall-rate'] !== undefined) opts.stallRate = o['stall-rate'];
    opts.faultSeed = o['fault-seed'] ?? randomInt(0, 2 ** 31);
    opts.mode = o.mode;
    if (o['per-id-throttle']) {
      const t = attempt(ctx, () => {
        const t: NonNullable<Exclude<SimOptions['perIdThrottle'], boolean>> = {
          windowMs: parseDuration('--throttle-window', o['throttle-window'] as string),
        };
        const q = parseLimit('--query-limit', o['query-limit'] as number | undefined);
        const p = parseLimit('--post-limit', o['post-limit'] as number | undefined);
        if (q !== undefined) t.queryLimit = q;
        if (p !== undefined) t.postLimit = p;
        return t;
      });
      opts.perIdThrottle = t;
    }
    if (o['duplicate-check']) opts.duplicateCheck = true;
    if (o['query-lag'] !== undefined) opts.queryLagMs = o['query-lag'];
    if (o['no-reports'] !== undefined) opts.noReports = o['no-reports'];
    if (o['reversal-window'] !== undefined) opts.reversalWindowMs = o['reversal-window'];
    if (o['refund-window'] !== undefined) opts.refundWindowMs = o['refund-window'];
    if (o['capture-window'] !== undefined) opts.captureWindowMs = o['capture-window'];
    return opts;
  });

/** The SimOptions a set of parsed flags means: argv as yargs hands it over → the one options object the simulator is started with. */
export function normaliseSimOptions(argv: SimArgs | Record<string, unknown>): SimOptions {
  return parseOptions(SIM_SCHEMA, argv as Record<string, unknown>);
}

function ms(n: number): string {
  return n % 86_400_000 === 0 ? `${n / 86_400_000}d` : n % 3_600_000 === 0 ? `${n / 3_600_000}h` : n % 60_000 === 0 ? `${n / 60_000}m` : n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`;
}

function rulesSummary(o: SimOptions): string {
  const parts: string[] = [];
  if (o.mode && o.mode !== 'integrator') parts.push(`mode ${o.mode}`);
  if (o.perIdThrottle && o.perIdThrottle !== true) {
    const t = o.perIdThrottle;
    parts.push(`per-id throttle ${t.queryLimit ?? 2}/${t.postLimit ?? 200} per ${ms(t.windowMs ?? 60_000)}`);
  }
  if (o.duplicateCheck) parts.push('duplicate check');
  if (o.queryLagMs) parts.push(`query lag ${ms(o.queryLagMs)}`);
  if (o.noReports?.length) parts.push(`no reports for ${o.noReports.join(', ')}`);
  if (o.reversalWindowMs !== undefined) parts.push(`reversal window ${ms(o.reversalWindowMs)}`);
  if (o.refundWindowMs !== undefined) parts.push(`refund window ${ms(o.refundWindowMs)}`);
  if (o.captureWindowMs !== undefined) parts.push(`capture window ${ms(o.captureWindowMs)}`);
  return parts.length === 0 ? '' : `; rules: ${parts.join(', ')}`;
}

function faultSummary(o: SimOptions): string {
  const parts: string[] = [];
  if (o.latency) parts.push(`latency ${o.latency[0] === o.latency[1] ? o.latency[0] : o.latency.join('-')}ms`);
  if (o.failRate) parts.push(`fail ${o.failRate}`);
  if (o.dropRate) parts.push(`drop ${o.dropRate}`);
  if (o.throttleRate) parts.push(`throttle ${o.throttleRate}`);
  if (o.stallRate) parts.push(`stall ${o.stallRate} for ${o.stallMs}ms`);
  return parts.length === 0 ? '' : `; faults: ${parts.join(', ')} (--fault-seed ${o.faultSeed} repeats them)`;
}

export const simCommand: CommandModule<object, SimArgs> = {
  command: 'sim',
  describe: 'start the gateway simulator (prints its base URL first)',
  builder: (y: Argv<object>) =>
    y
      // `--no-reports ENTITY` is a flag of its own, not the negation of a `--reports`; so `--no-partial-reversal` is declared too.
      .parserConfiguration({ 'boolean-negation': false })
      .option('host', { type: 'string', default: SIM_DEFAULTS.host, describe: 'address to listen on' })
      .option('port', { type: 'number', default: SIM_DEFAULTS.port, describe: 'port to listen on (0 = any free port)' })
      .option('token', { type: 'string', default: SIM_DEFAULTS.token, describe: 'the bearer token the simulator accepts' })
      .option('seed', {
        type: 'string',
        describe: `CSV of payments that exist at start: payment_id, payment_type (PA, DB, or RG for a registration), amount, currency, optional entity_id (default ${DEFAULT_SIM_ENTITY}); default: none`,
      })
      .option('single-capture', { type: 'boolean', default: false, describe: 'any capture closes its PA (no further partial captures)' })
      .option('partial-reversal', { type: 'boolean', default: true, describe: 'allow partial reversals (--no-partial-reversal turns them down with 700.400.300)' })
      .option('no-partial-reversal', { type: 'boolean', default: false, describe: 'turn partial reversals down with 700.400.300' })
      .option('force-code', {
        type: 'string',
        array: true,
        describe: 'AMOUNT=CODE, repeatable: every request for that amount answers that result code (e.g. 13.13=800.100.151); default: none',
      })
      .option('latency', { type: 'string', describe: 'delay before processing each request: ms, or MIN-MAX ms (e.g. 20-200); default: none' })
      .option('fail-rate', { type: 'number', describe: 'probability of HTTP 500 before processing; default 0' })
      .option('drop-rate', { type: 'number', describe: 'probability of processing, then closing the connection without answering; default 0' })
      .option('throttle-rate', { type: 'number', describe: 'probability of HTTP 429 + 800.120.100 + Retry-After, not processed; default 0' })
      .option('stall-rate', { type: 'number', describe: 'probability of processing, then answering only after --stall-ms; default 0' })
      .option('stall-ms', { type: 'string', default: SIM_DEFAULTS.stallMs, describe: 'how long a stalled answer waits: 250ms, 60s, 5m or ms' })
      .option('fault-seed', { type: 'number', describe: 'seed that makes the faults reproducible; default: random (printed at start)' })
      .option('retry-after', { type: 'number', default: SIM_DEFAULTS.retryAfter, describe: 'Retry-After seconds of a --throttle-rate answer' })
      .option('mode', {
        type: 'string',
        choices: ['integrator', 'connector', 'live'],
        default: SIM_DEFAULTS.mode,
        describe: 'mode of requests without testMode: integrator (success 000.100.110), connector (000.100.112) or live (000.000.000)',
      })
      .option('per-id-throttle', {
        type: 'boolean',
        default: false,
        describe: "the gateway's per-id limits: 2 per --throttle-window per id on GET /v1/query… and GET /v1/payments/{id}, 200 per payment on POST /v1/payments/{id}; HTTP 429 + 800.120.100",
      })
      .option('throttle-window', { type: 'string', default: SIM_DEFAULTS.throttleWindow, describe: "window of --per-id-throttle (the gateway's: 60s)" })
      .option('query-limit', { type: 'number', describe: 'requests per window per id on GET queries under --per-id-throttle; default 2' })
      .option('post-limit', { type: 'number', describe: 'POSTs per window per payment under --per-id-throttle; default 200' })
      .option('duplicate-check', { type: 'boolean', default: false, describe: 'refuse a second transaction with the same merchantTransactionId, type and amount with 800.110.100' })
      .option('query-lag', { type: 'string', describe: 'a new transaction shows in GET /v1/query… only after this long (e.g. 5m); default: at once' })
      .option('no-reports', { type: 'string', array: true, describe: 'ENTITY, repeatable: an entity without transaction reports (its queries answer 800.900.301)' })
      .option('reversal-window', { type: 'string', describe: 'reversals of payments older than this (e.g. 1d) answer 700.300.700; default: no limit' })
      .option('refund-window', { type: 'string', describe: 'refunds of payments older than this (e.g. 180d) answer 700.400.200; default: no limit' })
      .option('capture-window', { type: 'string', describe: 'captures of PAs older than this (e.g. 7d) answer 700.300.400; default: no limit' }) as unknown as Argv<SimArgs>,
  handler: async (argv: ArgumentsCamelCase<SimArgs>) => {
    await runSim(argv);
  },
};

/** Where `runSim` writes its lines and hears its stop signals (the process, or a test's stand-ins). */
export interface SimIo {
  out: (line: string) => void;
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const processIo: SimIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  signals: process,
};

/** Start the simulator, print its URL then what it accepts, and serve until SIGINT or SIGTERM. */
export async function runSim(argv: SimArgs, io: SimIo = processIo): Promise<void> {
  const opts = normaliseSimOptions(argv);
  const { startSimulator } = await import('../sim/server.js');
  const sim = await startSimulator(opts);
  io.out(sim.url);
  io.out(`token ${opts.token}, default entity ${DEFAULT_SIM_ENTITY}${opts.seed ? `, seeded from ${opts.seed}` : ''}${faultSummary(opts)}${rulesSummary(opts)}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      io.signals.off('SIGINT', stop);
      io.signals.off('SIGTERM', stop);
      void sim.close().then(resolve, resolve);
    };
    io.signals.on('SIGINT', stop);
    io.signals.on('SIGTERM', stop);
  });
}
