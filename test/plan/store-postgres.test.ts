/**
 * The PostgreSQL store against a real throwaway server (test/helpers/postgres.ts).
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { AbortError } from '../../src/errors.js';
import { StateOpenError, StateWriteError } from '../../src/plan/store/errors.js';
import { openState, type OpenedState } from '../../src/plan/store/open.js';
import { hostId } from '../../src/plan/store/postgres.js';
import type { IntentRecord, OutcomeRecord } from '../../src/plan/store/types.js';
import { usePostgres } from '../helpers/postgres.js';
import { spawnSync } from 'node:child_process';
import { startRelay } from '../e2e/adversarial-helpers.js';

const postgres = usePostgres();

const K = 'abcdefghijklmn';
const PARTITION = 'http://127.0.0.1:1';
const intent = (key: string, gen: number, over: Partial<IntentRecord> = {}): Omit<IntentRecord, 'k'> => ({
  key, gen, id: key + gen.toString(36).padStart(2, '0'), type: 'RF', ref: '8ac7a4a08f1b2c3d4e5f60718293a4b5', amount: '10.00', currency: 'EUR',
  entity: '8a8294174b7ecb28014b9699220015ca', at: '2026-11-23T10:00:00.000Z', src: 'refunds.csv', line: 2, ...over,
});
const outcome = (key: string, id: string, s: string): Omit<OutcomeRecord, 'k'> => ({
  key, id, s, sent: true, c: '000.100.110', n: 'a'.repeat(32), at: '2026-11-23T10:00:01.000Z', src: 'refunds.csv', line: 2,
});

async function open(url: string, over: { breakLock?: boolean; lock?: boolean } = {}): Promise<OpenedState> {
  return openState({ stateUrl: url, partition: PARTITION, temporary: false, lock: over.lock ?? true, breakLock: over.breakLock ?? false, requestTimeoutMs: 100, env: {} });
}
/** With PAYOPS_STATE_LEASE (read from the process environment) set for this open only. */
async function openWithLease(url: string, lease: string): Promise<OpenedState> {
  const before = process.env.PAYOPS_STATE_LEASE;
  process.env.PAYOPS_STATE_LEASE = lease;
  try {
    return await open(url);
  } finally {
    if (before === undefined) delete process.env.PAYOPS_STATE_LEASE;
    else process.env.PAYOPS_STATE_LEASE = before;
  }
}
const aborted = (s: AbortSignal) => new Promise<void>((resolve) => (s.aborted ? resolve() : s.addEventListener('abort', () => resolve(), { once: true })));
async function done(s: OpenedState): Promise<void> {
  await s.store.close();
  await s.release();
}

describe('PostgresStore', () => {
  it('records survive a reopen; lookups read both prefetched and other keys; same matching rule as SQLite', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const a = await open(url);
    await a.store.intent(intent(K, 0));
    a.store.outcome(outcome(K, `${K}00`, 'rejected'));
    await a.store.intent(intent(K, 1));
    await a.store.intent(intent('zyxwvutsrqponm', 0));
    a.store.outcome(outcome('zyxwvutsrqponm', 'zyxwvutsrqponm00', 'succeeded'));
    await done(a);
    const b = await open(url);
    await b.store.prefetch([K]);
    expect(b.store.lookup(K)).toMatchObject({ intent: { gen: 1, id: `${K}01` } });
    expect(b.store.lookup(K)?.outcome).toBeUndefined();
    // Not prefetched: read on the spot, synchronously.
    expect(b.store.lookup('zyxwvutsrqponm')).toMatchObject({ intent: { gen: 0 }, outcome: { s: 'succeeded', d: expect.stringMatching(/^Request successfully/) } });
    expect(b.store.lookup('nothingherenot')).toBeUndefined();
    // The card key is the team's: the same on every open.
    expect(b.cardKey.equals(a.cardKey)).toBe(true);
    await done(b);
  });

  it('one run per partition: a second open while the lease is held is refused (exit 3) naming the holder; after release it opens', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const a = await open(url);
    const err = await open(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).message).toMatch(new RegExp(`holds the state lease .*pid ${process.pid} on \\S+, started`));
    // --break-lock does not take over a holder alive on this host.
    expect(await open(url, { breakLock: true }).catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    await done(a);
    const b = await open(url);
    await done(b);
  });

  it('16 opens at once on a fresh database: exactly one gets the lease', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const all = await Promise.allSettled(Array.from({ length: 16 }, () => open(url)));
    const got = all.filter((r) => r.status === 'fulfilled');
    expect(got).toHaveLength(1);
    for (const r of all) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AbortError);
    await done((got[0] as PromiseFulfilledResult<OpenedState>).value);
  });

  it('a database written by a newer payops is refused', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    await done(await open(url));
    const c = new pg.Client(url);
    await c.connect();
    await c.query(`UPDATE payops_meta SET v = '99' WHERE k = 'schema'`);
    await c.end();
    const err = await open(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateOpenError);
    expect((err as Error).message).toContain('written by a newer payops (schema 99');
  });

  it('a lost lease stops recording: an intent after another run took the lease over is refused', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const a = await open(url);
    const c = new pg.Client(url);
    await c.connect();
    await c.query(`UPDATE payops_leases SET owner = gen_random_uuid()`);
    await c.end();
    await expect(a.store.intent(intent(K, 0))).rejects.toBeInstanceOf(StateWriteError);
    expect(a.store.failure.aborted).toBe(true);
    await done(a);
  });

  it('a holder with our host name on another machine (a cloned VM) is not judged by its pid: its lease is not taken over before it expires', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const a = await open(url);
    const c = new pg.Client(url);
    await c.connect();
    // Same host name (it is ours), a pid that is not alive here, another machine.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    await c.query(`UPDATE payops_leases SET host_id = 'another-machine', pid = $1`, [deadPid]);
    const err = await open(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).message).toMatch(/holds the state lease/);
    // On this very machine (same host id), that dead pid is taken over at once.
    await c.query(`UPDATE payops_leases SET host_id = $1`, [hostId()]);
    await c.end();
    const b = await open(url);
    expect(b.store.canSend()).toBe(true);
    await done(b);
    await done(a);
  });

  it('canSend: true while the lease is held; false (and the store failed) once another run took it over', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const a = await openWithLease(url, '1s');
    expect(a.store.canSend()).toBe(true);
    const c = new pg.Client(url);
    await c.connect();
    await c.query(`UPDATE payops_leases SET owner = gen_random_uuid()`);
    await c.end();
    await aborted(a.store.failure); // the next renewal (every 250 ms) sees it
    expect(a.store.canSend()).toBe(false);
    expect((a.store.failure.reason as Error).message).toMatch(/taken over by another run/);
    await done(a);
  });

  it('a database that stops answering (a partition: no error, no bytes) fails the store by the lease deadline, so nothing more is sent', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const direct = await postgres.cluster.database();
    const relay = await startRelay(Number(new URL(direct).port));
    const viaRelay = Object.assign(new URL(direct), { port: String(relay.port) }).toString();
    const a = await openWithLease(viaRelay, '1s');
    await a.store.intent(intent(K, 0));
    expect(a.store.canSend()).toBe(true);
    relay.cut();
    // The renewal hangs (no error, no answer): the lease deadline fails the store all the same.
    await aborted(a.store.failure);
    expect(a.store.canSend()).toBe(false);
    expect((a.store.failure.reason as Error).message).toMatch(/could not be renewed in time|lost the state database/);
    await expect(a.store.intent(intent('zyxwvutsrqponm', 0))).rejects.toBeInstanceOf(StateWriteError);
    await done(a);
    await relay.close();
  }, 30_000);

  it('a server gone mid-run fails the store (the run stops sending) with a message naming the database without its password', async (ctx) => {
    if (!postgres.cluster) return ctx.skip(postgres.skip);
    const url = await postgres.cluster.database();
    const a = await open(url.replace('postgres@', 'postgres:secretpw@'));
    await a.store.intent(intent(K, 0));
    postgres.cluster.kill();
    try {
      const err = await a.store.intent(intent('zyxwvutsrqponm', 0)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateWriteError);
      expect((err as Error).message).toMatch(/lost the state database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
      expect((err as Error).message).not.toContain('secretpw');
      expect(a.store.failure.aborted).toBe(true);
      await done(a);
    } finally {
      postgres.cluster.restart();
    }
  });
});
