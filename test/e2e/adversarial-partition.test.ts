/**
 * Adversarial: one gateway reached under spellings the state does not know
 * are one host. Each spelling gets its own state partition, so the same file
 * runs again in full. The simulator listens on every address (as a real
 * gateway host answers under its name and its addresses); its ledger says
 * what was executed.
 */
import { describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pid, runCli, startSim, tempDir, write } from './harness.js';

const DB = pid(2);

async function setup(host: string) {
  const dir = tempDir();
  const sim = await startSim(['--host', host, '--seed', write(dir, 'seed.csv', `payment_id,payment_type,amount,currency\n${DB},DB,1000.00,EUR\n`)]);
  const port = new URL(sim.url).port;
  const input = write(dir, 'ops.csv', `operation,payment_id,amount,currency\nrefund,${DB},1.00,EUR\n`);
  return { dir, sim, port, input, state: join(dir, 'state') };
}

const run = (gateway: string, state: string, input: string, extra: string[] = []) =>
  runCli(['run', input, '--gateway', gateway, '--state-dir', state, ...extra]);

describe('one gateway, spelt another way, is one state partition', () => {
  it('127.0.0.1 then 0.0.0.0 (the address `payops sim --host 0.0.0.0` prints): the row is not executed again', async () => {
    const { sim, port, input, state } = await setup('0.0.0.0');
    expect(sim.url).toBe(`http://0.0.0.0:${port}`);
    expect((await run(`http://127.0.0.1:${port}`, state, input)).code).toBe(0);
    // 0.0.0.0 is not taken for this machine: the run is classified live and needs --live --yes.
    await run(`http://0.0.0.0:${port}`, state, input, ['--live', '--yes']);
    expect(await sim.transactions()).toHaveLength(1);
  });

  it('localhost, [::ffff:127.0.0.1] and the machine\'s own host name: the row is executed once', async () => {
    const { sim, port, input, state } = await setup('::');
    expect((await run(`http://localhost:${port}`, state, input)).code).toBe(0);
    // Whether a fixed payops runs these (as this machine) or refuses them, the ledger must not grow.
    await run(`http://[::ffff:127.0.0.1]:${port}`, state, input, ['--live', '--yes']);
    await run(`http://${hostname()}:${port}`, state, input, ['--live', '--yes']);
    expect(await sim.transactions()).toHaveLength(1);
  });
});
