import { describe, expect, it } from 'vitest';
import { AbortError, PayopsError, SignalError, UsageError } from '../../src/errors.js';
import { StateOpenError, StateWriteError } from '../../src/plan/store/errors.js';
import { EXIT, exitCodeFor, exitCodeForRows } from '../../src/cli/exit-codes.js';

describe('exitCodeFor: one exit code per typed error (README "Exit codes")', () => {
  it.each([
    ['UsageError', new UsageError('--rate "0" must be …'), 2],
    ['AbortError', new AbortError('credentials refused'), 3],
    ['SIGINT', new SignalError('SIGINT'), 130],
    ['SIGTERM', new SignalError('SIGTERM'), 143],
  ])('%s → %i', (_name, err, code) => {
    expect(exitCodeFor(err)).toBe(code);
  });

  it('an unexpected error stops the run as aborted (3), never as success', () => {
    expect(exitCodeFor(new Error('internal'))).toBe(3);
    expect(exitCodeFor(new TypeError('x is undefined'))).toBe(3);
    expect(exitCodeFor('a string')).toBe(3);
    expect(exitCodeFor(undefined)).toBe(3);
  });

  it('errors of a lower layer map by their class, not by their name', () => {
    expect(exitCodeFor(new StateOpenError('state.db is corrupt'))).toBe(2);
    expect(exitCodeFor(new StateWriteError('no space left'))).toBe(3);
    const e = new UsageError('bad --rate', { code: 'BAD_RATE', hint: 'use 10/s' });
    expect(e).toBeInstanceOf(PayopsError);
    expect([e.kind, e.code, e.hint]).toEqual(['usage', 'BAD_RATE', 'use 10/s']);
  });

  it('the table', () => {
    expect(EXIT).toEqual({ ok: 0, rowsFailed: 1, usage: 2, aborted: 3, sigint: 130, sigterm: 143 });
  });

  it('a signal error says a rerun continues', () => {
    expect(new SignalError('SIGTERM').message).toContain('run the same command again');
  });
});

describe('exitCodeForRows', () => {
  it.each([
    [{}, 0, 0],
    [{ succeeded: 10 }, 0, 0],
    [{ succeeded: 3, review: 1 }, 0, 1],
    [{ succeeded: 3, pending: 2 }, 0, 1],
    [{ review: 1, pending: 1 }, 0, 1],
    [{ succeeded: 3, rejected: 1 }, 1, 1],
    [{ succeeded: 3, invalid: 1 }, 1, 1],
    [{ succeeded: 3, failed: 1 }, 1, 1],
    [{ succeeded: 3, unknown: 1 }, 1, 1],
    [{ succeeded: 3, rejected: 0, invalid: 0, unknown: 0, failed: 0 }, 0, 0],
    [{ succeeded: 0, review: 0, pending: 0 }, 0, 0],
  ] as Array<[Record<string, number>, number, number]>)('%j → %i, with --strict %i', (counts, plain, strict) => {
    expect(exitCodeForRows(counts, false)).toBe(plain);
    expect(exitCodeForRows(counts, true)).toBe(strict);
  });
});
