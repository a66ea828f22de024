/**
 * `payops sim`: the gateway simulator as an HTTP server on loopback. It starts
 * in-process (port 0 picks a free port) for tests and `payops run --gateway sim`,
 * or from the CLI (`src/cli/sim.ts`).
 *
 * The hot path is plain node:http, a body read into one string, URLSearchParams,
 * a synchronous call into the API, and one JSON.stringify.
 */
import { randomInt } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { RESULT_CODE_SHAPE } from '../gateway/result-codes.js';
import { GatewayApi, type Reply } from './api.js';
import { FaultInjector, faultsEnabled, NO_FAULT, type FaultDecision } from './faults.js';
import { CODE, Ledger, type Tx, type TxMode } from './ledger.js';
import { PerIdThrottle, type PerIdThrottleOptions } from './throttle.js';
import { loadSeedFile, normaliseSeeds, type NormalisedSeed } from './seed.js';
import { ID_RE, normaliseAmount } from './util.js';
import { DEFAULT_SIM_ENTITY, DEFAULT_SIM_TOKEN, DEFAULT_STALL_MS } from './defaults.js';

export interface SimOptions {
  host?: string;
  port?: number;
  token?: string;
  /** A seed CSV file path, or the seed entries themselves. */
  seed?: string | SeedPayment[];
  singleCapture?: boolean;
  noPartialReversal?: boolean;
  /** Amount ("13.13") → result code every request for that amount answers. */
  forceCodes?: Record<string, string>;
  /** Added delay before processing, ms, uniform in [min, max]. */
  latency?: [number, number];
  failRate?: number;
  dropRate?: number;
  throttleRate?: number;
  stallRate?: number;
  /** How long a stalled response waits (default 65000 ms). */
  stallMs?: number;
  /** Makes fault decisions reproducible; drawn at random when absent (the CLI draws and prints one). */
  faultSeed?: number;
  /** Retry-After of a throttled (429) answer of --throttle-rate, seconds (default 1). */
  retryAfterSeconds?: number;
  /**
   * The simulator's mode (--mode): what a request without testMode is made in,
   * and so its success code. `integrator` (the default): 000.100.110;
   * `connector`: 000.100.112; `live`: 000.000.000. A request's
   * testMode=INTERNAL / EXTERNAL overrides it.
   */
  mode?: SimMode;
  /**
   * Per-id throttling as the gateway documents it (--per-id-throttle): `true`
   * for the gateway's limits (2 a minute per id on GET queries and GET
   * payments/{id}, 200 a minute per payment on backoffice POSTs), or the
   * limits and window to use (tests pass a short `windowMs`). Off by default.
   */
  perIdThrottle?: boolean | PerIdThrottleOptions;
  /** --duplicate-check: refuse a second transaction with the same merchant transaction id, type and amount (800.110.100). */
  duplicateCheck?: boolean;
  /** --query-lag: a new transaction shows in GET /v1/query… only after this many ms. */
  queryLagMs?: number;
  /** --no-reports: entities without transaction reports; their GET /v1/query… answers 800.900.301. */
  noReports?: string[];
  /** --reversal-window: a reversal of a payment older than this (ms) answers 700.300.700. */
  reversalWindowMs?: number;
  /** --refund-window: a refund of a payment older than this (ms) answers 700.400.200. */
  refundWindowMs?: number;
  /** --capture-window: a capture of a PA older than this (ms) answers 700.300.400. */
  captureWindowMs?: number;
}

export type SimMode = 'integrator' | 'connector' | 'live';
const MODE_OF: Record<SimMode, TxMode> = { integrator: 'INTERNAL', connector: 'EXTERNAL', live: 'LIVE' };

export interface SeedPayment {
  id: string;
  paymentType: 'PA' | 'DB' | 'RG';
  amount: string;
  currency: string;
  entityId?: string;
  /** When the payment was made (ISO 8601 text, epoch ms or a Date); default: when the simulator started. */
  createdAt?: string | number | Date;
  /** A chargebacked payment: refunds and reversals answer 700.300.600. */
  chargebacked?: boolean | string;
  /** The mode it was made in (INTERNAL, EXTERNAL or LIVE): a reference in another mode answers 700.100.600. Default: any mode may reference it. */
  testMode?: string;
}

/** One recorded transaction, as `GET /__sim/transactions` lists it. */
export interface SimTransaction {
  id: string;
  referencedId: string | null;
  paymentType: string;
  amount: string | null;
  currency: string | null;
  entityId: string;
  merchantTransactionId: string | null;
  resultCode: string;
  /** ISO 8601 with milliseconds. */
  timestamp: string;
}

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Stops listening, drops open connections and clears pending stall/latency timers. */
  close(): Promise<void>;
  /** Every transaction recorded so far, in order (seeded payments are not transactions). */
  transactions(): SimTransaction[];
  /** The ledger itself, in-process, for tests that need more transactions than HTTP can make quickly. */
  ledgerForTests(): Ledger;
}

export { DEFAULT_SIM_ENTITY, DEFAULT_SIM_TOKEN, DEFAULT_STALL_MS };
/** A form post larger than this is refused (HTTP 413); the gateway's are a few hundred bytes. */
const MAX_BODY = 1_000_000;

function simTransaction(tx: Tx): SimTransaction {
  return {
    id: tx.id,
    // For a payment on a registration, the registration is what it refers to.
    referencedId: tx.referencedId ?? tx.registrationId,
    paymentType: tx.paymentType,
    amount: tx.amount,
    currency: tx.currency,
    entityId: tx.entityId,
    merchantTransactionId: tx.merchantTransactionId,
    resultCode: tx.resultCode,
    timestamp: new Date(tx.time).toISOString(),
  };
}

/** Transactions per chunk of GET /__sim/transactions. */
const STREAM_CHUNK = 2000;

/**
 * GET /__sim/transactions, streamed: chunks of STREAM_CHUNK transactions,
 * waiting for the socket to drain, so the answer has no size limit (one
 * JSON.stringify of 2,000,000 transactions is longer than a string can be)
 * and the simulator never holds more than a chunk of it. The list is the
 * ledger as it was when the request came (the log only grows).
 */
function streamTransactions(res: http.ServerResponse, log: readonly Tx[]): void {
  const n = log.length;
  res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
  let i = 0;
  const pump = (): void => {
    while (i < n) {
      if (res.destroyed) return;
      const end = Math.min(n, i + STREAM_CHUNK);
      let chunk = i === 0 ? '[' : '';
      for (let j = i; j < end; j++) {
        if (j > 0) chunk += ',';
        chunk += JSON.stringify(simTransaction(log[j]!));
      }
      i = end;
      if (i === n) chunk += ']';
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (n === 0) res.write('[]');
    res.end();
  };
  pump();
}

function checkRate(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && value <= 1)) {
    throw new UsageError(`${name} ${value} is not a probability; give a number from 0 to 1 (e.g. 0.05)`);
  }
}

function normaliseForceCodes(codes: Record<string, string> | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const [amountText, code] of Object.entries(codes ?? {})) {
    const amount = normaliseAmount(amountText);
    if (amount === undefined) throw new UsageError(`force code amount "${amountText}" is not an amount like 13.13; write AMOUNT=CODE, e.g. 13.13=800.100.151`);
    const trimmed = code.trim();
    if (!RESULT_CODE_SHAPE.test(trimmed)) throw new UsageError(`force code "${code}" for ${amount} is not a result code like 800.100.151; write AMOUNT=CODE`);
    map.set(amount, trimmed);
  }
  return map;
}

export async function startSimulator(opts: SimOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? DEFAULT_SIM_TOKEN;
  checkRate('fail rate', opts.failRate);
  checkRate('drop rate', opts.dropRate);
  checkRate('throttle rate', opts.throttleRate);
  checkRate('stall rate', opts.stallRate);
  if (opts.latency && !(opts.latency[0] >= 0 && opts.latency[1] >= opts.latency[0])) {
    throw new UsageError(`latency ${opts.latency.join('-')} is not a range; give milliseconds, e.g. 50 or 20-200`);
  }
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
  const forceCodes = normaliseForceCodes(opts.forceCodes);

  let seeds: NormalisedSeed[] = [];
  if (typeof opts.seed === 'string') seeds = await loadSeedFile(opts.seed, DEFAULT_SIM_ENTITY);
  else if (opts.seed) seeds = normaliseSeeds(opts.seed, DEFAULT_SIM_ENTITY);

  const mode = opts.mode ?? 'integrator';
  if (!(mode in MODE_OF)) throw new UsageError(`mode "${String(mode)}" is not integrator, connector or live`);
  for (const [name, ms] of [['query lag', opts.queryLagMs], ['reversal window', opts.reversalWindowMs], ['refund window', opts.refundWindowMs], ['capture window', opts.captureWindowMs]] as const) {
    if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0)) throw new UsageError(`${name} ${ms} is not a duration; give milliseconds from 0`);
  }
  const noReports = new Set<string>();
  for (const e of opts.noReports ?? []) {
    if (!ID_RE.test(e.trim())) throw new UsageError(`no-reports entity "${e}" is not 32 hexadecimal characters; give an entity id`);
    noReports.add(e.trim().toLowerCase());
  }
  let throttle: PerIdThrottle | undefined;
  if (opts.perIdThrottle) {
    const t = opts.perIdThrottle === true ? {} : opts.perIdThrottle;
    for (const [name, v] of [['throttle window', t.windowMs], ['query limit', t.queryLimit], ['post limit', t.postLimit], ['max ids', t.maxIds]] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new UsageError(`${name} ${v} is not a whole number above 0`);
    }
    throttle = new PerIdThrottle(t);
  }

  const ledger = new Ledger({
    singleCapture: opts.singleCapture ?? false,
    noPartialReversal: opts.noPartialReversal ?? false,
    reversalWindowMs: opts.reversalWindowMs,
    refundWindowMs: opts.refundWindowMs,
    captureWindowMs: opts.captureWindowMs,
  });
  ledger.seed(seeds, Date.now(), MODE_OF[mode]);
  const entities = new Set<string>([DEFAULT_SIM_ENTITY, ...seeds.map((s) => s.entityId), ...noReports]);
  const api = new GatewayApi(ledger, {
    token,
    entities,
    forceCodes,
    retryAfterSeconds: opts.retryAfterSeconds ?? 1,
    mode: MODE_OF[mode],
    duplicateCheck: opts.duplicateCheck ?? false,
    ...(opts.queryLagMs ? { queryLagMs: opts.queryLagMs } : {}),
    ...(noReports.size > 0 ? { noReports } : {}),
    ...(throttle ? { throttle } : {}),
  });

  const faultSeed = opts.faultSeed ?? randomInt(0, 2 ** 31);
  const faultConfig = { latency: opts.latency, failRate: opts.failRate, dropRate: opts.dropRate, throttleRate: opts.throttleRate, stallRate: opts.stallRate, faultSeed };
  const injector = faultsEnabled(faultConfig) ? new FaultInjector(faultConfig) : undefined;

  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const send = (res: http.ServerResponse, reply: Reply): void => {
    if (res.destroyed || res.writableEnded) return;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(reply.body),
    };
    if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };

  const processRequest = (req: http.IncomingMessage, res: http.ServerResponse, method: string, path: string, params: URLSearchParams, fault: FaultDecision): void => {
    if (closed) return;
    if (fault.fail) return send(res, api.plain(500, CODE.serverError));
    if (fault.throttle) return send(res, api.plain(429, CODE.throttled));
    const reply = api.handle(method, path, params, req.headers.authorization);
    if (fault.drop) {
      req.socket.destroy();
      return;
    }
    if (fault.stall) return later(stallMs, () => send(res, reply));
    send(res, reply);
  };

  const dispatch = (req: http.IncomingMessage, res: http.ServerResponse, body: string): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    if (path.startsWith('/__sim/')) return simRoute(res, method, path);
    const params = new URLSearchParams(method === 'POST' ? body : q < 0 ? '' : url.slice(q + 1));
    let fault = NO_FAULT;
    if (injector !== undefined) {
      let key: string;
      if (method === 'POST') {
        const mtid = params.get('merchantTransactionId');
        key = `POST ${path} ${mtid ?? body}`;
      } else {
        key = `${method} ${url}`;
      }
      fault = injector.decide(key);
    }
    if (fault.delayMs > 0) return later(fault.delayMs, () => processRequest(req, res, method, path, params, fault));
    processRequest(req, res, method, path, params, fault);
  };

  const simRoute = (res: http.ServerResponse, method: string, path: string): void => {
    if (method === 'GET' && (path === '/__sim/transactions' || path === '/__sim/transactions/')) return streamTransactions(res, ledger.log);
    send(res, api.plain(404, CODE.badParameter, null, [{ name: 'path', value: path, message: 'no such resource; the simulator serves GET /__sim/transactions' }]));
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
      let body = '';
      let tooLarge = false;
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        if (tooLarge) return; // drain the rest, then answer 413
        body += chunk;
        if (body.length > MAX_BODY) {
          tooLarge = true;
          body = '';
        }
      });
      req.on('end', () => {
        if (!tooLarge) return dispatch(req, res, body);
        res.shouldKeepAlive = false;
        send(res, api.plain(413, CODE.badParameter, null, [{ name: 'body', value: '', message: `must be at most ${MAX_BODY} characters` }]));
      });
      req.on('error', () => req.socket.destroy());
    } else {
      dispatch(req, res, '');
    }
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new UsageError(`cannot listen on ${host}:${opts.port ?? 0} (${err.code}); choose another --port or --host`) : err),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    transactions: () => ledger.log.map(simTransaction),
    ledgerForTests: () => ledger,
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
