/**
 * The HTTP client: one keep-alive connection pool to the gateway. It sends a
 * request and says what came back, without judging the outcome (that is
 * `response.ts` and `result-codes.ts`). The access token lives here only and
 * is never put in an error or a log line.
 */
import { createRequire } from 'node:module';
import type { Pool as UndiciPool, errors as UndiciErrors } from 'undici';
import type { GatewayRequest } from './requests.js';

// undici's index loads 111 files (fetch, websocket, cache, mocks…), 40-60 ms of every run's start; payops sends with
// the Pool and tells failures apart by the error classes, so it loads those two. undici 7 has no `exports` map and
// is pinned to one version in package.json; test/gateway/undici-paths.test.ts checks they are the index's own.
const require = createRequire(import.meta.url);
const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
type Pool = UndiciPool;
const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;

export type Exchange =
  /** The gateway answered (any HTTP status). */
  | { kind: 'answered'; httpStatus: number; body: string; retryAfterMs?: number }
  /** The request never left: connection refused, DNS, connect timeout. Safe to send again. */
  | { kind: 'not-sent'; reason: string }
  /** The request may have reached the gateway, but no answer came: timeout, connection lost. */
  | { kind: 'lost'; reason: string };

export interface ClientOptions {
  baseUrl: string;
  token: string;
  /** Connections kept open; match the concurrency. */
  connections: number;
  /** Per-request timeout in ms, from sending to the whole body received. */
  timeoutMs: number;
  /** Told of every exchange: how long it took (ms, to the whole answer), what it came to, and its method (GET = lookup). For the report's metrics. */
  onExchange?: (ms: number, kind: Exchange['kind'], method: string) => void;
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  // undici refused to build the request (a header value it cannot send): it never left.
  'UND_ERR_INVALID_ARG',
]);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return (err as { code?: string } | undefined)?.code;
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 600_000);
  const date = Date.parse(v);
  if (Number.isFinite(date)) return Math.max(0, Math.min(date - Date.now(), 600_000));
  return undefined;
}

export class GatewayClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  /** The same header objects for every request: undici only reads them. */
  private readonly postHeaders: Record<string, string>;
  private readonly getHeaders: Record<string, string>;
  private readonly onExchange: ClientOptions['onExchange'];
  private readonly timeoutMs: number;

  constructor(opts: ClientOptions) {
    this.onExchange = opts.onExchange;
    this.timeoutMs = opts.timeoutMs;
    const url = new URL(opts.baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: Math.max(1, opts.connections),
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: Math.min(opts.timeoutMs, 10_000) },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    this.getHeaders = { authorization: `Bearer ${opts.token}`, accept: 'application/json' };
    this.postHeaders = { ...this.getHeaders, 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
  }

  /**
   * Send one request and collect the answer. This uses undici's `dispatch`
   * with a handler that gathers the body's chunks, rather than `request`,
   * which wraps every body in a stream: the same exchange for about 10% less
   * CPU per request (see BENCHMARKS.md).
   */
  send(req: GatewayRequest): Promise<Exchange> {
    const onExchange = this.onExchange;
    if (!onExchange) return this.sendOnce(req);
    const t0 = performance.now();
    return this.sendOnce(req).then((ex) => {
      onExchange(performance.now() - t0, ex.kind, req.method);
      return ex;
    });
  }

  private sendOnce(req: GatewayRequest): Promise<Exchange> {
    return new Promise<Exchange>((resolve) => {
      let status = 0;
      let retryAfterMs: number | undefined;
      let chunks: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      const timeoutMs = this.timeoutMs;
      this.pool.dispatch(
        {
          method: req.method,
          path: this.basePath + req.path,
          headers: req.body !== undefined ? this.postHeaders : this.getHeaders,
          body: req.body ?? null,
        },
        {
          // undici's own timers have about a second's resolution: a --timeout under a second is kept here.
          onRequestStart: (controller) => {
            if (timeoutMs < 1000) {
              timer = setTimeout(() => controller.abort(Object.assign(new Error('no answer within --timeout'), { name: 'TimeoutError' })), timeoutMs);
            }
          },
          onResponseStart(_controller, statusCode, headers) {
            // 1xx answers come first and are not the answer.
            if (statusCode < 200) return;
            status = statusCode;
            retryAfterMs = parseRetryAfter(headers['retry-after']);
            chunks = [];
          },
          onResponseData(_controller, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            clearTimeout(timer);
            const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
            // A UTF-8 byte order mark is not part of the JSON (undici's body.text() drops it too).
            const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
            resolve(
              retryAfterMs !== undefined
                ? { kind: 'answered', httpStatus: status, body, retryAfterMs }
                : { kind: 'answered', httpStatus: status, body },
            );
          },
          onResponseError(_controller, err) {
            clearTimeout(timer);
            resolve(failure(err));
          },
        },
      );
    }).catch(failure);
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => undefined);
  }

  /** Drop every connection at once (second signal). */
  async destroy(): Promise<void> {
    await this.pool.destroy().catch(() => undefined);
  }
}

/** What an error instead of an answer means: the request never left, or it may have. */
function failure(err: unknown): Exchange {
  const code = errorCode(err);
  if (code && NOT_SENT_CODES.has(code)) return { kind: 'not-sent', reason: describeNetworkError(err, code) };
  return { kind: 'lost', reason: describeNetworkError(err, code) };
}

function describeNetworkError(err: unknown, code: string | undefined): string {
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return 'no answer within --timeout';
  }
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'no answer within --timeout';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'gateway host not found (DNS)';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'could not connect in time';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'connection lost before the answer';
    default:
      return code ? `network error ${code}` : 'network error';
  }
}
