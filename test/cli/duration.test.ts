import { describe, expect, it } from 'vitest';
import { durationWarning, parseDuration } from '../../src/time/duration.js';

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

  it.each(['', 'soon', '5d', '5 minutes', '1e3', '5m30s', 's', '.5s', 'NaN', '∞'])('%j is refused, naming the flag and the accepted forms', (value) => {
    expect(() => parseDuration(value, '--settle')).toThrow(`--settle "${value.trim()}" is not a duration; use e.g. 250ms, 60s, 5m or a number of milliseconds`);
  });

  it('a negative duration says so (issue 13: not "Unknown arguments: 5, s")', () => {
    expect(() => parseDuration('-5s', '--timeout')).toThrow('--timeout "-5s" is negative; give a duration such as 250ms, 60s or 5m');
  });

  it('a bare number below 1000 is milliseconds and is warned about; with a unit or from 1000 up it is not', () => {
    expect(durationWarning('5', '--timeout')).toBe('--timeout 5 has no unit, so it is 5 ms; write 5s for seconds (or 5ms to keep milliseconds and silence this)');
    for (const v of ['5ms', '5s', '1000', '0', undefined]) expect(durationWarning(v, '--timeout')).toBeUndefined();
  });

  it('undefined is refused rather than read as 0', () => {
    expect(() => parseDuration(undefined, '--timeout')).toThrow('--timeout "undefined" is not a duration');
  });
});
