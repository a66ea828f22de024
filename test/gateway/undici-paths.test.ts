/**
 * The client loads undici's Pool and error classes by their paths inside the
 * package (its index costs 40-60 ms of start-up). undici has no `exports`
 * map, so those paths are its layout, not its API: package.json pins the
 * version, and this test fails when an upgrade moves or replaces them.
 */
import { createRequire } from 'node:module';
import * as undici from 'undici';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

describe("undici's Pool and errors by path", () => {
  it('are the very classes its index exports', () => {
    expect(require('undici/lib/dispatcher/pool.js')).toBe(undici.Pool);
    const errors = require('undici/lib/core/errors.js') as typeof undici.errors;
    expect(errors.HeadersTimeoutError).toBe(undici.errors.HeadersTimeoutError);
    expect(errors.BodyTimeoutError).toBe(undici.errors.BodyTimeoutError);
    expect(errors.UndiciError).toBe(undici.errors.UndiciError);
  });

  it('is the version package.json pins exactly', () => {
    const pkg = require('../../package.json') as { dependencies: Record<string, string> };
    expect(pkg.dependencies.undici).toMatch(/^\d+\.\d+\.\d+$/);
    expect((require('undici/package.json') as { version: string }).version).toBe(pkg.dependencies.undici);
  });
});
