/**
 * What an adversarial test found in the JSONL journal and its lock file, each
 * of which led the gateway to execute rows twice (issue 11): a full disk,
 * a stale-lock takeover race, --break-lock against a live run, damaged or
 * unknown records. Each runs the built CLI against the simulator and counts
 * executions in its ledger.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { type LedgerTx, pid, readCsv, runCli, startSim, tempDir, write } from './harness.js';

const PAYMENTS = 50;
function seed(dir: string): string {
  const lines = ['payment_id,payment_type,amount,currency'];
  for (let i = 0; i < PAYMENTS; i++) lines.push(`${pid(i + 1)},DB,100000.00,EUR`);
  return write(dir, 'seed.csv', lines.join('\n') + '\n');
}
function refunds(dir: string, name: string, n: number, ownIds = false): string {
  const lines = [ownIds ? 'operation,payment_id,amount,currency,merchant_transaction_id' : 'operation,payment_id,amount,currency'];
  for (let i = 0; i < n; i++) {
    const row = `refund,${pid((i % PAYMENTS) + 1)},${(0.01 + (i % 500) / 100).toFixed(2)},EUR`;
    lines.push(ownIds ? `${row},own-id-${i}` : row);
  }
  return write(dir, name, lines.join('\n') + '\n');
}

/** Ids the gateway executed more than once (successful transactions only). */
function twice(ledger: LedgerTx[]): string[] {
  const n = new Map<string, number>();
  for (const t of ledger) if (t.resultCode.startsWith('000.')) n.set(t.merchantTransactionId!, (n.get(t.merchantTransactionId!) ?? 0) + 1);
  return [...n].filter(([, c]) => c > 1).map(([id]) => id);
}

function partitionOf(stateDir: string): string {
  const [p] = readdirSync(stateDir).filter((f) => f.startsWith('http'));
  return join(stateDir, p!);
}

/** The ids whose intent the state database holds: indexed, or still in `fresh` where the run appended it. */
function intentIds(partition: string): Set<string> {
  const db = new Database(join(partition, 'state.db'), { readonly: true });
  try {
    const sql = "SELECT id FROM records WHERE k = 'i' UNION ALL SELECT id FROM fresh WHERE k = 'i'";
    return new Set((db.prepare(sql).all() as Array<{ id: string }>).map((r) => r.id));
  } finally {
    db.close();
  }
}

const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.splice(0)) spawnSync('umount', ['-l', m]);
});

/** A 300 kB tmpfs (real ENOSPC); undefined when this machine cannot mount one (not root). */
function smallDisk(dir: string): string | undefined {
  const m = join(dir, 'small');
  mkdirSync(m);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=300k,mode=0700', 'tmpfs', m]);
  if (r.status !== 0) return undefined;
  mounts.push(m);
  return m;
}

describe('a full disk', () => {
  it('stops the run at once naming the file and the room left; every request that left had its intent on disk; the rerun sends none twice', async (ctx) => {
    const dir = tempDir();
    const small = smallDisk(dir);
    if (!small) {
      if (process.env.CI) throw new Error('cannot mount a tmpfs for the full-disk test (needs root)');
      ctx.skip('cannot mount a 300 kB tmpfs here (needs root); CI runs it');
      return;
    }
    const sim = await startSim(['--seed', seed(dir)]);
    const input = refunds(dir, 'full.csv', 4000);
    const stateDir = join(small, 'state');
    const args = (state: string) => ['run', input, '--gateway', sim.url, '--state-dir', state, '--concurrency', '16'];
    const r = await runCli(args(stateDir), { timeoutMs: 120_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the disk holding the state database \S+state\.db is full \(\d+ kB free of \d+ kB\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    // The outputs for what was done were written; the lock was released.
    const results = readCsv(join(dir, 'full.results.csv'));
    expect(results).toHaveLength(4000);
    const done = results.filter((x) => x.status === 'succeeded').length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(4000);
    const partition = partitionOf(stateDir);
    expect(existsSync(join(partition, 'lock'))).toBe(false);
    // Every request that reached the gateway had its intent committed first.
    const ledger = await sim.transactions();
    const intents = intentIds(partition);
    expect(ledger.filter((t) => !intents.has(t.merchantTransactionId!)).map((t) => t.merchantTransactionId)).toEqual([]);
    // Moved to a disk with room, the rerun finishes and executes nothing twice.
    const roomy = join(dir, 'roomy');
    cpSync(stateDir, roomy, { recursive: true });
    const rerun = [...args(roomy), '--timeout', '2s', '--settle', '2s', '--lookup-interval', '500ms'];
    let final = await runCli(rerun, { timeoutMs: 120_000 });
    for (let i = 0; i < 3 && final.code !== 0; i++) final = await runCli(rerun, { timeoutMs: 120_000 });
    expect(final.code).toBe(0);
    const after = await sim.transactions();
    expect(twice(after)).toEqual([]);
    expect(new Set(after.map((t) => t.merchantTransactionId)).size).toBe(4000);
  }, 300_000);

  it('a disk already full stops before anything is sent (exit 2)', async (ctx) => {
    const dir = tempDir();
    const small = smallDisk(dir);
    if (!small) {
      if (process.env.CI) throw new Error('cannot mount a tmpfs for the full-disk test (needs root)');
      ctx.skip('cannot mount a 300 kB tmpfs here (needs root); CI runs it');
      return;
    }
    writeFileSync(join(small, 'filler'), Buffer.alloc(250 * 1024));
    const sim = await startSim(['--seed', seed(dir)]);
    const input = refunds(dir, 'full.csv', 20);
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(small, 'state')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/state\.db has \d+ kB free of \d+ kB; payops needs at least 128 kB before it sends anything/);
    expect(await sim.transactions()).toEqual([]);
  });
});

describe('a read-only disk', () => {
  it('stops before anything is sent (exit 2), naming the database', async (ctx) => {
    const dir = tempDir();
    const small = smallDisk(dir);
    if (!small) {
      if (process.env.CI) throw new Error('cannot mount a tmpfs for the read-only test (needs root)');
      ctx.skip('cannot mount a tmpfs here (needs root); CI runs it');
      return;
    }
    const sim = await startSim(['--seed', seed(dir)]);
    const stateDir = join(small, 'state');
    expect((await runCli(['run', refunds(dir, 'first.csv', 2), '--gateway', sim.url, '--state-dir', stateDir])).code).toBe(0);
    expect(spawnSync('mount', ['-o', 'remount,ro', small]).status).toBe(0);
    const r = await runCli(['run', refunds(dir, 'more.csv', 10), '--gateway', sim.url, '--state-dir', stateDir, '--batch-id', 'more']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/state\.db|lock/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await sim.transactions()).toHaveLength(2);
  });
});

describe('the lock', () => {
  it('a stale lock (dead pid on this host) and 16 identical runs started at once: exactly one proceeds (3 trials)', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', seed(dir), '--latency', '5']);
    const input = refunds(dir, 'race.csv', 50);
    const stateDir = join(dir, 'state');
    // A first run creates the partition.
    expect((await runCli(['run', refunds(dir, 'first.csv', 1), '--gateway', sim.url, '--state-dir', stateDir, '--batch-id', 'first'])).code).toBe(0);
    for (let trial = 0; trial < 3; trial++) {
      // A lock file left by a run that died.
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      writeFileSync(join(partitionOf(stateDir), 'lock'), JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-11-23T02:00:00.000Z' }));
      const runs = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          runCli(['run', input, '--gateway', sim.url, '--state-dir', stateDir, '--batch-id', `trial-${trial}`, '--out', join(dir, `r${i}.csv`), '--failed', join(dir, `f${i}.csv`)], { timeoutMs: 120_000 }),
        ),
      );
      // Exactly one run sent anything. The others were refused the lock (exit 3), or
      // (started after it had finished) found every row already done.
      const sent = runs.map((r, i) => (r.code === 0 ? readCsv(join(dir, `r${i}.csv`)).filter((x) => Number(x.attempts) > 0).length : 0));
      expect(sent.filter((n) => n > 0)).toEqual([50]);
      for (const r of runs) expect([0, 3]).toContain(r.code);
      for (const r of runs.filter((x) => x.code === 3)) expect(r.stderr).toMatch(/another payops run holds the state lock/);
      expect(runs.filter((x) => x.code === 3).length).toBeGreaterThan(0);
      const ledger = await sim.transactions();
      expect(twice(ledger)).toEqual([]);
      expect(ledger).toHaveLength(1 + 50 * (trial + 1));
    }
  }, 300_000);

  it('--break-lock against a run alive on this host is refused (exit 3) and changes nothing; the live run finishes alone', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', seed(dir), '--latency', '20']);
    const input = refunds(dir, 'live.csv', 300);
    const stateDir = join(dir, 'state');
    const args = ['run', input, '--gateway', sim.url, '--state-dir', stateDir, '--concurrency', '2'];
    let second: Awaited<ReturnType<typeof runCli>> | undefined;
    const first = runCli(args, {
      timeoutMs: 120_000,
      onSpawn: () => {
        void (async () => {
          while ((await sim.transactions()).length < 5) await new Promise((r) => setTimeout(r, 20));
          second = await runCli([...args, '--break-lock', '--out', join(dir, 'b.csv'), '--failed', join(dir, 'bf.csv')]);
        })();
      },
    });
    const a = await first;
    expect(a.code).toBe(0);
    expect(second?.code).toBe(3);
    expect(second?.stderr).toMatch(/holds the state lock .*pid \d+ on .*It is running, so it is never taken over/);
    const ledger = await sim.transactions();
    expect(twice(ledger)).toEqual([]);
    expect(ledger).toHaveLength(300);
  }, 180_000);
});

describe('damaged or unknown records', () => {
  const intentLine = (id: string, line: number) =>
    JSON.stringify({ k: 'i', key: id, gen: 0, id, type: 'RF', ref: pid((line - 2) % PAYMENTS + 1), amount: (0.01 + ((line - 2) % 500) / 100).toFixed(2), currency: 'EUR', entity: '8a8294174b7ecb28014b9699220015ca', at: '2026-11-23T10:00:00.000Z', src: 'own.csv', line });
  const outcomeLine = (id: string, line: number) =>
    JSON.stringify({ k: 'o', key: id, id, s: 'succeeded', sent: true, c: '000.100.110', n: 'a'.repeat(32), at: '2026-11-23T10:00:01.000Z', src: 'own.csv', line });

  it.each([
    ['a zeroed intent line whose outcome line is intact', (i: string) => '\u0000'.repeat(i.length)],
    ['an intent in a format this version does not know', (i: string) => JSON.stringify({ v: 2, rec: JSON.parse(i) })],
  ])('%s: the run stops before anything is sent, naming the file and the line', async (_name, damage) => {
    const dir = tempDir();
    const sim = await startSim(['--seed', seed(dir)]);
    const input = refunds(dir, 'own.csv', 3, true);
    const stateDir = join(dir, 'state');
    // The partition of this simulator, with a journal of an earlier payops in it.
    expect((await runCli(['run', refunds(dir, 'first.csv', 1), '--gateway', sim.url, '--state-dir', stateDir])).code).toBe(0);
    const partition = partitionOf(stateDir);
    const lines = [intentLine('own-id-0', 2), outcomeLine('own-id-0', 2), damage(intentLine('own-id-1', 3)), outcomeLine('own-id-1', 3), intentLine('own-id-2', 4), outcomeLine('own-id-2', 4)];
    const journal = join(partition, 'journal.jsonl');
    writeFileSync(journal, lines.join('\n') + '\n');
    const before = (await sim.transactions()).length;
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', stateDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the journal ${journal} line 3 cannot be read`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await sim.transactions()).length).toBe(before);
    expect(existsSync(journal)).toBe(true);
  });

  it('a record in the database this version cannot read: that row is never sent and the run stops', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', seed(dir)]);
    const input = refunds(dir, 'own.csv', 3, true);
    const stateDir = join(dir, 'state');
    const first = await runCli(['run', input, '--gateway', sim.url, '--state-dir', stateDir]);
    expect(first.code).toBe(0);
    const db = new Database(join(partitionOf(stateDir), 'state.db'));
    db.prepare("UPDATE records SET k = 'z' WHERE k = 'i' AND key = 'own-id-0'").run();
    db.close();
    const r = await runCli(['run', input, '--gateway', sim.url, '--state-dir', stateDir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/state\.db holds a record of own-id-0 that cannot be read/);
    const ledger = await sim.transactions();
    expect(ledger).toHaveLength(3);
    expect(twice(ledger)).toEqual([]);
  });
});
