/**
 * `npm run bench -- --profile` and `--summarise-profile` explain a missed
 * target by area (input, row validation, planning, HTTP, output…). The CLI
 * runs as a bundle (scripts/bundle.mjs), so a profile's frames are in
 * dist/cli/chunk-*.js; the summary maps them back to src/ and node_modules
 * through the bundle's source maps. Without that every frame fell in "cli".
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'payops-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench --summarise-profile on the bundled CLI', () => {
  it('sums a validate profile by source area and names src/ files, not bundle chunks', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `refund,8ac7a4a18d6b4ea5a1b2c3d4${(0x10000000 + i).toString(16)},1.00,EUR`);
    writeFileSync(join(dir, 'ops.csv'), ['operation,payment_id,amount,currency', ...rows].join('\n') + '\n');
    const prof = join(dir, 'prof');
    const v = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', prof, '--cpu-prof-interval', '100', join(ROOT, 'dist/cli/main.js'), 'validate', join(dir, 'ops.csv'), '--out', join(dir, 'checked.csv'), '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, OPPWA_ENTITY_ID: '8a8294174b7ecb28014b9699220015ca' },
    });
    expect(v.status, v.stderr).toBe(0);
    const [file] = readdirSync(prof);
    const s = spawnSync(process.execPath, [join(ROOT, 'scripts/bench.mjs'), '--summarise-profile', join(prof, file!), '3000'], { cwd: ROOT, encoding: 'utf8' });
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/% .*input \(decode, csv-parse, headers\)/);
    expect(s.stdout).toMatch(/% .*row validation \(rows\/\*\)/);
    expect(s.stdout).toMatch(/% .*output files \(output\/\*\)/);
    expect(s.stdout).toMatch(/ src\/[\w/-]+\.ts:\d+/);
    // A chunk's line 1 is its module body as a whole (its top-level code), which has no one source line.
    expect(s.stdout).not.toMatch(/dist\/cli\/chunk-\w+\.js:(?!1$)\d+$/m);
  });
});
