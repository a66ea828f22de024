/**
 * SIGKILL at random moments with the PostgreSQL store (a throwaway cluster):
 * every id executed at most once, every row known (the campaign is in
 * kill-chaos-campaign.ts). Fewer kills than the SQLite file, as the lease
 * renewal makes each run longer; the cross-host lease takeover has its own
 * tests in state-postgres.test.ts and adversarial-pg-lease.test.ts.
 */
import { describe, it } from 'vitest';
import { usePostgres } from '../helpers/postgres.js';
import { killCampaign } from './kill-chaos-campaign.js';

const ROWS = 1000;
const PAYMENTS = 200;
const KILLS = 10;

const pg = usePostgres();

describe('SIGKILL at random moments (postgres store)', () => {
  it(`${KILLS} kills over ${ROWS} rows with faults, then reruns: every id executed at most once, every row known`, async (ctx) => {
    if (!pg.cluster) return ctx.skip(pg.skip);
    await killCampaign({ rows: ROWS, payments: PAYMENTS, kills: KILLS, stateArgs: ['--state-url', await pg.cluster.database()] });
  }, 300_000);
});
