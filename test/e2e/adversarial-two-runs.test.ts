/**
 * Adversarial attacks that held: a second run of the same file while the
 * first is still sending (its refund held in front of the gateway), with the
 * gateway spelt another way, the state directory reached through a symbolic
 * link or spelt with `./` and a trailing slash, and with --break-lock: each
 * exits 3 and sends nothing; the ledger has the refund once.
 */
import { describe, expect, it } from 'vitest';
import { symlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pid, runCli, startSim, tempDir, write } from './harness.js';
import { executedTwice, type GateRequest, startGate, until } from './adversarial-helpers.js';

const DB = pid(17);

describe('two runs at once on one partition', () => {
  it('every other spelling of the gateway or the state directory exits 3 while the first run sends', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`)]);
    const held: GateRequest[] = [];
    const gate = await startGate(sim.url, {
      hold: (r) => {
        if (r.method === 'POST') held.push(r);
        return r.method === 'POST';
      },
    });
    const port = new URL(gate.url).port;
    const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
    const state = join(dir, 'state');
    mkdirSync(state);
    symlinkSync(state, join(dir, 'state-link'));
    const first = runCli(['run', input, '--gateway', gate.url, '--state-dir', state, '--timeout', '30s', '--settle', '30s']);
    await until(() => held.length === 1, 'the first run to send');
    const others: Array<[string, string]> = [
      [`http://localhost:${port}`, state],
      [`http://[::1]:${port}`, state],
      [`HTTP://127.1:${port}/`, state],
      [gate.url, join(dir, 'state-link')],
      [gate.url, `${dir}/./state/`],
    ];
    for (const [gw, sd] of others) {
      const r = await runCli(['run', input, '--gateway', gw, '--state-dir', sd, '--out', join(dir, 'o.csv'), '--failed', join(dir, 'f.csv')]);
      expect(r.code, `${gw} ${sd}`).toBe(3);
    }
    const broke = await runCli(['run', input, '--gateway', gate.url, '--state-dir', state, '--break-lock', '--out', join(dir, 'o.csv'), '--failed', join(dir, 'f.csv')]);
    expect(broke.code).toBe(3);
    expect(held).toHaveLength(1);
    await held[0]!.release();
    expect((await first).code).toBe(0);
    const ledger = await sim.transactions();
    expect(executedTwice(ledger)).toEqual([]);
    expect(ledger).toHaveLength(1);
  }, 60_000);
});
