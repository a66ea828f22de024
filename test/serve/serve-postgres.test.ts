/**
 * A web job and a cron `payops run` on one PostgreSQL partition (issue 17:
 * "one run per state partition at a time, whoever starts it", issue 11: the
 * lease holds across hosts). There is no lock file to watch: the web job's
 * `payops run` finds the lease held, and the job waits, saying who holds it,
 * then runs when the cron run has finished.
 */
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres.js';
import { webJobBehindCron } from './harness.js';
import type { SimProcess } from '../e2e/harness.js';

const pg = usePostgres();

describe('payops serve with --state-url (PostgreSQL)', () => {
  it('a web job and a cron payops run on the same partition queue, not overlap', async (ctx) => {
    if (!pg.cluster) return ctx.skip(pg.skip);
    const url = await pg.cluster.database();
    // The cron run holds the lease once its requests flow; the job's page names the lease's holder.
    const held = async (sim: SimProcess) => (await sim.transactions()).length > 0;
    const waiting = await webJobBehindCron({ state: { url }, cronRows: 40, held });
    expect(waiting).toMatch(/holds the state lease of .*: pid \d+/);
  });
});
