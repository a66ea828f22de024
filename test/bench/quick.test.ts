/**
 * `npm run bench -- --quick` still works: every measured run completes with
 * the rows it was given (the bench exits non-zero otherwise). Timings are
 * not checked here; they are the bench's business.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm run bench --quick', () => {
  it('runs every case of the benchmark on a small file and writes its table', () => {
    const out = mkdtempSync(join(tmpdir(), 'payops-bench-'));
    try {
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts/bench.mjs'), '--quick', '--out-dir', out], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 240_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\| a \|/);
      expect(r.stdout).toMatch(/\| d′ \|/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
