#!/usr/bin/env node
/**
 * `npm run bench`: end-to-end throughput and memory of payops against its
 * simulator, each figure next to the baseline that bounds it, measured in one
 * run so the ratios are comparable on a noisy machine.
 *
 *   npm run build && npm run bench [-- --rows 100000] [--rows-large 1000000]
 *                                  [--latency-rows 20000] [--repeat 3] [--quick] [--profile]
 *
 *   (a)  payops run, concurrency 32, no simulated latency, journal on; and
 *        again with PAYOPS_JOURNAL=memory (ratio journal / no journal)
 *   (b)  a bare undici Pool loop (32 keep-alive connections) sending the same
 *        POST bodies at concurrency 32: the ceiling for (a)
 *   (c)  payops run, concurrency 64, simulator --latency 50: against 64/0.05
 *   (d)  payops validate against a bare csv-parse → csv-stringify pass
 *   (e)  peak RSS of the payops process at --rows and at --rows-large rows
 *
 * (a), (a′) and (b) run --repeat times (3; 1 with --quick), interleaved, and
 * the table shows medians. Every case gets a freshly started simulator (a
 * separate process, same seed, no faults) and a fresh state directory. payops
 * runs with the Node flags of the bin's shebang, as an installed `payops`
 * does. The table goes to stdout and to bench-output/results.md (raw figures
 * in bench-output/results.json), with CPU per row, the machine's CPU
 * pressure and fdatasync latency, and a warning when dist/ or src/ changed
 * during the run.
 *
 * --quick (CI): 2,000 rows, no large run; exits non-zero when a run fails
 * (an exit code other than 0/1, a results file missing rows, the simulator
 * dying during a case, a request of the bare loop not answered 200 with
 * 000.100.110), never because of a timing.
 *
 * --profile: after the measured runs (so the profiler stays out of the
 * table), profiles payops run with the journal on and off, the latency run
 * and validate, and prints self time by area and by function, per row.
 * `node scripts/bench.mjs --summarise-profile FILE.cpuprofile [ROWS]` does the
 * same for any profile.
 *
 * Internal modes (the baselines run in their own process, like payops):
 * `--internal undici URL OPS RESULTS CONCURRENCY` and `--internal csv IN OUT`.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync, createReadStream, createWriteStream, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync,
  statSync, writeFileSync, writeSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../dist/sim/faults.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MAIN = join(ROOT, 'dist/cli/main.js');
const TOKEN = 'sim-token';
const ENTITY = '8a8294174b7ecb28014b9699220015ca';
const TIME_BIN = '/usr/bin/time';

// ---------------------------------------------------------------- internal modes

if (process.argv[2] === '--internal') {
  const [mode, ...rest] = process.argv.slice(3);
  if (mode === 'undici') await undiciLoop(...rest);
  else if (mode === 'csv') await csvPass(...rest);
  else throw new Error(`unknown internal mode ${mode}`);
  process.exit(0);
}
if (process.argv[2] === '--summarise-profile') {
  const [file, rows] = process.argv.slice(3);
  console.log(`${file}\n` + summariseProfile(file, 20, Number(rows ?? 0)));
  process.exit(0);
}

/** The ceiling: the same POSTs over an undici Pool, nothing else. Prints one JSON line. */
async function undiciLoop(url, opsPath, resultsPath, concurrencyArg) {
  const { Pool } = await import('undici');
  const { parse } = await import('csv-parse/sync');
  const concurrency = Number(concurrencyArg);
  const ops = parse(readFileSync(opsPath), { columns: true });
  const results = parse(readFileSync(resultsPath), { columns: true });
  if (results.length !== ops.length) throw new Error(`results ${results.length} rows, ops ${ops.length}`);
  // The body payops sends (src/gateway/requests.ts), with the id payops used.
  const TYPES = { refund: 'RF', capture: 'CP' };
  const reqs = ops.map((op, i) => ({
    path: `/v1/payments/${op.payment_id}`,
    body:
      `entityId=${ENTITY}&paymentType=${TYPES[op.operation]}&amount=${op.amount}&currency=${op.currency}` +
      `&merchantTransactionId=${encodeURIComponent(results[i].merchant_transaction_id)}`,
  }));
  const headers = {
    authorization: `Bearer ${TOKEN}`,
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
  };
  const pool = new Pool(url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  let next = 0;
  let ok = 0;
  let bad = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < reqs.length; i = next++) {
      const res = await pool.request({ method: 'POST', path: reqs[i].path, headers, body: reqs[i].body });
      const text = await res.body.text();
      if (res.statusCode === 200 && text.includes('"000.100.110"')) ok++;
      else bad++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  process.stdout.write(JSON.stringify({ rows: reqs.length, ms, cpuMs: (cpu.user + cpu.system) / 1000, ok, bad }) + '\n');
}

/** The baseline for validate: parse → stringify, arrays through. Prints one JSON line. */
async function csvPass(inPath, outPath) {
  const { parse } = await import('csv-parse');
  const { stringify } = await import('csv-stringify');
  const started = performance.now();
  let rows = 0;
  await pipeline(
    createReadStream(inPath),
    parse({ bom: true, relax_column_count: true }),
    async function* (records) {
      for await (const r of records) {
        rows++;
        yield r;
      }
    },
    stringify(),
    createWriteStream(outPath),
  );
  process.stdout.write(JSON.stringify({ rows: rows - 1, ms: performance.now() - started }) + '\n');
}

// ---------------------------------------------------------------- options

const { values: opt } = parseArgs({
  options: {
    rows: { type: 'string' },
    'rows-large': { type: 'string' },
    'latency-rows': { type: 'string' },
    repeat: { type: 'string' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'out-dir': { type: 'string', default: join(ROOT, 'bench-output') },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
  process.exit(0);
}
const quick = opt.quick;
const ROWS = int(opt.rows, quick ? 2_000 : 100_000);
const ROWS_LARGE = quick ? 0 : int(opt['rows-large'], 1_000_000);
const LATENCY_ROWS = int(opt['latency-rows'], quick ? 2_000 : 20_000);
const REPEAT = int(opt.repeat, quick ? 1 : 3);
const OUT = resolve(opt['out-dir']);
const WORK = join(OUT, 'work');

function int(v, dflt) {
  if (v === undefined) return dflt;
  const n = Number(String(v).replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 0) {
    console.error(`bench: not a row count: ${v}`);
    process.exit(2);
  }
  return n;
}

if (!existsSync(MAIN)) {
  console.error(`bench: ${MAIN} not found: run "npm run build" first`);
  process.exit(2);
}
/**
 * The Node flags of the bin's shebang (`#!/usr/bin/env -S node --flag …`): an
 * installed `payops` runs with them, so every payops process here gets them
 * too (given explicitly, so --cpu-prof can be added and the same node is used).
 */
const BIN_FLAGS = (() => {
  const first = readFileSync(MAIN, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?node((?:\s+--?\S+)*)\s*$/.exec(first) ?? /^#!\S*\/node((?:\s+--?\S+)*)\s*$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
})();
const payopsArgs = (nodeFlags, ...args) => [...BIN_FLAGS, ...nodeFlags, MAIN, ...args];

// ---------------------------------------------------------------- processes

const children = new Set();
/** Each child leads its own process group, so a kill reaches node under GNU time too. */
const kill = (child, sig) => {
  try {
    process.kill(-child.pid, sig);
  } catch {
    child.kill(sig);
  }
};
const killAll = () => {
  for (const c of children) kill(c, 'SIGKILL');
};
process.on('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM']) {
  process.on(s, () => {
    killAll();
    process.exit(s === 'SIGINT' ? 130 : 143);
  });
}

/**
 * Runs a command to its end: wall time, exit code, stdout, stderr, and the
 * peak RSS in kB (GNU time's %M when present, else VmHWM polled from /proc).
 */
function runTimed(args, { env = {}, limitMs = 60 * 60_000, signal } = {}) {
  const useTime = existsSync(TIME_BIN);
  const rssFile = join(WORK, `rss-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const [cmd, cmdArgs] = useTime
    ? [TIME_BIN, ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(cmd, cmdArgs, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    let hwm = 0;
    let lastCpuMs = NaN;
    const poll = useTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
            lastCpuMs = procCpuMs(child.pid);
          } catch {
            /* exited */
          }
        }, 50);
    const timer = setTimeout(() => kill(child, 'SIGKILL'), limitMs);
    signal?.addEventListener('abort', () => kill(child, 'SIGKILL'), { once: true });
    child.once('error', fail);
    child.once('close', (code, signal) => {
      const ms = performance.now() - started;
      children.delete(child);
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      let rssKb = hwm;
      let cpuMs = NaN;
      if (useTime) {
        // GNU time writes "Command exited with non-zero status N" first when the child failed.
        try {
          const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
          const [m, u, sys] = lines[lines.length - 1].split(' ').map(Number);
          rssKb = m;
          cpuMs = (u + sys) * 1000;
          rmSync(rssFile);
        } catch {
          rssKb = NaN;
        }
      } else {
        cpuMs = lastCpuMs;
      }
      done({ code: signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : code, ms, stdout, stderr, rssKb, cpuMs });
    });
  });
}

/**
 * A fresh simulator in its own process; resolves with its base URL and a
 * stop(). `died` aborts when it exits before stop(), with its stderr as reason.
 * It runs without the bin's heap flags: it keeps every transaction in memory
 * (GET /__sim/transactions), and under the bin's 96 MB old-space cap it runs
 * out of heap before 100,000 transactions.
 */
async function startSim(seedPath, extra = []) {
  const child = spawn(process.execPath, [MAIN, 'sim', '--port', '0', '--seed', seedPath, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-5000)));
  let stopping = false;
  const died = new AbortController();
  child.once('exit', (code, sig) => {
    if (!stopping) died.abort(`simulator exited (${sig ?? code}) during the case: ${stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
  });
  const url = await new Promise((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`simulator did not print its URL in 60 s: ${stderr}`)), 60_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0 && timer) {
        clearTimeout(timer);
        ok(buf.slice(0, nl).trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`simulator exited with ${code}: ${stderr}`));
    });
  });
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`simulator printed ${url}`);
  let cpuMs = NaN;
  const stop = () =>
    new Promise((ok) => {
      stopping = true;
      try {
        cpuMs = procCpuMs(child.pid);
      } catch {
        /* gone */
      }
      if (child.exitCode !== null || child.signalCode !== null) return ok();
      const t = setTimeout(() => kill(child, 'SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(t);
        children.delete(child);
        ok();
      });
      child.kill('SIGTERM');
    });
  return { url, stop, cpuMs: () => cpuMs, died: died.signal };
}

/** user + system CPU of a live process, from /proc (clock ticks of 10 ms on Linux). */
function procCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

// ---------------------------------------------------------------- data

const ROWS_PER_PAYMENT = 3;
const pid = (i) => (0x10000000 + i).toString(16).padStart(32, 'b');

/**
 * Seed: ceil(n/3) DB payments of 1,000,000.00 EUR. Operations: n refunds of
 * 0.01–9.99, three per payment, the rows of one payment scattered at random
 * across the file (so per-payment ordering rarely holds a row back).
 */
async function makeData(n) {
  const seedPath = join(WORK, `seed-${n}.csv`);
  const opsPath = join(WORK, `ops-${n}.csv`);
  if (existsSync(seedPath) && existsSync(opsPath)) return { seedPath, opsPath };
  const payments = Math.ceil(n / ROWS_PER_PAYMENT);
  const rnd = mulberry32(20261124 + n); // seeded: every run uses the same files
  await writeLines(seedPath, 'payment_id,payment_type,amount,currency', payments, (i) => `${pid(i)},DB,1000000.00,EUR`);
  const slots = new Uint32Array(n);
  for (let i = 0; i < n; i++) slots[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = slots[i];
    slots[i] = slots[j];
    slots[j] = t;
  }
  await writeLines(opsPath, 'operation,payment_id,amount,currency', n, (i) => {
    const cents = 1 + Math.floor(rnd() * 999);
    return `refund,${pid(Math.floor(slots[i] / ROWS_PER_PAYMENT))},${(cents / 100).toFixed(2)},EUR`;
  });
  return { seedPath, opsPath };
}

async function writeLines(path, header, n, line) {
  const tmp = path + '.tmp';
  const out = createWriteStream(tmp);
  out.write(header + '\n');
  let chunk = [];
  for (let i = 0; i < n; i++) {
    chunk.push(line(i));
    if (chunk.length === 10_000 || i === n - 1) {
      if (!out.write(chunk.join('\n') + '\n')) await new Promise((r) => out.once('drain', r));
      chunk = [];
    }
  }
  await new Promise((ok, fail) => out.end((e) => (e ? fail(e) : ok())));
  const { renameSync } = await import('node:fs');
  renameSync(tmp, path);
}

/** Data rows of a CSV payops wrote (LF, no quoted newlines in these files), and its status counts. */
function readResults(path) {
  if (!existsSync(path)) return { rows: 0, statuses: {} };
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines[0].replace(/^\uFEFF/, '').split(',');
  const si = header.indexOf('status');
  const statuses = {};
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    rows++;
    // status is never quoted and no earlier column of these files holds a comma
    const s = lines[i].split(',')[si];
    statuses[s] = (statuses[s] ?? 0) + 1;
  }
  return { rows, statuses };
}

// ---------------------------------------------------------------- cases

const failures = [];
const fail = (what) => {
  failures.push(what);
  console.error(`bench: FAILED: ${what}`);
};
let caseNo = 0;
const log = (s) => process.stderr.write(`bench: ${s}\n`);

/** One `payops run` against a fresh simulator with a fresh state dir. */
async function payopsRun(label, n, { concurrency = 32, latency, journal = 'disk', profileDir } = {}) {
  const { seedPath, opsPath } = await makeData(n);
  const failuresBefore = failures.length;
  const dir = join(WORK, `case-${++caseNo}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sim = await startSim(seedPath, latency ? ['--latency', String(latency)] : []);
  const out = join(dir, 'results.csv');
  const failed = join(dir, 'failed.csv');
  const env = { OPPWA_ACCESS_TOKEN: TOKEN, OPPWA_ENTITY_ID: ENTITY, PAYOPS_JOURNAL: journal === 'memory' ? 'memory' : '' };
  const nodeFlags = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  log(`${label}: ${n} rows …`);
  let r;
  try {
    r = await runTimed(
      payopsArgs(nodeFlags, 'run', opsPath, '--gateway', sim.url, '--state-dir', join(dir, 'state'),
        '--out', out, '--failed', failed, '--concurrency', String(concurrency), '--summary-json', join(dir, 'summary.json')),
      { env, signal: sim.died },
    );
    if (sim.died.aborted) fail(`${label}: ${sim.died.reason}`);
  } finally {
    await sim.stop();
  }
  const res = readResults(out);
  let internalMs;
  try {
    internalMs = ((s) => s.elapsed_ms ?? s.elapsedMs)(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
  } catch {
    /* no summary */
  }
  if (r.code !== 0 && r.code !== 1) fail(`${label}: payops run exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  else if (res.rows !== n) fail(`${label}: results file has ${res.rows} rows, expected ${n}`);
  const ok = failures.length === failuresBefore;
  const row = {
    label, rows: n, ms: r.ms, internalMs, rowsPerS: ok ? n / (r.ms / 1000) : NaN, rssKb: r.rssKb, cpuUsPerRow: (r.cpuMs * 1000) / n,
    simCpuUsPerRow: (sim.cpuMs() * 1000) / n, code: r.code, statuses: res.statuses, dir, opsPath, seedPath, out,
  };
  log(`${label}: ${fmtInt(row.rowsPerS)} rows/s in ${(r.ms / 1000).toFixed(1)} s, exit ${r.code}, peak RSS ${fmtMb(r.rssKb)}, CPU ${fmtInt(row.cpuUsPerRow)} µs/row (sim ${fmtInt(row.simCpuUsPerRow)}), ${JSON.stringify(res.statuses)}`);
  return row;
}

async function undiciCase(label, base) {
  const sim = await startSim(base.seedPath);
  log(`${label}: ${base.rows} rows …`);
  let r;
  try {
    r = await runTimed([fileURLToPath(import.meta.url), '--internal', 'undici', sim.url, base.opsPath, base.out, '32'], { signal: sim.died });
    if (sim.died.aborted) fail(`${label}: ${sim.died.reason}`);
  } finally {
    await sim.stop();
  }
  let j;
  try {
    j = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    fail(`${label}: the loop exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return { label, rows: base.rows, ms: NaN, rowsPerS: NaN };
  }
  if (r.code !== 0) fail(`${label}: exited ${r.code}`);
  if (j.ok !== base.rows) fail(`${label}: ${j.ok} of ${base.rows} requests succeeded (${j.bad} not)`);
  const row = {
    label, rows: base.rows, ms: j.ms, rowsPerS: base.rows / (j.ms / 1000), ok: j.ok,
    cpuUsPerRow: (j.cpuMs * 1000) / base.rows, simCpuUsPerRow: (sim.cpuMs() * 1000) / base.rows,
  };
  log(`${label}: ${fmtInt(row.rowsPerS)} req/s in ${(j.ms / 1000).toFixed(1)} s, CPU ${fmtInt(row.cpuUsPerRow)} µs/request (sim ${fmtInt(row.simCpuUsPerRow)})`);
  return row;
}

async function validateCase(n, profileDir) {
  const { opsPath } = await makeData(n);
  const dir = join(WORK, `case-${++caseNo}`);
  mkdirSync(dir, { recursive: true });
  const nodeFlags = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const v = await runTimed(payopsArgs(nodeFlags, 'validate', opsPath, '--out', join(dir, 'validated.csv'), '--quiet'), {
    env: { OPPWA_ENTITY_ID: ENTITY },
  });
  const res = readResults(join(dir, 'validated.csv'));
  if (v.code !== 0 && v.code !== 1) fail(`validate exited ${v.code}: ${v.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  else if (res.rows !== n) fail(`validate: output has ${res.rows} rows, expected ${n}`);
  else if (res.statuses.valid !== n) fail(`validate: ${res.statuses.valid ?? 0} of ${n} rows valid`);
  const b = await runTimed([fileURLToPath(import.meta.url), '--internal', 'csv', opsPath, join(dir, 'bare.csv')]);
  if (b.code !== 0) fail(`csv-parse → csv-stringify pass exited ${b.code}: ${b.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  log(`validate: ${fmtInt(n / (v.ms / 1000))} rows/s; bare csv pass ${fmtInt(n / (b.ms / 1000))} rows/s`);
  return { validateMs: v.ms, bareMs: b.ms, validateRss: v.rssKb, validateCpuMs: v.cpuMs, bareCpuMs: b.cpuMs };
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---------------------------------------------------------------- profiles

/** Where a sample's time goes: the innermost frame that names an area decides. (A function: hoisted.) */
function areaRules() {
  return [
  [/^\(garbage collector\)$/, 'garbage collection'],
  [/^\(idle\)$/, 'idle (waiting for I/O)'],
  [/node_modules\/undici\/|^node:net$|node:internal\/stream_base_commons|^node:_http/, 'HTTP (undici, sockets)'],
  [/node_modules\/csv-parse\/|\/dist\/input\//, 'input (decode, csv-parse, headers)'],
  [/\/dist\/rows\//, 'row validation (rows/*)'],
  [/\/dist\/plan\/journal\.js$/, 'journal (plan/journal.js)'],
  [/\/dist\/plan\//, 'ids and planning (plan/*)'],
  [/\/dist\/gateway\//, 'requests and responses (gateway/*)'],
  [/node_modules\/csv-stringify\/|\/dist\/output\/|\/dist\/cli\/writers\.js$/, 'output files (output/*)'],
  [/\/dist\/batch\//, 'scheduling (batch/*)'],
  [/\/dist\/cli\//, 'cli (reporter, options)'],
  // weak: only when no frame further out names an area
  [/^node:internal\/fs\//, 'fs (other)', true],
  [/^node:internal\/modules\/|^node:internal\/main\//, 'start-up (module loading)', true],
  ];
}

/** Self time by function and by area of a .cpuprofile, as text. `rows` adds µs per row. */
function summariseProfile(file, top = 15, rows = 0) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    dt.set(id, (dt.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const rules = areaRules();
  const self = new Map();
  const areas = new Map();
  let total = 0;
  for (const [id, us] of dt) {
    const cf = byId.get(id).callFrame;
    const url = (cf.url || '').replace(/^file:\/\//, '').replace(ROOT + '/', '');
    const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + us);
    let area;
    let fallback;
    for (let cur = id; cur !== undefined && !area; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      const probe = f.url ? f.url.replace(/^file:\/\//, '') : f.functionName;
      for (const [re, name, weak] of rules) {
        if (!re.test(probe)) continue;
        if (weak) fallback ??= name;
        else area = name;
        break;
      }
    }
    area ??= fallback ?? 'other';
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
  }
  const perRow = (us) => (rows ? `${(us / rows).toFixed(1).padStart(6)} µs/row  ` : '');
  const line = ([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${perRow(us)}${k}`;
  return (
    `by area (${(total / 1e6).toFixed(1)} s sampled${rows ? `, ${rows.toLocaleString('en-US')} rows` : ''}):\n` +
    [...areas].sort((a, b) => b[1] - a[1]).map(line).join('\n') +
    `\n\ntop ${top} functions by self time:\n` +
    [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(line).join('\n')
  );
}

// ---------------------------------------------------------------- main

const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const fmtMb = (kb) => (Number.isFinite(kb) && kb > 0 ? `${(kb / 1024).toFixed(0)} MB` : 'n/a');
const fmtRatio = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const yes = (b) => (b === undefined ? '–' : b ? 'yes' : '**no**');

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const profileDir = opt.profile ? join(OUT, 'profiles') : undefined;
if (profileDir) {
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
}
const benchStart = Date.now();
/** Newest mtime under dist/: a rebuild during the bench (others at work) would mix builds. */
function distStamp(dir = join(ROOT, 'dist')) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? distStamp(p) : statSync(p).mtimeMs);
  }
  return newest;
}
const distAtStart = distStamp();
const commitAtStart = gitDescribe();
const srcAtStart = srcTree();
/** CPU pressure (PSI): share of the wall time in which some runnable task waited for a CPU. */
const cpuStallUs = () => {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))[1]);
  } catch {
    return NaN;
  }
};
const stall0 = cpuStallUs();

/** fdatasync latency where the state directories live: what each intent waits for (grouped). */
function fsyncProbe() {
  const path = join(WORK, 'fsync-probe');
  const fd = openSync(path, 'a');
  const ms = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    writeSync(fd, 'x'.repeat(255) + '\n');
    fdatasyncSync(fd);
    ms.push(performance.now() - t);
  }
  closeSync(fd);
  rmSync(path);
  ms.sort((a, b) => a - b);
  return { p50: ms[100], p90: ms[180] };
}
const fsync = fsyncProbe();

// (a) and (b), interleaved per repetition so drift on a shared machine hits both alike
const aDisk = [];
const aMem = [];
const bLoop = [];
for (let rep = 0; rep < REPEAT; rep++) {
  aMem.push(await payopsRun('(a′) run, journal in memory', ROWS, { journal: 'memory' }));
  const disk = await payopsRun('(a) run, journal on disk', ROWS, { journal: 'disk' });
  aDisk.push(disk);
  bLoop.push(await undiciCase('(b) bare undici Pool loop', disk));
}
// (c)
const c = await payopsRun('(c) run, sim latency 50 ms, concurrency 64', LATENCY_ROWS, { concurrency: 64, latency: 50 });
// (d): three alternating pairs (one with --quick)
const dRuns = [];
for (let i = 0; i < (quick ? 1 : 3); i++) dRuns.push(await validateCase(ROWS));
// (e): the large run
const large = ROWS_LARGE ? await payopsRun('(e) run, large file', ROWS_LARGE, { journal: 'disk' }) : undefined;
// --profile: separate runs, so the profiler's overhead stays out of the table
const profiled = [];
if (profileDir) {
  await payopsRun('(profile) run, journal on disk', ROWS, { journal: 'disk', profileDir: join(profileDir, 'run') });
  profiled.push(['payops run, journal on disk', join(profileDir, 'run')]);
  await payopsRun('(profile) run, journal in memory', ROWS, { journal: 'memory', profileDir: join(profileDir, 'run-memory') });
  profiled.push(['payops run, PAYOPS_JOURNAL=memory', join(profileDir, 'run-memory')]);
  await payopsRun('(profile) run, latency 50, concurrency 64', LATENCY_ROWS, { concurrency: 64, latency: 50, profileDir: join(profileDir, 'latency') });
  profiled.push(['payops run, sim --latency 50, concurrency 64', join(profileDir, 'latency'), LATENCY_ROWS]);
  await validateCase(ROWS, join(profileDir, 'validate'));
  profiled.push(['payops validate', join(profileDir, 'validate')]);
}

const med = (rows, k) => median(rows.map((r) => r[k]));
const aDiskRate = med(aDisk, 'rowsPerS');
const aMemRate = med(aMem, 'rowsPerS');
const bRate = med(bLoop, 'rowsPerS');
const vMs = med(dRuns, 'validateMs');
const bareMs = med(dRuns, 'bareMs');
const smallRss = med(aDisk, 'rssKb');
const bound = 64 / 0.05;
const f = (n) => n.toLocaleString('en-US');
const secs = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const cpu = (rows) => `${fmtInt(med(rows, 'cpuUsPerRow'))} (${fmtInt(med(rows, 'simCpuUsPerRow'))})`;

const table = [
  '| # | measure | rows | wall time | throughput | CPU µs/row: client (sim) | compared with | ratio | target | met |',
  '|---|---|--:|--:|--:|--:|---|--:|---|---|',
  `| a | \`payops run\`, concurrency 32, no latency, journal on disk | ${f(ROWS)} | ${secs(med(aDisk, 'ms'))} | ${fmtInt(aDiskRate)} rows/s | ${cpu(aDisk)} | | | | |`,
  `| a′ | the same with \`PAYOPS_JOURNAL=memory\` | ${f(ROWS)} | ${secs(med(aMem, 'ms'))} | ${fmtInt(aMemRate)} rows/s | ${cpu(aMem)} | a ÷ a′ (journal cost) | ${fmtRatio(aDiskRate / aMemRate)} | ≥ 0.90 | ${yes(aDiskRate / aMemRate >= 0.9)} |`,
  `| b | bare undici Pool loop, 32 keep-alive connections, same POST bodies | ${f(ROWS)} | ${secs(med(bLoop, 'ms'))} | ${fmtInt(bRate)} req/s | ${cpu(bLoop)} | a ÷ b (ceiling) | ${fmtRatio(aDiskRate / bRate)} | ≥ 0.80 | ${yes(aDiskRate / bRate >= 0.8)} |`,
  `| c | \`payops run\`, concurrency 64, sim \`--latency 50\` | ${f(LATENCY_ROWS)} | ${secs(c.ms)} | ${fmtInt(c.rowsPerS)} rows/s | ${cpu([c])} | 64 / 0.05 s = ${f(bound)} rows/s | ${fmtRatio(c.rowsPerS / bound)} | ≥ 0.95 | ${yes(c.rowsPerS / bound >= 0.95)} |`,
  `| c″ | run (c) as payops times it (summary elapsed: start-up, the input's read-through and exit left out) | ${f(LATENCY_ROWS)} | ${secs(c.internalMs)} | ${fmtInt(LATENCY_ROWS / (c.internalMs / 1000))} rows/s | | 64 / 0.05 s | ${fmtRatio(LATENCY_ROWS / (c.internalMs / 1000) / bound)} | (for comparison) | |`,
  `| d | \`payops validate --out\` | ${f(ROWS)} | ${secs(vMs)} | ${fmtInt(ROWS / (vMs / 1000))} rows/s | ${fmtInt((med(dRuns, 'validateCpuMs') * 1000) / ROWS)} | | | | |`,
  `| d′ | bare csv-parse → csv-stringify pass, same file | ${f(ROWS)} | ${secs(bareMs)} | ${fmtInt(ROWS / (bareMs / 1000))} rows/s | ${fmtInt((med(dRuns, 'bareCpuMs') * 1000) / ROWS)} | d ÷ d′ | ${fmtRatio(bareMs / vMs)} | ≥ 0.50 | ${yes(bareMs / vMs >= 0.5)} |`,
  `| e | peak RSS of \`payops run\` (run a) | ${f(ROWS)} | | ${fmtMb(smallRss)} | | | | | |`,
  large
    ? `| e′ | peak RSS of \`payops run\`, concurrency 32, journal on disk | ${f(ROWS_LARGE)} | ${secs(large.ms)} | ${fmtMb(large.rssKb)} (${fmtInt(large.rowsPerS)} rows/s) | ${cpu([large])} | e | ${fmtRatio(large.rssKb / smallRss)} | ≤ 150 MB and ≤ 1.20 | ${yes(large.rssKb <= 150 * 1024 && large.rssKb / smallRss <= 1.2)} |`
    : `| e′ | peak RSS at the large size | – | | skipped (${quick ? '--quick' : '--rows-large 0'}) | | | | ≤ 150 MB and ≤ 1.20 | – |`,
].join('\n');

const cpuModel = (() => {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  } catch {
    return cpus()[0]?.model;
  }
})();
/** The committed src/ tree and what is changed in it: equal strings mean the same sources. */
function srcTree() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
    return git('rev-parse', 'HEAD:src') + git('diff', 'HEAD', '--', 'src');
  } catch {
    return '';
  }
}
function gitDescribe() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return `commit ${head}${dirty ? ' (src/ with uncommitted changes)' : ''}`;
  } catch {
    return 'an unknown commit';
  }
}
const pressure = Number.isFinite(stall0)
  ? `${((100 * (cpuStallUs() - stall0)) / ((Date.now() - benchStart) * 1000)).toFixed(0)}%`
  : 'n/a';
const machine = [
  `- Machine: ${cpus().length} CPUs (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; the bench took ${((Date.now() - benchStart) / 1000).toFixed(0)} s${quick ? ' (--quick)' : ''}.`,
  `- payops at ${commitAtStart}, run as \`node ${[...BIN_FLAGS, 'dist/cli/main.js'].join(' ')}\` (the flags of the bin's shebang); ` +
    `the simulator as \`node dist/cli/main.js sim\`. (a), (a′), (b): median of ${REPEAT}.`,
  `- Load: CPU pressure ${pressure} during the bench (PSI "some": share of the time some runnable task waited for a CPU; ` +
    `near 0% when nothing else runs); fdatasync on this filesystem p50 ${fsync.p50.toFixed(2)} ms, p90 ${fsync.p90.toFixed(2)} ms.`,
  ...(distStamp() !== distAtStart || srcTree() !== srcAtStart
    ? [`- **Warning**: dist/ was rebuilt or src/ changed during the bench (now ${gitDescribe()}): the figures may mix builds; run it again.`]
    : []),
].join('\n');
const notes = [
  '',
  `Statuses: (a) ${JSON.stringify(aDisk[0].statuses)}, (a′) ${JSON.stringify(aMem[0].statuses)}, (b) ${fmtInt(med(bLoop, 'ok'))} answered 200 with 000.100.110, ` +
    `(c) ${JSON.stringify(c.statuses)}${large ? `, (e′) ${JSON.stringify(large.statuses)}` : ''}.`,
  `payops and validate times are wall clock from spawn to exit (node start-up included; payops' own elapsed time for a / a′: ` +
    `${secs(med(aDisk, 'internalMs'))} / ${secs(med(aMem, 'internalMs'))}); (b) times its request loop only; ` +
    `(d) and (d′) are medians of ${dRuns.length} alternating pairs. CPU is user + system of the whole process (GNU time; the simulator's from /proc, ` +
    `seed loading included). Peak RSS by ${existsSync(TIME_BIN) ? 'GNU time %M' : '/proc VmHWM polling'}; validate peaked at ${fmtMb(med(dRuns, 'validateRss'))}.`,
];
const md = `${machine}\n\n${table}\n${notes.join('\n')}\n`;

let profiles = '';
for (const [what, dir, rows = ROWS] of profiled) {
  for (const file of existsSync(dir) ? readdirSync(dir).filter((x) => x.endsWith('.cpuprofile')) : []) {
    profiles += `\n### Profile: ${what} (${f(rows)} rows)\n\n\`${join(dir, file).replace(ROOT + '/', '')}\`\n\n\`\`\`\n${summariseProfile(join(dir, file), 20, rows)}\n\`\`\`\n`;
  }
}

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'results.md'), md + profiles);
writeFileSync(
  join(OUT, 'results.json'),
  JSON.stringify({ machine, rows: ROWS, rowsLarge: ROWS_LARGE, latencyRows: LATENCY_ROWS, aDisk, aMem, bLoop, c, dRuns, large, failures }, null, 2),
);
process.stdout.write(md + profiles);
if (failures.length) {
  console.error(`\nbench: ${failures.length} run(s) failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
rmSync(WORK, { recursive: true, force: true });
