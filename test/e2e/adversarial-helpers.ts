/**
 * Helpers of the adversarial tests: a gate in front of the simulator that
 * holds chosen POSTs (a request queued in front of the gateway) until the
 * test lets them through, in an order the test chooses. Real HTTP on
 * loopback both sides; held requests go on even when their client is gone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import type { LedgerTx } from './harness.js';

export interface GateRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  /** Let it through to the simulator; resolves once the simulator answered. `answer` false: the answer is lost (the connection closed). */
  release(answer?: boolean): Promise<void>;
}

export interface Gate {
  url: string;
  log: GateRequest[];
  close(): Promise<void>;
}

const open: Gate[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** `hold(req)` true: the request waits until `req.release()`; `seen(req)` is told of every request first. */
export async function startGate(target: string, opts: { hold?(r: GateRequest): boolean; seen?(r: GateRequest): void } = {}): Promise<Gate> {
  const log: GateRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const method = req.method ?? 'GET';
      let done: Promise<void> | undefined;
      const r: GateRequest = {
        method,
        path: q < 0 ? url : url.slice(0, q),
        params: new URLSearchParams(method === 'POST' ? body : q < 0 ? '' : url.slice(q + 1)),
        release: (answer = true) =>
          (done ??= new Promise<void>((resolve) => {
            const headers: http.OutgoingHttpHeaders = { ...req.headers };
            delete headers.host;
            delete headers.connection;
            const out = http.request(new URL(url, target), { method, headers, agent: false }, (up) => {
              let text = '';
              up.setEncoding('utf8');
              up.on('data', (c: string) => (text += c));
              up.on('end', () => {
                if (!answer) req.socket.destroy();
                else if (!res.destroyed && !res.writableEnded) {
                  res.writeHead(up.statusCode ?? 502, { 'content-type': 'application/json;charset=UTF-8' });
                  res.end(text);
                }
                resolve();
              });
            });
            out.on('error', () => {
              if (!res.destroyed) res.destroy();
              resolve();
            });
            out.end(body);
          })),
      };
      if (!r.path.startsWith('/__sim/')) log.push(r);
      opts.seen?.(r);
      if (!(opts.hold?.(r) ?? false)) void r.release();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const gate: Gate = {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  open.push(gate);
  return gate;
}

/** Merchant transaction ids the gateway executed (success-group codes) more than once. */
export function executedTwice(ledger: LedgerTx[]): string[] {
  const n = new Map<string, number>();
  for (const t of ledger) {
    if (!/^000\.(000|100|200|300|400|600)/.test(t.resultCode)) continue;
    n.set(t.merchantTransactionId ?? '', (n.get(t.merchantTransactionId ?? '') ?? 0) + 1);
  }
  return [...n].filter(([, c]) => c > 1).map(([id]) => id);
}

export function until(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  return (async () => {
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
}

/**
 * A TCP relay (for a database connection) that can be cut as a network
 * partition cuts it: the connections stay open, nothing more gets through
 * either way, and no error reaches either side.
 */
export interface Relay {
  port: number;
  cut(): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const net = await import('node:net');
  let cut = false;
  const sockets = new Set<import('node:net').Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(up);
    client.on('data', (d) => void (!cut && up.write(d)));
    up.on('data', (d) => void (!cut && client.write(d)));
    const end = () => {
      if (cut) return; // a partition: the other side hears nothing
      client.destroy();
      up.destroy();
    };
    client.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const relay: Relay = {
    port: (server.address() as AddressInfo).port,
    cut: () => void (cut = true),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  relays.push(relay);
  return relay;
}
const relays: Relay[] = [];
afterAll(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});
