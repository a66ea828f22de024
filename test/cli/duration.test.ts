import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['60s', 60_000],
    ['5m', 300_000],
    ['2m', 120_000],
    ['30s', 30_000],
    ['1h', 3_600_000],
    ['1500', 1500],
    ['0', 0],
    ['1.5s', 1500],
    ['0.5m', 30_000],
    [' 5m ', 300_000],
    ['5 m', 300_000],
    ['60S', 60_000],
    ['250MS', 250],
    [1500, 1500],
  ] as Array<[unknown, number]>)('%j → %i ms', (value, ms) => {
    expect(parseDuration(value, '--timeout')).toBe(ms);
  });

  it('fractions of a millisecond are rounded', () => {
    expect(parseDuration('1.4', '--timeout')).toBe(1);
    expect(parseDuration('0.0015s', '--timeout')).toBe(2);
  });

  it.each(['', 'soon', '-5s', '5d', '5 minutes', '1e3', '5m30s', 's', '.5s', 'NaN', '∞'])('%j is refused, naming the flag and the accepted forms', (value) => {
    expect(() => parseDuration(value, '--settle')).toThrow(`--settle "${value.trim()}" is not a duration; use e.g. 250ms, 60s, 5m or a number of milliseconds`);
  });

  it('undefined is refused rather than read as 0', () => {
    expect(() => parseDuration(undefined, '--timeout')).toThrow('--timeout "undefined" is not a duration');
  });
});
