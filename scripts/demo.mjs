#!/usr/bin/env node
// npm run demo: run samples/operations.csv against the built-in simulator,
// seeded with samples/payments.csv, and write the results into demo-output/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'demo-output');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const args = [
  join(root, 'dist/cli/main.js'),
  'run',
  join(root, 'samples/operations.csv'),
  '--gateway', 'sim',
  '--sim-seed', join(root, 'samples/payments.csv'),
  '--out', join(out, 'operations.results.csv'),
  '--failed', join(out, 'operations.failed.csv'),
  '--summary-json', join(out, 'summary.json'),
];
console.error(`$ payops ${args.slice(1).map((a) => a.replace(root + '/', '')).join(' ')}\n`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
console.error(`\npayops exited with ${r.status} (1 = the run finished and some rows are in the failed-rows file, as the demo intends).`);
console.error('Results:     demo-output/operations.results.csv');
console.error('Failed rows: demo-output/operations.failed.csv (valid input for another run)');
console.error('Summary:     demo-output/summary.json');
process.exit(r.status === 0 || r.status === 1 ? 0 : r.status ?? 1);
