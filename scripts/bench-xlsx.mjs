#!/usr/bin/env node
/**
 * Workbook input benchmark (issue 15), standalone:
 *
 *   npm run build && node scripts/bench-xlsx.mjs [--rows N] [--max]
 *
 * (a) `payops validate` of a 100,000-row workbook with unique ids: wall time
 *     and peak RSS (target ≤ 200 MB), against the same rows as CSV;
 * (b) with --max (default on): a 1,048,576-row sheet (Excel's maximum: a
 *     header and 1,048,575 rows) finishes; wall time and peak RSS.
 *
 * The workbooks are written once into bench-output/ by exceljs's streaming
 * writer with shared strings (as Excel writes them), amounts as number
 * cells, ids as text. Peak RSS is the child's own (`process.resourceUsage()
 * .maxRSS`, read at its exit through a preloaded hook), so the figures are
 * payops' alone. Each measurement is the best of `--repeat` runs (default 3;
 * 1 for the maximum sheet).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const OUT = join(ROOT, 'bench-output');
const ENTITY = '8a8294174b7ecb28014b9699220015ca';
const PAYMENT = '8ac7a4a2000000000000000000db0001';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
// --quick (the bench's CI mode): that it works, on a small workbook, without the maximum sheet.
const QUICK = args.includes('--quick');
const ROWS = Number(opt('--rows', QUICK ? 2_000 : 100_000));
const REPEAT = Number(opt('--repeat', QUICK ? 1 : 3));
const MAX = !QUICK && !args.includes('--no-max');
const MAX_ROWS = 1_048_575;

if (!existsSync(CLI)) {
  console.error('build first: npm run build');
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });

const HEADER = ['operation', 'payment_id', 'amount', 'currency', 'merchant_transaction_id', 'note'];
const rowOf = (i) => ['refund', PAYMENT, ((i % 9999) + 1) / 100, 'EUR', `BENCH-${String(i).padStart(8, '0')}`, `Erstattung ${i % 100}`];

async function writeWorkbook(path, rows) {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: false });
  const ws = wb.addWorksheet('Refunds');
  ws.addRow(HEADER).commit();
  for (let i = 1; i <= rows; i++) ws.addRow(rowOf(i)).commit();
  await ws.commit();
  await wb.commit();
}

async function writeCsv(path, rows) {
  const out = createWriteStream(path);
  const write = (s) => (out.write(s) ? undefined : new Promise((r) => out.once('drain', r)));
  await write(HEADER.join(',') + '\r\n');
  let buf = '';
  for (let i = 1; i <= rows; i++) {
    buf += rowOf(i).join(',') + '\r\n';
    if (buf.length > 1 << 16) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise((r) => out.end(r));
}

async function ensure(path, rows, kind) {
  const stamp = `${path}.rows`;
  if (existsSync(path) && existsSync(stamp) && readFileSync(stamp, 'utf8') === String(rows)) return;
  const t = Date.now();
  if (kind === 'xlsx') await writeWorkbook(path, rows);
  else await writeCsv(path, rows);
  writeFileSync(stamp, String(rows));
  console.error(`wrote ${path} (${rows} rows, ${(statSync(path).size / 1e6).toFixed(1)} MB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

// Reports the child's peak RSS at its exit.
const HOOK = join(OUT, 'maxrss-hook.cjs');
writeFileSync(
  HOOK,
  `process.on('exit', () => { try { require('fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)); } catch {} });\n`,
);

function measure(argv) {
  const rssFile = join(OUT, `rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  return new Promise((res, rej) => {
    const t = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', HOOK, CLI, ...argv], {
      env: { ...process.env, OPPWA_ENTITY_ID: ENTITY, BENCH_RSS_FILE: rssFile, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (code !== 0 && code !== 1) return rej(new Error(`exit ${code}: ${stderr}`));
      const rssKb = Number(readFileSync(rssFile, 'utf8'));
      res({ ms, rssMb: rssKb / 1024, summary: stderr.trim().split('\n').pop() });
    });
  });
}

async function best(argv, n) {
  let b;
  for (let i = 0; i < n; i++) {
    const r = await measure(argv);
    if (!b || r.ms < b.ms) b = { ...r, rssMb: Math.max(r.rssMb, b?.rssMb ?? 0) };
    else b.rssMb = Math.max(b.rssMb, r.rssMb);
  }
  return b;
}

const results = {};
const xlsx = join(OUT, `validate-${ROWS}.xlsx`);
const csv = join(OUT, `validate-${ROWS}.csv`);
await ensure(xlsx, ROWS, 'xlsx');
await ensure(csv, ROWS, 'csv');
results.workbook = await best(['validate', xlsx], REPEAT);
results.csv = await best(['validate', csv], REPEAT);
const ratio = results.workbook.ms / results.csv.ms;
console.log(`(a) validate ${ROWS.toLocaleString('en')} rows, unique ids`);
console.log(`    workbook  ${(results.workbook.ms / 1000).toFixed(2)} s  peak RSS ${results.workbook.rssMb.toFixed(0)} MB  (${results.workbook.summary})  target ≤ 200 MB: ${results.workbook.rssMb <= 200 ? 'met' : 'MISSED'}`);
console.log(`    CSV       ${(results.csv.ms / 1000).toFixed(2)} s  peak RSS ${results.csv.rssMb.toFixed(0)} MB  (${results.csv.summary})`);
console.log(`    workbook ÷ CSV time: ${ratio.toFixed(2)}`);

if (MAX) {
  const big = join(OUT, `validate-max.xlsx`);
  await ensure(big, MAX_ROWS, 'xlsx');
  results.max = await best(['validate', big], 1);
  console.log(`(b) validate a 1,048,576-row sheet (header + ${MAX_ROWS.toLocaleString('en')} rows)`);
  console.log(`    workbook  ${(results.max.ms / 1000).toFixed(1)} s  peak RSS ${results.max.rssMb.toFixed(0)} MB  (${results.max.summary})`);
}
writeFileSync(join(OUT, 'bench-xlsx.json'), JSON.stringify({ rows: ROWS, node: process.version, ...results, ratio }, null, 2) + '\n');
