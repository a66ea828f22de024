import { describe, expect, it } from 'vitest';
import { NON_GATEWAY_STOP, StopRules } from '../../src/batch/stop-rules.js';

const rules = (maxOutageMs = 60_000, defaultEntity: string | undefined = 'e0') => {
  const stops: Error[] = [];
  return { r: new StopRules(maxOutageMs, defaultEntity, (e) => stops.push(e)), stops };
};
const foreign = { exchanged: false, foreign: true };

describe('StopRules', () => {
  it(`stops after ${NON_GATEWAY_STOP} answers without gateway JSON, before any gateway JSON`, () => {
    const { r, stops } = rules();
    for (let i = 0; i < NON_GATEWAY_STOP - 1; i++) r.observe(foreign, 404);
    expect(stops).toHaveLength(0);
    r.observe(foreign, 404);
    expect(stops[0]?.message).toBe(`the first ${NON_GATEWAY_STOP} answers were not the gateway's JSON (last: HTTP 404); check --gateway / OPPWA_BASE_URL`);
  });

  it('once the gateway answered, foreign answers no longer count as a wrong URL', () => {
    const { r, stops } = rules();
    r.observe({ exchanged: true, foreign: false }, 200);
    for (let i = 0; i < 10; i++) r.observe(foreign, 404);
    expect(stops).toHaveLength(0);
    expect(r.isWrongUrl(404, true)).toBe(false);
  });

  it('a wrong URL is a foreign answer that says it was not processed (4xx but 401/403/408/429, 501, 505)', () => {
    const { r } = rules();
    expect(r.isWrongUrl(404, true)).toBe(true);
    expect(r.isWrongUrl(501, true)).toBe(true);
    expect(r.isWrongUrl(429, true)).toBe(false);
    expect(r.isWrongUrl(500, true)).toBe(false);
    expect(r.isWrongUrl(404, false)).toBe(false);
    expect(r.isWrongUrl(undefined, true)).toBe(false);
  });

  it('no successful exchange for longer than --max-outage stops the run', () => {
    const { r, stops } = rules(-1);
    r.observe({ exchanged: false, foreign: false }, undefined);
    expect(stops[0]?.message).toMatch(/^no successful exchange with the gateway for \d+s \(--max-outage\)/);
  });

  it("refused credentials: the default entity's stop the run, another entity's only its rows", () => {
    const { r, stops } = rules();
    r.credentialsRefused('e1', 'credentials refused (800.900.300 invalid)');
    expect(stops).toHaveLength(0);
    expect(r.isRefused('e1')).toBe(true);
    r.credentialsRefused('e0', 'credentials refused (800.900.300 invalid)');
    expect(stops[0]?.message).toBe(
      'the gateway refused the access token for entity e0 (800.900.300 invalid); check OPPWA_ACCESS_TOKEN or --token-file, and --entity-id',
    );
    expect(r.isRefused('e0')).toBe(false);
  });
});
