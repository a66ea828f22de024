/**
 * What a command loads before it does its work: start-up is most of a short
 * run (issue 18), and each of these modules costs tens of milliseconds. The
 * built CLI runs with a module hook (ESM) and a look at require's cache at
 * exit (CommonJS) that list every module it loaded.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ENTITY, ROOT, TOKEN, startSim, tempDir, write, type SimProcess } from '../e2e/harness.js';

const OPS = 'operation,payment_id,amount,currency\nrefund,8ac7a4a18d6b4ea5a1b2c3d4e5f60001,1.00,EUR\n';

let dir: string;
let sim: SimProcess;
beforeAll(async () => {
  dir = tempDir();
  // The ESM hook runs on the loader's thread; it appends each URL as it is loaded.
  writeFileSync(join(dir, 'hook.mjs'), "import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) { appendFileSync(process.env.LOADED_LIST, url + '\\n'); return next(url, ctx); }\n");
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
  writeFileSync(join(dir, 'cjs.cjs'), "process.on('exit', () => require('node:fs').appendFileSync(process.env.LOADED_LIST, Object.keys(require.cache).join('\\n') + '\\n'));\n");
  sim = await startSim();
});
afterAll(() => sim?.stop());

/** The Node flags of the bin's first line (the small heap), as an installed payops starts. */
const BIN_FLAGS = readFileSync(CLI, 'utf8').split('\n', 1)[0]!.split(/\s+/).filter((f) => f.startsWith('--'));

let n = 0;
/**
 * Run the CLI and return every file it loaded (ESM URLs as paths, CommonJS files, relative to the project), and
 * the modules those files hold (a chunk of the bundle stands for its source modules).
 */
function loadedBy(args: string[]): { code: number | null; files: string[]; modules: string[]; stderr: string } {
  const list = join(dir, `loaded-${++n}.txt`);
  writeFileSync(list, '');
  const r = spawnSync(process.execPath, [...BIN_FLAGS, '--import', join(dir, 'register.mjs'), '--require', join(dir, 'cjs.cjs'), CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OPPWA_ACCESS_TOKEN: TOKEN, OPPWA_ENTITY_ID: ENTITY, LOADED_LIST: list, TMPDIR: dir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const modules = readFileSync(list, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((u) => (u.startsWith('file://') ? decodeURIComponent(new URL(u).pathname) : u))
    .map((p) => (p.startsWith(ROOT) ? p.slice(ROOT.length + 1) : p));
  return { code: r.status, files: modules, modules: withBundled(modules), stderr: r.stderr };
}

/**
 * The build bundles the CLI (scripts/bundle.mjs): a file it loaded that is one of the bundle's outputs
 * stands for the source modules in it, as esbuild's metafile lists them (paths relative to the project).
 */
const BUNDLE = JSON.parse(readFileSync(join(ROOT, 'dist/bundle-meta.json'), 'utf8')) as {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
};
const withBundled = (files: string[]) => files.flatMap((f) => [f, ...Object.keys(BUNDLE.outputs[f]?.inputs ?? {})]);

const loadsPackage = (modules: string[], pkg: string) => modules.some((m) => m.startsWith(`node_modules/${pkg}/`));

describe('start-up loads only what the command uses', () => {
  it('validate of a CSV file loads no workbook reader, no HTTP client and no simulator', () => {
    const input = write(dir, 'v.csv', OPS);
    const r = loadedBy(['validate', input, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.modules).toContain('dist/cli/validate.js');
    expect(loadsPackage(r.modules, 'exceljs')).toBe(false);
    expect(loadsPackage(r.modules, 'undici')).toBe(false);
    expect(r.modules).not.toContain('dist/sim/server.js');
  });

  it('--version prints the version and loads no command', () => {
    const r = loadedBy(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.modules.filter((m) => /^dist\/cli\/(run|validate|reconcile|report|state|sim|serve|user)\.js$/.test(m))).toEqual([]);
    expect(r.modules).not.toContain('dist/sim/server.js');
  });

  it('the CLI is bundled: validate reads its code and its packages from a handful of files, not from each module', () => {
    const input = write(dir, 'b.csv', OPS);
    const r = loadedBy(['validate', input, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const own = r.files.filter((f) => f.startsWith('dist/') || f.startsWith('node_modules/'));
    // Before the bundle: 228 files (zod 95 of them); now main.js and its chunks (31). They hold the same modules.
    expect(own.length).toBeLessThan(40);
    expect(r.modules.filter((m) => m.startsWith('node_modules/zod/')).length).toBeGreaterThan(20);
    // zod's locales are left out of the bundle (scripts/bundle.mjs).
    expect(r.modules.some((m) => m.startsWith('node_modules/zod/v4/locales/') && !m.endsWith('/en.js'))).toBe(false);
  });

  it("the bundle keeps only the zod payops uses: every module imports it as a namespace (an `import { z }` would keep all 854 KB)", () => {
    let zodBytes = 0;
    for (const out of Object.values(BUNDLE.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) if (input.startsWith('node_modules/zod/')) zodBytes += bytesInOutput;
    }
    expect(zodBytes).toBeGreaterThan(50_000);
    expect(zodBytes).toBeLessThan(300_000);
  });

  it('validate of a workbook still loads the workbook reader', () => {
    const r = loadedBy(['validate', join(ROOT, 'samples/excel-de.xlsx'), '--quiet']);
    expect(r.code, r.stderr).not.toBe(2);
    expect(loadsPackage(r.modules, 'exceljs')).toBe(true);
  });

  it("run against a gateway URL loads undici's Pool and errors, not its index (fetch, websocket, mocks)", () => {
    const input = write(dir, 'r.csv', OPS);
    const r = loadedBy(['run', input, '--gateway', sim.url, '--state-dir', join(dir, 'state'), '--out', join(dir, 'r.results.csv'), '--failed', join(dir, 'r.failed.csv'), '--quiet']);
    expect(r.code, r.stderr).toBeLessThanOrEqual(1);
    expect(r.modules).toContain('node_modules/undici/lib/dispatcher/pool.js');
    expect(r.modules).not.toContain('node_modules/undici/index.js');
    expect(loadsPackage(r.modules, 'exceljs')).toBe(false);
  });

  it('run --gateway sim of a small file hosts the simulator in the same process (one start-up, not two)', () => {
    const input = write(dir, 's.csv', OPS);
    const r = loadedBy(['run', input, '--gateway', 'sim', '--out', join(dir, 's.results.csv'), '--failed', join(dir, 's.failed.csv'), '--quiet']);
    expect(r.code, r.stderr).toBeLessThanOrEqual(1);
    // This process loaded the simulator itself; a second process would not have the hook.
    expect(r.modules).toContain('dist/sim/server.js');
  });
});
