/**
 * The HTTP client: one keep-alive connection pool to the gateway. It sends a
 * request and says what came back, without judging the outcome (that is
 * `response.ts` and `result-codes.ts`). The access token lives here only and
 * is never put in an error or a log line.
 */
import { Pool, errors as undiciErrors } from 'undici';
import type { GatewayRequest } from './requests.js';

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
  private readonly auth: string;
  private readonly basePath: string;

  constructor(private readonly opts: ClientOptions) {
    const url = new URL(opts.baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: Math.max(1, opts.connections),
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: Math.min(opts.timeoutMs, 10_000) },
    });
    this.auth = `Bearer ${opts.token}`;
  }

  async send(req: GatewayRequest): Promise<Exchange> {
    const headers: Record<string, string> = { authorization: this.auth, accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
    try {
      const res = await this.pool.request({
        method: req.method,
        path: this.basePath + req.path,
        headers,
        body: req.body,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
      const body = await res.body.text();
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      return { kind: 'answered', httpStatus: res.statusCode, body, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    } catch (err) {
      const code = errorCode(err);
      if (code && NOT_SENT_CODES.has(code)) return { kind: 'not-sent', reason: describeNetworkError(err, code) };
      return { kind: 'lost', reason: describeNetworkError(err, code) };
    }
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => undefined);
  }

  /** Drop every connection at once (second signal). */
  async destroy(): Promise<void> {
    await this.pool.destroy().catch(() => undefined);
  }
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
