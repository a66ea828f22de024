import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../src/gateway/client.js';

/** A real server on loopback that answers with `handler`; closed after each test. */
const servers: http.Server[] = [];
const clients: GatewayClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string, timeoutMs = 5_000): GatewayClient {
  const c = new GatewayClient({ baseUrl, token: 'secret-token', connections: 2, timeoutMs });
  clients.push(c);
  return c;
}

const RESULT = JSON.stringify({ id: 'p1', result: { code: '000.100.110', description: 'Request successfully processed — ✓' } });

describe('GatewayClient over loopback', () => {
  it('sends the form with the token, under the base path, and returns status and body', async () => {
    let seen: { method?: string; url?: string; auth?: string; type?: string; body: string } = { body: '' };
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body };
        res.writeHead(200, { 'content-type': 'application/json' }).end(RESULT);
      });
    });
    const ex = await client(`${url}/gw/`).send({ method: 'POST', path: '/v1/payments/abc', body: 'a=1&b=2' });
    expect(ex).toEqual({ kind: 'answered', httpStatus: 200, body: RESULT });
    expect(seen).toEqual({
      method: 'POST',
      url: '/gw/v1/payments/abc',
      auth: 'Bearer secret-token',
      type: 'application/x-www-form-urlencoded; charset=UTF-8',
      body: 'a=1&b=2',
    });
  });

  it('a GET carries no content type', async () => {
    let type: string | undefined = 'unset';
    const url = await serve((req, res) => {
      type = req.headers['content-type'];
      res.end(RESULT);
    });
    await client(url).send({ method: 'GET', path: '/v1/query?x=1' });
    expect(type).toBeUndefined();
  });

  it('drops a UTF-8 byte order mark before the JSON', async () => {
    const url = await serve((_req, res) => res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(RESULT)])));
    const ex = await client(url).send({ method: 'GET', path: '/' });
    expect(ex.kind === 'answered' && ex.body).toBe(RESULT);
  });

  it('puts a body together from chunks, even with a character split between two', async () => {
    const bytes = Buffer.from(RESULT);
    const cut = bytes.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte character
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': bytes.length });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    });
    const ex = await client(url).send({ method: 'GET', path: '/' });
    expect(ex.kind === 'answered' && ex.body).toBe(RESULT);
  });

  it('reads Retry-After in seconds', async () => {
    const url = await serve((_req, res) => res.writeHead(429, { 'retry-after': '3' }).end('{}'));
    expect(await client(url).send({ method: 'GET', path: '/' })).toEqual({ kind: 'answered', httpStatus: 429, body: '{}', retryAfterMs: 3000 });
  });

  it('a refused connection is "not sent": safe to send again', async () => {
    const url = await serve((_req, res) => res.end());
    const s = servers.pop()!;
    await new Promise((r) => s.close(r));
    const ex = await client(url).send({ method: 'POST', path: '/', body: 'a=1' });
    expect(ex).toEqual({ kind: 'not-sent', reason: 'connection refused' });
  });

  it('a connection closed without an answer is "lost": it may have executed', async () => {
    const url = await serve((req) => req.socket.destroy());
    const ex = await client(url).send({ method: 'POST', path: '/', body: 'a=1' });
    expect(ex).toEqual({ kind: 'lost', reason: 'connection lost before the answer' });
  });

  it('no answer within the timeout is "lost", and the token is in no reason', async () => {
    const url = await serve(() => undefined);
    const ex = await client(url, 100).send({ method: 'POST', path: '/', body: 'a=1' });
    expect(ex).toEqual({ kind: 'lost', reason: 'no answer within --timeout' });
    expect(JSON.stringify(ex)).not.toContain('secret-token');
  });

  it('a closed client answers "lost" instead of throwing', async () => {
    const url = await serve((_req, res) => res.end(RESULT));
    const c = client(url);
    await c.destroy();
    const ex = await c.send({ method: 'GET', path: '/' });
    expect(ex.kind).toBe('lost');
  });
});
