/**
 * SIGKILL at random moments with the default SQLite store: every id executed
 * at most once, every row known (the campaign is in kill-chaos-campaign.ts).
 */
import { describe, it } from 'vitest';
import { killCampaign } from './kill-chaos-campaign.js';

const ROWS = 1600;
const PAYMENTS = 320;
const KILLS = 14;

describe('SIGKILL at random moments (sqlite store)', () => {
  it(`${KILLS} kills over ${ROWS} rows with faults, then reruns: every id executed at most once, every row known`, async () => {
    await killCampaign({ rows: ROWS, payments: PAYMENTS, kills: KILLS, stateArgs: [] });
  }, 300_000);
});
