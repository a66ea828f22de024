/** Shared helpers for the simulator tests: real HTTP on loopback through undici. */
import { Agent, request } from 'undici';
import { afterEach } from 'vitest';
import { DEFAULT_SIM_ENTITY, DEFAULT_SIM_TOKEN, startSimulator, type RunningSimulator, type SimOptions, type SimTransaction } from '../../src/sim/server.js';

export const ENTITY = DEFAULT_SIM_ENTITY;
export const OTHER_ENTITY = 'ff80808167b2d5d40167c2fd1c6e12ab';
export const TOKEN = DEFAULT_SIM_TOKEN;

/** A deterministic 32-hex id: pid(1) = 000…001. */
export function pid(n: number, prefix = 'a'): string {
  return prefix + n.toString(16).padStart(31, '0');
}

const running: RunningSimulator[] = [];
/** Start a simulator for this test; it is closed after the test. */
export async function sim(opts: SimOptions = {}): Promise<RunningSimulator> {
  const s = await startSimulator({ port: 0, ...opts });
  running.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

export const agent = new Agent({ connections: 64, keepAliveTimeout: 1000 });

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

async function answer(res: Awaited<ReturnType<typeof request>>): Promise<Answer> {
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, json, headers: res.headers };
}

/** POST form parameters (entityId defaults to the default entity; pass entityId: undefined-free objects to override). */
export async function post(s: RunningSimulator, path: string, params: Record<string, string>, token: string | null = TOKEN, timeoutMs?: number): Promise<Answer> {
  const body = new URLSearchParams({ entityId: ENTITY, ...params }).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await request(`${s.url}${path}`, {
    method: 'POST',
    body,
    headers,
    dispatcher: agent,
    ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
  });
  return answer(res);
}

/** POST exactly these parameters (no default entityId). */
export async function postRaw(s: RunningSimulator, path: string, body: string, token: string | null = TOKEN): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return answer(await request(`${s.url}${path}`, { method: 'POST', body, headers, dispatcher: agent }));
}

export async function get(s: RunningSimulator, path: string, query: Record<string, string> = { entityId: ENTITY }, token: string | null = TOKEN, timeoutMs?: number): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const qs = new URLSearchParams(query).toString();
  return answer(
    await request(`${s.url}${path}${qs ? `?${qs}` : ''}`, {
      method: 'GET',
      headers,
      dispatcher: agent,
      ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    }),
  );
}

export async function ledger(s: RunningSimulator): Promise<SimTransaction[]> {
  const res = await request(`${s.url}/__sim/transactions`, { dispatcher: agent });
  return (await res.body.json()) as SimTransaction[];
}

/** Perform a backoffice operation on a payment. */
export function op(s: RunningSimulator, paymentId: string, paymentType: string, amount?: string, currency = 'EUR', extra: Record<string, string> = {}): Promise<Answer> {
  const params: Record<string, string> = { paymentType, ...extra };
  if (amount !== undefined) {
    params.amount = amount;
    params.currency = currency;
  }
  return post(s, `/v1/payments/${paymentId}`, params);
}

export const SUCCESS = '000.100.110';
