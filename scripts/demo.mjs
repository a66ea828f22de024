#!/usr/bin/env node
// npm run demo: run samples/operations.csv against the built-in simulator,
// seeded with samples/payments.csv, and write the results and the HTML report
// into demo-output/.
//   npm run demo -- --screenshot docs/images/report.png
// also takes a screenshot of the report with Debian's headless Chromium
// (chromium-headless-shell, driven by playwright-core; nothing is downloaded).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  '--report', join(out, 'report.html'),
];
const shotAt = process.argv.indexOf('--screenshot');
const screenshot = shotAt >= 0 ? process.argv[shotAt + 1] : undefined;
if (shotAt >= 0 && !screenshot) {
  console.error('--screenshot needs a file name, e.g. docs/images/report.png');
  process.exit(2);
}
console.error(`$ payops ${args.slice(1).map((a) => a.replace(root + '/', '')).join(' ')}\n`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
console.error(`\npayops exited with ${r.status} (1 = the run finished and some rows are in the failed-rows file, as the demo intends).`);
console.error('Results:     demo-output/operations.results.csv');
console.error('Failed rows: demo-output/operations.failed.csv (valid input for another run)');
console.error('Summary:     demo-output/summary.json');
console.error('Report:      demo-output/report.html (open it in a browser; it prints on A4)');
if (screenshot && (r.status === 0 || r.status === 1)) {
  const { chromium } = await import('playwright-core');
  const executablePath = ['/usr/bin/chromium-headless-shell', '/usr/lib/chromium/headless_shell', '/usr/bin/chromium'].find((p) => existsSync(p));
  if (!executablePath) {
    console.error('no Chromium found: install Debian\'s chromium-headless-shell');
    process.exit(1);
  }
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 900, height: 800 }, javaScriptEnabled: false });
  await page.goto(pathToFileURL(join(out, 'report.html')).href);
  await page.screenshot({ path: screenshot, fullPage: true });
  await browser.close();
  console.error(`Screenshot:  ${screenshot}`);
}
process.exit(r.status === 0 || r.status === 1 ? 0 : r.status ?? 1);
