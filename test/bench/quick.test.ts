/**
 * `npm run bench -- --quick` still works: every measured run completes with
 * the rows it was given, and every peer script (scripts/peers/) gets every one
 * of its requests answered 000.100.110 (the bench exits non-zero otherwise).
 * Timings are not checked here; they are the bench's business.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const bench = (args: string[], timeout = 240_000) =>
  spawnSync(process.execPath, [join(ROOT, 'scripts/bench.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout });

interface PeerRow {
  rows: number;
  ok: number;
  executed: number;
}
interface PeerCase {
  id: string;
  rows: number;
  payops: { rows: number; executed: number; statuses: Record<string, number> }[];
  bare: PeerRow[];
  peers: Record<string, PeerRow[]>;
}

describe('npm run bench --quick', () => {
  it('runs every case of the benchmark, the peers included, on a small file and writes its tables', () => {
    const out = mkdtempSync(join(tmpdir(), 'payops-bench-'));
    try {
      const r = bench(['--quick', '--out-dir', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\| a \|/);
      expect(r.stdout).toMatch(/\| d′ \|/);
      expect(r.stdout).toMatch(/\| L200: latency 200 ms, C 256 \|/);
      expect(r.stdout).toMatch(/`payops validate` of a 10-row file \| \d+ ms/);
      const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { peerCases: PeerCase[]; failures: string[] };
      expect(json.failures).toEqual([]);
      expect(json.peerCases.map((c) => c.id)).toEqual(['L0', 'L50', 'L200']);
      for (const c of json.peerCases) {
        expect(c.payops[0]!.statuses).toEqual({ succeeded: c.rows });
        expect(c.payops[0]!.executed).toBe(c.rows);
        expect(c.bare[0]!.ok).toBe(c.rows);
        expect(Object.keys(c.peers).sort()).toEqual(['p1', 'p2', 'p3']);
        for (const [key, [run]] of Object.entries(c.peers)) {
          expect({ key, ok: run!.ok, executed: run!.executed }).toEqual({ key, ok: run!.rows, executed: run!.rows });
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('sub-benches (scripts/bench-*.mjs)', () => {
  it('runs each one present, puts its markdown in the results, and fails the bench when one fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'payops-bench-sub-'));
    try {
      const subs = join(dir, 'scripts');
      mkdirSync(subs);
      writeFileSync(
        join(subs, 'bench-good.mjs'),
        `const i = process.argv.indexOf('--out-dir');
         console.log('| measure | value |\\n|---|--:|\\n| good sub-bench, args ' + process.argv.slice(2, i).join(' ') + ' | ' + (i > 0 && process.argv[i + 1] ? 'has out dir' : 'no out dir') + ' |');`,
      );
      writeFileSync(join(subs, 'bench-broken.mjs'), `console.error('it broke'); process.exit(3);`);
      writeFileSync(join(subs, 'not-a-bench.mjs'), `process.exit(4);`);

      const all = bench(['--only', 'sub', '--quick', '--sub-dir', subs, '--out-dir', join(dir, 'out1')], 60_000);
      expect(all.status).toBe(1);
      expect(all.stdout).toContain('| good sub-bench, args --quick | has out dir |');
      expect(all.stdout).toContain('Sub-bench `scripts/bench-broken.mjs` (**exited 3**)');
      expect(all.stderr).toMatch(/bench-broken\.mjs exited 3: it broke/);
      expect(all.stderr).not.toContain('not-a-bench');

      const one = bench(['--only', 'sub', '--sub', 'good', '--sub-dir', subs, '--out-dir', join(dir, 'out2')], 60_000);
      expect(one.status, one.stderr).toBe(0);
      expect(one.stdout).toContain('| good sub-bench, args  | has out dir |');
      expect(one.stdout).not.toContain('bench-broken');
      expect(readFileSync(join(dir, 'out2', 'results.md'), 'utf8')).toContain('good sub-bench');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs without any sub-bench present', () => {
    const dir = mkdtempSync(join(tmpdir(), 'payops-bench-sub-'));
    try {
      const r = bench(['--only', 'sub', '--sub-dir', dir, '--out-dir', join(dir, 'out')], 60_000);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('Sub-bench');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
