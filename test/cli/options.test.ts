import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { DEFAULTS, normaliseTuning, RECONCILE_OPTIONS, RUN_OPTIONS, VALIDATE_OPTIONS } from '../../src/cli/options.js';
import { normaliseRunOptions } from '../../src/cli/run.js';

/** argv as yargs hands it over with every default in place. */
const defaults = (): Record<string, unknown> => ({
  concurrency: DEFAULTS.concurrency,
  timeout: DEFAULTS.timeout,
  'max-attempts': DEFAULTS.maxAttempts,
  'max-outage': DEFAULTS.maxOutage,
  settle: DEFAULTS.settle,
  'lookup-interval': DEFAULTS.lookupInterval,
});

describe('normaliseTuning', () => {
  it('the defaults are those of SPEC §5', () => {
    expect(normaliseTuning(defaults())).toEqual({
      concurrency: 8,
      rate: undefined,
      timeoutMs: 60_000,
      maxAttempts: 5,
      maxOutageMs: 300_000,
      settleMs: 300_000,
      lookupIntervalMs: 30_000,
    });
  });

  it('reads every flag, durations in any accepted form', () => {
    expect(
      normaliseTuning({
        concurrency: 32,
        rate: 2.5,
        timeout: '250ms',
        'max-attempts': 1,
        'max-outage': '90s',
        settle: '0',
        'lookup-interval': '1m',
      }),
    ).toEqual({ concurrency: 32, rate: 2.5, timeoutMs: 250, maxAttempts: 1, maxOutageMs: 90_000, settleMs: 0, lookupIntervalMs: 60_000 });
  });

  it('numbers given as strings are read', () => {
    expect(normaliseTuning({ ...defaults(), concurrency: '4', rate: '10', 'max-attempts': '3' })).toMatchObject({ concurrency: 4, rate: 10, maxAttempts: 3 });
  });

  it('a timeout of 0 becomes 1 ms rather than "no timeout"', () => {
    expect(normaliseTuning({ ...defaults(), timeout: '0' }).timeoutMs).toBe(1);
  });

  it.each([
    ['concurrency', 0, '--concurrency "0" is not valid: give a whole number of at least 1'],
    ['concurrency', -2, '--concurrency "-2" is not valid: give a whole number of at least 1'],
    ['concurrency', 1.5, '--concurrency "1.5" is not valid: give a whole number of at least 1'],
    ['concurrency', 'lots', '--concurrency "lots" is not valid: give a whole number of at least 1'],
    ['concurrency', Number.NaN, '--concurrency "NaN"'],
    ['max-attempts', 0, '--max-attempts "0" is not valid: give a whole number of at least 1'],
    ['max-attempts', 'five', '--max-attempts "five"'],
    ['rate', 0, '--rate "0" is not valid: give a number of requests per second above 0'],
    ['rate', -1, '--rate "-1" is not valid: give a number of requests per second above 0'],
    ['rate', 'fast', '--rate "fast" is not valid: give a number of requests per second above 0'],
    ['rate', Number.NaN, '--rate "NaN"'],
    ['timeout', 'soon', '--timeout "soon" is not a duration'],
    ['timeout', '-1s', '--timeout "-1s" is negative'],
    ['max-outage', '5 minutes', '--max-outage "5 minutes" is not a duration'],
    ['settle', '2d', '--settle "2d" is not a duration'],
    ['lookup-interval', 'often', '--lookup-interval "often" is not a duration'],
  ] as Array<[string, unknown, string]>)('--%s %j → UsageError naming the flag', (flag, value, message) => {
    let err: unknown;
    try {
      normaliseTuning({ ...defaults(), [flag]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).toContain(`--${flag}`);
  });
});

describe('option tables', () => {
  it('run documents every option of SPEC §5 with its default', () => {
    for (const flag of [
      'gateway', 'live', 'yes', 'token-file', 'entity-id', 'test-mode', 'sim-seed',
      'concurrency', 'rate', 'timeout', 'max-attempts', 'max-outage', 'settle', 'lookup-interval',
      'out', 'failed', 'summary-json', 'state-dir', 'batch-id', 'quiet', 'log-format', 'strict',
      'retry-rejected', 'break-lock', 'lookup-first', 'dry-run', 'decimal-comma', 'allow-card-data', 'encoding', 'delimiter',
    ]) {
      const o = (RUN_OPTIONS as Record<string, { describe?: string }>)[flag];
      expect(o, flag).toBeDefined();
      expect(o!.describe, flag).toBeTruthy();
    }
    expect(RUN_OPTIONS.concurrency.default).toBe(8);
    expect(RUN_OPTIONS.timeout.default).toBe('60s');
    expect(RUN_OPTIONS['max-attempts'].default).toBe(5);
    expect(RUN_OPTIONS['max-outage'].default).toBe('5m');
    expect(RUN_OPTIONS.settle.default).toBe('5m');
    expect(RUN_OPTIONS['lookup-interval'].default).toBe('30s');
    expect(RUN_OPTIONS['log-format'].choices).toEqual(['text', 'json']);
    // Any case (issue 13: `--test-mode external` was refused); anything else is refused naming both.
    expect(normaliseRunOptions({ input: 'x.csv', 'test-mode': 'external' }).gateway.testMode).toBe('EXTERNAL');
    expect(() => normaliseRunOptions({ input: 'x.csv', 'test-mode': 'extern' })).toThrow('--test-mode "extern" must be EXTERNAL or INTERNAL');
    expect(RUN_OPTIONS.rate).not.toHaveProperty('default');
  });

  it('the access token is never a flag value: --token is known only to be refused, hidden from help', () => {
    for (const table of [RUN_OPTIONS, VALIDATE_OPTIONS, RECONCILE_OPTIONS]) {
      const token = (table as Record<string, { hidden?: boolean; describe?: string }>).token;
      if (token) {
        expect(token.hidden).toBe(true);
        expect(token.describe).toBeUndefined();
      }
      expect(Object.keys(table)).not.toContain('access-token');
    }
  });

  it('validate sends nothing: it has no gateway, token or tuning options', () => {
    for (const flag of ['gateway', 'token-file', 'concurrency', 'rate', 'live']) expect(Object.keys(VALIDATE_OPTIONS)).not.toContain(flag);
  });
});

// Issue 10 point 4: a lookup sooner than --timeout after a send can call a
// request still being processed absent.
describe('--settle against --timeout (normaliseRunOptions)', () => {
  it.each([['0', '60s'], ['500ms', '1s'], ['59s', '60s']])('--settle %s below --timeout %s is refused', (settle, timeout) => {
    const argv = { ...defaults(), input: 'x.csv', settle, timeout };
    expect(() => normaliseRunOptions(argv)).toThrow(UsageError);
    expect(() => normaliseRunOptions(argv)).toThrow(/--settle .* is shorter than --timeout/);
  });

  it.each([['1s', '1s'], ['5m', '60s']])('--settle %s with --timeout %s is accepted', (settle, timeout) => {
    expect(() => normaliseRunOptions({ ...defaults(), input: 'x.csv', settle, timeout })).not.toThrow();
  });

  it('the default --settle covers a query lag of 5 minutes', () => {
    expect(normaliseTuning(defaults()).settleMs).toBeGreaterThanOrEqual(300_000);
  });
});
