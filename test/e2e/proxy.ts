/**
 * A small HTTP proxy in front of the simulator, for what the simulator does
 * not do (yet): requests held before they reach it (a POST queued in front of
 * the gateway while the client gives up), answers replaced (a throttle that
 * names one id, an HTTP 500 for a request that never reached it), answers
 * altered on their way back (query lag, fields missing, amounts spelt
 * otherwise). Real HTTP on loopback both sides; the simulator's ledger stays
 * the judge of what was executed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

export interface ProxiedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Body parameters (POST) or query parameters (GET). */
  params: URLSearchParams;
  /** When the proxy received it (ms since the epoch). */
  at: number;
}

export interface ProxiedAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface ProxyOptions {
  /** Hold a request this long before it goes on to the simulator (whether or not the client still waits). */
  delayMs?(req: ProxiedRequest): number;
  /** Answer instead of the simulator: the request never reaches it. */
  intercept?(req: ProxiedRequest): ProxiedAnswer | undefined;
  /**
   * Forward the request, then answer this instead of the simulator's answer:
   * `'drop'` closes the connection without an answer (executed, outcome
   * unknown to the client).
   */
  transform?(req: ProxiedRequest, answer: ProxiedAnswer): ProxiedAnswer | 'drop';
}

export interface Proxy {
  url: string;
  /** Every request the proxy received, in order. */
  log: ProxiedRequest[];
  close(): Promise<void>;
}

const open: Proxy[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

export async function startProxy(target: string, opts: ProxyOptions = {}): Promise<Proxy> {
  const log: ProxiedRequest[] = [];
  const forward = (req: http.IncomingMessage, body: string): Promise<ProxiedAnswer> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      const out = http.request(new URL(req.url ?? '/', target), { method: req.method, headers, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          if (typeof res.headers['retry-after'] === 'string') h['retry-after'] = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 502, body: text, headers: h });
        });
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  const reply = (res: http.ServerResponse, a: ProxiedAnswer) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(a.status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(a.body), ...a.headers });
    res.end(a.body);
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const method = req.method ?? 'GET';
      const r: ProxiedRequest = {
        method,
        path: q < 0 ? url : url.slice(0, q),
        params: new URLSearchParams(method === 'POST' ? body : q < 0 ? '' : url.slice(q + 1)),
        at: Date.now(),
      };
      if (!r.path.startsWith('/__sim/')) log.push(r);
      const go = async () => {
        const instead = opts.intercept?.(r);
        if (instead) return reply(res, instead);
        const answer = await forward(req, body).catch(() => ({ status: 502, body: 'proxy: simulator unreachable' }));
        const t = opts.transform ? opts.transform(r, answer) : answer;
        if (t === 'drop') return req.socket.destroy();
        reply(res, t);
      };
      const delay = opts.delayMs?.(r) ?? 0;
      // Held requests go on even when the client has given up on them.
      if (delay > 0) setTimeout(() => void go(), delay);
      else void go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const proxy: Proxy = {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  open.push(proxy);
  return proxy;
}

/** The gateway's throttle answer: HTTP 429, 800.120.100, naming `id` when given, without Retry-After unless asked. */
export function throttleAnswer(id?: string, retryAfterSeconds?: number): ProxiedAnswer {
  return {
    status: 429,
    body: JSON.stringify({
      ...(id ? { id } : {}),
      result: { code: '800.120.100', description: 'Too many requests. Please try again later.' },
      buildNumber: 'proxy',
      timestamp: new Date().toISOString(),
      ndc: 'proxy',
    }),
    ...(retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds) } } : {}),
  };
}

/** Rewrite each transaction of a query answer (`payments[]`); other answers pass unchanged. */
export function editQueryPayments(answer: ProxiedAnswer, edit: (p: Record<string, unknown>) => Record<string, unknown> | undefined): ProxiedAnswer {
  let json: { payments?: Array<Record<string, unknown>>; result?: unknown };
  try {
    json = JSON.parse(answer.body) as typeof json;
  } catch {
    return answer;
  }
  if (!Array.isArray(json.payments)) return answer;
  const payments = json.payments.map(edit).filter((p): p is Record<string, unknown> => p !== undefined);
  if (payments.length === 0) {
    return { status: 404, body: JSON.stringify({ result: { code: '700.400.580', description: 'cannot find transaction' } }) };
  }
  return { ...answer, body: JSON.stringify({ ...json, payments }) };
}
