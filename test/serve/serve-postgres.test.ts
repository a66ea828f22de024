/**
 * A web job and a cron `payops run` on one PostgreSQL partition (issue 17:
 * "one run per state partition at a time, whoever starts it", issue 11: the
 * lease holds across hosts). There is no lock file to watch: the web job's
 * `payops run` finds the lease held, and the job waits, saying who holds it,
 * then runs when the cron run has finished.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres.js';
import { Client, expectCronThenWeb, refunds, runCli, SEED, startServe, startSim, tempDir } from './harness.js';

const pg = usePostgres();

describe('payops serve with --state-url (PostgreSQL)', () => {
  it('a web job and a cron payops run on the same partition queue, not overlap', async (ctx) => {
    if (!pg.cluster) return ctx.skip(pg.skip);
    const url = await pg.cluster.database();
    const sim = await startSim(['--seed', SEED, '--latency', '100']);
    const s = await startServe(['--gateway', sim.url, '--concurrency', '1', '--state-url', url]);
    const c = new Client(s.url);
    const id = await c.upload('web.csv', refunds(3));
    await c.waitFor(id, /preview/);

    const cronDir = tempDir();
    writeFileSync(join(cronDir, 'cron.csv'), refunds(40, '2.00'));
    const cron = runCli(['run', join(cronDir, 'cron.csv'), '--gateway', sim.url, '--concurrency', '1', '--state-url', url]);
    // The cron run holds the lease once its requests flow.
    while ((await sim.transactions()).length === 0) await new Promise((r) => setTimeout(r, 20));
    await c.post(`/jobs/${id}/confirm`);
    // The job waits (it does not fail), and its page names the lease's holder.
    const waiting = await c.waitFor(id, /holds this partition/);
    expect(waiting).toMatch(/holds the state lease of .*: pid \d+/);
    expect((await cron).code).toBe(0);
    await c.waitFor(id, /finished/, 60_000);
    await expectCronThenWeb(sim, 40, 3);
  });
});
