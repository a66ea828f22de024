#!/usr/bin/env node
/**
 * `payops serve` benchmark (issue 17's targets), standalone:
 *
 *   npm run build && node scripts/bench-serve.mjs [--quick] [--out-dir DIR]
 *
 * (a) The preview of a 100,000-row upload (2,000 with --quick): the time from
 *     the start of the upload to the preview page showing its counts, against
 *     `payops validate` of the same file. Target: ≤ 2× validate. Measured
 *     twice: with an empty state, and after a run of another file on the
 *     same partition (so the preview's look at earlier runs has a journal to
 *     read).
 * (b) A 1,000,000-row job from the page (2,000 with --quick): refunds of
 *     0.01 against `payops sim`; the serve process's peak RSS (VmHWM of
 *     /proc/PID/status: serve alone, not its `payops run` child). Target:
 *     ≤ 250 MB.
 *
 * Prints markdown on stdout; raw figures to DIR/serve.json.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const ENTITY = '8a8294174b7ecb28014b9699220015ca';
const PAYMENT = '8ac7a4a2000000000000000000db0001';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const OUT = resolve(opt('--out-dir', join(ROOT, 'bench-output', 'sub', 'serve')));
const PREVIEW_ROWS = Number(opt('--preview-rows', QUICK ? 2_000 : 100_000));
const JOB_ROWS = Number(opt('--job-rows', QUICK ? 2_000 : 1_000_000));

if (!existsSync(CLI)) {
  console.error('build first: npm run build');
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });
const work = join(OUT, 'work');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const children = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});

async function writeRefunds(path, rows, tag) {
  const out = createWriteStream(path);
  const write = (s) => (out.write(s) ? undefined : new Promise((r) => out.once('drain', r)));
  await write('Ticket;Operation;Payment ID;Amount;Currency\r\n');
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    chunk += `${tag}-${i};refund;${PAYMENT};0.01;EUR\r\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise((r) => out.end(r));
}

/** Start a long-running CLI command that prints its URL as its first stdout line. */
async function startCli(argv, env = {}) {
  const child = spawn(process.execPath, [CLI, ...argv], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', OPPWA_ACCESS_TOKEN: 'sim-token', OPPWA_ENTITY_ID: ENTITY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const url = await new Promise((res, rej) => {
    createInterface({ input: child.stdout }).once('line', (l) => res(l.trim().replace(/\/$/, '')));
    child.once('exit', (code) => rej(new Error(`${argv[0]} exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

function runCli(argv) {
  return new Promise((res) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...argv], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', OPPWA_ACCESS_TOKEN: 'sim-token', OPPWA_ENTITY_ID: ENTITY },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('close', (code) => res({ code, ms: performance.now() - t0, stderr }));
  });
}

const peakRssMb = (pid) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

const post = (base, path, body) =>
  fetch(base + path, { method: 'POST', body, redirect: 'manual', headers: { origin: base, 'sec-fetch-site': 'same-origin', accept: 'application/json' } });

async function upload(base, file, name) {
  const fd = new FormData();
  fd.append('file', new Blob([readFileSync(file)]), name);
  const res = await post(base, '/upload', fd);
  if (res.status !== 200) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return (await res.json()).url.split('/').pop();
}

async function waitState(base, id, re, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const page = await (await fetch(`${base}/jobs/${id}`)).text();
    const st = /id="jobstate">([^<]*)</.exec(page)?.[1] ?? '';
    if (re.test(st)) return page;
    if (/error|refused/.test(st)) throw new Error(`job ${id}: ${st}: ${/id="jobmsg">([^<]*)</.exec(page)?.[1] ?? ''}`);
    if (Date.now() > end) throw new Error(`job ${id} stuck at ${st}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sim = await startCli(['sim', '--port', '0', '--seed', await (async () => {
  const seed = join(work, 'seed.csv');
  writeFileSync(seed, `payment_id,payment_type,amount,currency\n${PAYMENT},DB,99999999.00,EUR\n`);
  return seed;
})()]);
const stateDir = join(work, 'state');
const serve = await startCli(['serve', '--port', '0', '--gateway', sim.url, '--state-dir', stateDir, '--entity-id', ENTITY, '--concurrency', '8']);
const base = serve.url;
const figures = { quick: QUICK, previewRows: PREVIEW_ROWS, jobRows: JOB_ROWS, preview: [] };

// (a) preview against validate
const previewFile = join(work, 'preview.csv');
await writeRefunds(previewFile, PREVIEW_ROWS, 'P');
async function previewCase(label) {
  const v = await runCli(['validate', previewFile]);
  if (v.code !== 0) throw new Error(`validate exit ${v.code}: ${v.stderr}`);
  const t0 = performance.now();
  const id = await upload(base, previewFile, `preview-${figures.preview.length}.csv`);
  const page = await waitState(base, id, /preview/, 600_000);
  const ms = performance.now() - t0;
  const valid = Number(/id="valid">(\d+)</.exec(page)?.[1]);
  if (valid !== PREVIEW_ROWS) throw new Error(`preview counted ${valid} valid rows of ${PREVIEW_ROWS}`);
  figures.preview.push({ label, validateMs: v.ms, uploadToPreviewMs: ms, ratio: ms / v.ms });
  return id;
}
await previewCase('empty state');

// (b) a big job from the page: peak RSS of serve
const jobFile = join(work, 'job.csv');
await writeRefunds(jobFile, JOB_ROWS, 'J');
const id = await upload(base, jobFile, 'job.csv');
await waitState(base, id, /preview/, 600_000);
const rssBefore = peakRssMb(serve.child.pid);
const t0 = performance.now();
await post(base, `/jobs/${id}/confirm`, new URLSearchParams());
const done = await waitState(base, id, /finished|stopped/, 3_600_000);
const jobMs = performance.now() - t0;
const succeeded = Number(/succeeded: <strong>(\d+)</.exec(done)?.[1] ?? NaN);
figures.job = { rows: JOB_ROWS, succeeded, ms: jobMs, rowsPerS: JOB_ROWS / (jobMs / 1000), servePeakRssMbBeforeJob: rssBefore, servePeakRssMb: peakRssMb(serve.child.pid) };

// (a) again, now that the partition has a journal of JOB_ROWS rows
await previewCase(`after a ${JOB_ROWS.toLocaleString('en')}-row run`);
figures.servePeakRssMb = peakRssMb(serve.child.pid);

writeFileSync(join(OUT, 'serve.json'), JSON.stringify(figures, null, 2) + '\n');
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const out = [];
out.push(`### payops serve${QUICK ? ' (quick)' : ''}`, '');
out.push(`Preview of a ${PREVIEW_ROWS.toLocaleString('en')}-row CSV upload (target: ≤ 2× \`payops validate\` of the same file):`, '');
out.push('| state of the partition | payops validate | upload → preview shown | ratio |');
out.push('|---|---:|---:|---:|');
for (const p of figures.preview) out.push(`| ${p.label} | ${s(p.validateMs)} | ${s(p.uploadToPreviewMs)} | ${p.ratio.toFixed(2)}× ${p.ratio <= 2 ? '✓' : '✗'} |`);
out.push('');
const j = figures.job;
out.push(`A ${JOB_ROWS.toLocaleString('en')}-row job from the page (refunds against payops sim, --concurrency 8): ${j.succeeded.toLocaleString('en')} succeeded in ${s(j.ms)} (${Math.round(j.rowsPerS)} rows/s); serve's peak RSS ${j.servePeakRssMb.toFixed(0)} MB (target ≤ 250 MB ${j.servePeakRssMb <= 250 ? '✓' : '✗'}; ${rssBefore.toFixed(0)} MB before the job).`);
console.log(out.join('\n'));
process.exit(0);
