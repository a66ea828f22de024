#!/usr/bin/env node
/**
 * `npm run bench`: end-to-end throughput, start-up and memory of payops
 * against its simulator, each figure next to the baseline that bounds it and
 * the scripts a user would write instead, measured in one run so the ratios
 * are comparable on a noisy machine.
 *
 *   npm run build && npm run bench [-- --only core,peers,startup,sub] [--profile] [--quick]
 *
 * Parts (--only picks some; all by default):
 *
 *   core     (a)  payops run, concurrency 32, no simulated latency, journal
 *                 on; and again with PAYOPS_JOURNAL=memory
 *            (b)  a bare undici Pool loop (32 keep-alive connections), same
 *                 POST bodies: the ceiling for (a)
 *            (c)  payops run, concurrency 64, simulator --latency 50
 *            (d)  payops validate against a bare csv-parse → csv-stringify pass
 *            (e)  peak RSS of payops run at --rows and at --rows-large rows
 *            --rows 100000 --rows-large 1000000 --latency-rows 20000 --repeat 3
 *   peers    issue 18's cases: latency 0 at C 32, 50 ms at C 64, 200 ms at
 *            C 256, each on --peer-rows (20,000) rows, the two latency cases
 *            also on --peer-rows-small (5,000). One simulator process per
 *            case; payops runs first (spawn to exit), then the bare undici
 *            loop at C connections and the peers of scripts/peers/ (--peers
 *            p1,p2,p3), sending the ids payops derived. p1 (a curl per row)
 *            gets at most --p1-rows (2,000: it is CPU-bound at 6–8 ms a row, so
 *            its rate is flat after a few hundred). --peer-repeat N interleaves N runs.
 *   startup  wall clock of `node -e 0`, `payops validate` of 10 rows and the
 *            demo's `payops run … --gateway sim`, --startup-runs (7) times each.
 *   sub      every scripts/bench-NAME.mjs present (--sub-dir to look
 *            elsewhere, --sub a,b to pick), run as `node scripts/bench-NAME.mjs
 *            [--quick] --out-dir bench-output/sub/NAME`; its stdout (markdown)
 *            goes into results.md, a non-zero exit fails the bench.
 *
 * Every payops run gets a fresh state directory and runs with the Node flags
 * of the bin's shebang, as an installed `payops` does. The tables go to stdout
 * and to bench-output/results.md (paste it into BENCHMARKS.md), raw figures
 * to bench-output/results.json, with CPU per row, the machine's CPU pressure,
 * load and fdatasync latency, and a warning when dist/ or src/ changed during
 * the run.
 *
 * --baseline DIR: a built checkout of an earlier payops (`git worktree add DIR REF &&
 *   (cd DIR && npm ci && npm run build)`); its run (a) is interleaved with this
 *   build's (before it in even repetitions, after it in odd ones) and the table
 *   adds (a‴) and CPU per row a ÷ a‴ (issue 12: ≤ 1.10).
 *
 * --quick (CI): small files (core 500 rows, no large run; peers 300 rows, p1 100,
 * no small-file cases; start-up once; sub-benches with --quick). It exits
 * non-zero when a run fails (an exit code other than 0/1, a results file
 * missing rows, the simulator dying during a case, a bare-loop or peer
 * request not answered 000.100.110, the simulator not holding one
 * transaction per row, a sub-bench failing), never because of a timing.
 *
 * --profile: after the measured runs (so the profiler stays out of the
 * tables), CPU profiles of payops run (journal on and off, latency 0/50/200,
 * the 5,000-row file), validate, and validate of 10 rows, printed as self
 * time by area and by function, per row.
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
    only: { type: 'string' },
    'peer-rows': { type: 'string' },
    'peer-rows-small': { type: 'string' },
    'p1-rows': { type: 'string' },
    peers: { type: 'string' },
    'peer-repeat': { type: 'string' },
    'startup-runs': { type: 'string' },
    baseline: { type: 'string' },
    sub: { type: 'string' },
    'sub-dir': { type: 'string', default: join(ROOT, 'scripts') },
    'out-dir': { type: 'string', default: join(ROOT, 'bench-output') },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
  process.exit(0);
}
const quick = opt.quick;
const ROWS = int(opt.rows, quick ? 500 : 100_000);
const ROWS_LARGE = quick ? 0 : int(opt['rows-large'], 1_000_000);
const LATENCY_ROWS = int(opt['latency-rows'], quick ? 500 : 20_000);
const REPEAT = int(opt.repeat, quick ? 1 : 3);
/** Parts to run (--only core,peers,startup,sub; all by default). */
const PARTS = new Set((opt.only ?? 'core,peers,startup,sub').split(',').map((x) => x.trim()).filter(Boolean));
for (const p of PARTS) {
  if (!['core', 'peers', 'startup', 'sub'].includes(p)) {
    console.error(`bench: --only takes core, peers, startup and sub, not ${p}`);
    process.exit(2);
  }
}
const PEER_ROWS = int(opt['peer-rows'], quick ? 300 : 20_000);
const PEER_ROWS_SMALL = quick ? 0 : int(opt['peer-rows-small'], 5_000);
const P1_ROWS = int(opt['p1-rows'], quick ? 100 : 2_000);
const PEER_KEYS = (opt.peers ?? 'p1,p2,p3').split(',').map((x) => x.trim()).filter(Boolean);
for (const k of PEER_KEYS) {
  if (!['p1', 'p2', 'p3'].includes(k)) {
    console.error(`bench: --peers takes p1, p2 and p3, not ${k}`);
    process.exit(2);
  }
}
const PEER_REPEAT = Math.max(1, int(opt['peer-repeat'], 1));
const STARTUP_RUNS = Math.max(1, int(opt['startup-runs'], quick ? 1 : 7));
const SUB_ONLY = opt.sub === undefined ? undefined : opt.sub.split(',').map((x) => x.trim());
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
function binFlagsOf(main) {
  const first = readFileSync(main, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?node((?:\s+--?\S+)*)\s*$/.exec(first) ?? /^#!\S*\/node((?:\s+--?\S+)*)\s*$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}
const BIN_FLAGS = binFlagsOf(MAIN);
/** This build, as the bin starts it. */
const THIS_BUILD = { flags: BIN_FLAGS, main: MAIN };
/** Arguments to node for a payops command line of `build` (this one by default). */
const buildArgs = (build, nodeFlags, ...args) => [...build.flags, ...nodeFlags, build.main, ...args];
const payopsArgs = (nodeFlags, ...args) => buildArgs(THIS_BUILD, nodeFlags, ...args);
/**
 * --baseline DIR: a built checkout of an earlier payops (DIR/dist/cli/main.js), whose run (a) is
 * interleaved with this one's, each with its own bin flags: CPU per row of this build ÷ that one's.
 */
const BASELINE = opt.baseline ? { dir: resolve(opt.baseline), main: join(resolve(opt.baseline), 'dist/cli/main.js') } : undefined;
if (BASELINE) {
  if (!existsSync(BASELINE.main)) {
    console.error(`bench: --baseline ${opt.baseline}: ${BASELINE.main} not found (build that checkout first)`);
    process.exit(2);
  }
  BASELINE.flags = binFlagsOf(BASELINE.main);
  try {
    BASELINE.commit = execFileSync('git', ['-C', BASELINE.dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    BASELINE.commit = 'unknown commit';
  }
}

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
function runTimed(args, { env = {}, limitMs = 60 * 60_000, signal, program = process.execPath } = {}) {
  const useTime = existsSync(TIME_BIN);
  const rssFile = join(WORK, `rss-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const [cmd, cmdArgs] = useTime
    ? [TIME_BIN, ['-f', '%M %U %S', '-o', rssFile, program, ...args]]
    : [program, args];
  return new Promise((done, fail) => {
    const started = performance.now();
    const startedAt = Date.now();
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
      done({ code: signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : code, ms, stdout, stderr, rssKb, cpuMs, startedAt, endedAt: Date.now() });
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
  /** CPU so far while it runs (for a case that shares one simulator between runs), else at stop. */
  const cpuNow = () => {
    try {
      return procCpuMs(child.pid);
    } catch {
      return cpuMs;
    }
  };
  return { url, stop, cpuMs: () => cpuMs, cpuNow, died: died.signal };
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
async function payopsRun(label, n, { concurrency = 32, latency, journal = 'disk', profileDir, sim: shared, build = THIS_BUILD } = {}) {
  const { seedPath, opsPath } = await makeData(n);
  const failuresBefore = failures.length;
  const dir = join(WORK, `case-${++caseNo}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A case that compares several clients gives them one simulator (`shared`); else each run gets its own.
  const sim = shared ?? (await startSim(seedPath, latency ? ['--latency', String(latency)] : []));
  const simCpu0 = shared ? sim.cpuNow() : 0;
  const out = join(dir, 'results.csv');
  const failed = join(dir, 'failed.csv');
  const env = { OPPWA_ACCESS_TOKEN: TOKEN, OPPWA_ENTITY_ID: ENTITY, PAYOPS_JOURNAL: journal === 'memory' ? 'memory' : '' };
  const nodeFlags = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  log(`${label}: ${n} rows …`);
  let r;
  try {
    r = await runTimed(
      buildArgs(build, nodeFlags, 'run', opsPath, '--gateway', sim.url, '--state-dir', join(dir, 'state'),
        '--out', out, '--failed', failed, '--concurrency', String(concurrency), '--summary-json', join(dir, 'summary.json')),
      { env, signal: sim.died },
    );
    if (sim.died.aborted) fail(`${label}: ${sim.died.reason}`);
  } finally {
    if (!shared) await sim.stop();
  }
  const simCpuMs = shared ? sim.cpuNow() - simCpu0 : sim.cpuMs();
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
    simCpuUsPerRow: (simCpuMs * 1000) / n, code: r.code, statuses: res.statuses, dir, opsPath, seedPath, out,
    startedAt: r.startedAt, endedAt: r.endedAt,
  };
  log(`${label}: ${fmtInt(row.rowsPerS)} rows/s in ${(r.ms / 1000).toFixed(1)} s, exit ${r.code}, peak RSS ${fmtMb(r.rssKb)}, CPU ${fmtInt(row.cpuUsPerRow)} µs/row (sim ${fmtInt(row.simCpuUsPerRow)}), ${JSON.stringify(res.statuses)}`);
  return row;
}

async function undiciCase(label, base, { sim: shared, concurrency = 32 } = {}) {
  const sim = shared ?? (await startSim(base.seedPath));
  const simCpu0 = shared ? sim.cpuNow() : 0;
  log(`${label}: ${base.rows} rows …`);
  let r;
  try {
    r = await runTimed([fileURLToPath(import.meta.url), '--internal', 'undici', sim.url, base.opsPath, base.out, String(concurrency)], { signal: sim.died });
    if (sim.died.aborted) fail(`${label}: ${sim.died.reason}`);
  } finally {
    if (!shared) await sim.stop();
  }
  const simCpuMs = shared ? sim.cpuNow() - simCpu0 : sim.cpuMs();
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
    cpuUsPerRow: (j.cpuMs * 1000) / base.rows, simCpuUsPerRow: (simCpuMs * 1000) / base.rows,
    wallMs: r.ms, wallCpuUsPerRow: (r.cpuMs * 1000) / base.rows, rssKb: r.rssKb, startedAt: r.startedAt, endedAt: r.endedAt,
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

// ---------------------------------------------------------------- peers (issue 18)

/**
 * The scripts a user writes instead of payops (scripts/peers/). Each takes
 * URL FILE CONCURRENCY with the token and entity in the environment, sends
 * exactly payops' request per row, and prints {"sent":N,"ok":M}.
 */
const PEERS = {
  p1: { name: 'p1: `curl` per row under `xargs -P C`', program: '/bin/sh', script: 'p1-curl-xargs.sh' },
  p2: { name: 'p2: Python `ThreadPoolExecutor` + `urllib.request`', program: () => PYTHON, script: 'p2-python-pool.py' },
  p3: { name: 'p3: Node `p-limit` + undici `fetch`', program: process.execPath, script: 'p3-node-plimit.mjs' },
};
/**
 * The real interpreter, not a version manager's shim (pyenv's is a shell
 * script that would add ~50 ms of start-up to every Python run).
 */
const PYTHON = (() => {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  } catch {
    return 'python3';
  }
})();

/** The ops file with the merchant transaction ids payops used, for the peers; its first `m` rows. */
async function peerOps(n, m, payopsResults) {
  const path = join(WORK, `peer-ops-${n}-${m}.csv`);
  if (existsSync(path)) return path;
  const { parse } = await import('csv-parse/sync');
  const { opsPath } = await makeData(n);
  const ops = readFileSync(opsPath, 'utf8').split('\n');
  const res = parse(readFileSync(payopsResults), { columns: true, bom: true });
  const ids = new Array(n);
  for (const r of res) ids[Number(r.line) - 2] = r.merchant_transaction_id;
  const lines = ['operation,payment_id,amount,currency,merchant_transaction_id'];
  for (let i = 0; i < m; i++) {
    if (!ids[i]) throw new Error(`payops' results have no merchant_transaction_id for line ${i + 2}`);
    lines.push(`${ops[i + 1]},${ids[i]}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

async function peerRun(key, label, file, rows, concurrency, sim) {
  const p = PEERS[key];
  const simCpu0 = sim.cpuNow();
  log(`${label}: ${rows} rows …`);
  const r = await runTimed([join(ROOT, 'scripts/peers', p.script), sim.url, file, String(concurrency)], {
    program: typeof p.program === 'function' ? p.program() : p.program,
    env: { OPPWA_ACCESS_TOKEN: TOKEN, OPPWA_ENTITY_ID: ENTITY },
    signal: sim.died,
  });
  const failuresBefore = failures.length;
  if (sim.died.aborted) fail(`${label}: ${sim.died.reason}`);
  let j = {};
  try {
    j = JSON.parse(r.stdout.trim().split('\n').pop().replace(/\s/g, ''));
  } catch {
    fail(`${label}: exited ${r.code} without its tally: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  if (j.sent !== undefined && (r.code !== 0 || j.sent !== rows || j.ok !== rows)) {
    fail(`${label}: exited ${r.code}, sent ${j.sent} of ${rows}, ${j.ok} answered 000.100.110: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  }
  const ok = failures.length === failuresBefore;
  const row = {
    label, key, rows, ms: r.ms, rowsPerS: ok ? rows / (r.ms / 1000) : NaN, cpuUsPerRow: (r.cpuMs * 1000) / rows,
    simCpuUsPerRow: ((sim.cpuNow() - simCpu0) * 1000) / rows, rssKb: r.rssKb, startedAt: r.startedAt, endedAt: r.endedAt, ok: j.ok,
  };
  log(`${label}: ${fmtInt(row.rowsPerS)} rows/s in ${(r.ms / 1000).toFixed(1)} s, CPU ${fmtInt(row.cpuUsPerRow)} µs/row (sim ${fmtInt(row.simCpuUsPerRow)})`);
  return row;
}

/** The simulator's transactions since the last call: how many, and when the first and the last were answered. */
function simLedgerReader(sim) {
  let seen = 0;
  return async (row) => {
    const txs = await (await fetch(`${sim.url}/__sim/transactions`)).json();
    const mine = txs.slice(seen);
    seen = txs.length;
    let first = Infinity;
    let last = -Infinity;
    for (const t of mine) {
      const ts = Date.parse(t.timestamp);
      if (ts < first) first = ts;
      if (ts > last) last = ts;
    }
    row.executed = mine.length;
    row.firstAnswerMs = first - row.startedAt;
    row.lastAnswerMs = last - row.startedAt;
    row.wallMs = row.endedAt - row.startedAt;
    if (row.executed !== row.rows) fail(`${row.label}: the simulator executed ${row.executed} transactions, ${row.rows} expected`);
  };
}

/**
 * One case of issue 18: payops, the bare undici loop and the peers, one after
 * the other against one simulator process (same seed, same latency), on the
 * same operations. payops goes first: the others send the merchant
 * transaction ids it derived, so every client sends the same bytes.
 */
async function peerCase({ id, latency, concurrency, rows, p1Rows }) {
  const { seedPath, opsPath } = await makeData(rows);
  const name = `(${id}) latency ${latency} ms, C ${concurrency}, ${f(rows)} rows`;
  const sim = await startSim(seedPath, latency ? ['--latency', String(latency)] : []);
  const ledger = simLedgerReader(sim);
  const res = { id, latency, concurrency, rows, bound: latency ? concurrency / (latency / 1000) : NaN, payops: [], bare: [], peers: {} };
  try {
    for (let rep = 0; rep < PEER_REPEAT; rep++) {
      const p = await payopsRun(`${name}: payops`, rows, { concurrency, sim });
      await ledger(p);
      res.payops.push(p);
      if (!Number.isFinite(p.rowsPerS)) break;
      const b = await undiciCase(`${name}: bare undici loop`, { rows, seedPath, opsPath, out: p.out }, { sim, concurrency });
      await ledger(b);
      res.bare.push(b);
      for (const key of PEER_KEYS) {
        const m = key === 'p1' ? Math.min(rows, p1Rows) : rows;
        const file = await peerOps(rows, m, p.out);
        const r = await peerRun(key, `${name}: ${key}`, file, m, concurrency, sim);
        await ledger(r);
        (res.peers[key] ??= []).push(r);
      }
    }
  } finally {
    await sim.stop();
  }
  return res;
}

// ---------------------------------------------------------------- start-up (issue 18)

/** Wall clock of short commands, spawn to exit, `runs` times each: bare node, validate of 10 rows, the demo. */
async function startupCase(runs) {
  const { opsPath } = await makeData(10);
  const dir = join(WORK, `case-${++caseNo}`);
  mkdirSync(dir, { recursive: true });
  const demoArgs = [
    'run', join(ROOT, 'samples/operations.csv'), '--gateway', 'sim', '--sim-seed', join(ROOT, 'samples/payments.csv'),
    '--out', join(dir, 'operations.results.csv'), '--failed', join(dir, 'operations.failed.csv'), '--summary-json', join(dir, 'summary.json'),
  ];
  const cases = [
    ['node', ['-e', '0'], [0], 'bare `node -e 0` (node start-up on this machine)'],
    ['validate', payopsArgs([], 'validate', opsPath, '--quiet'), [0], '`payops validate` of a 10-row file'],
    ['demo', payopsArgs([], ...demoArgs), [0, 1], "the demo's `payops run samples/operations.csv --gateway sim` (exit 1: some rows fail, as the demo intends)"],
  ];
  const out = {};
  for (const [key, args, codes, what] of cases) {
    const ms = [];
    const cpuMs = [];
    for (let i = 0; i < runs; i++) {
      const r = await runTimed(args, { env: { OPPWA_ENTITY_ID: ENTITY } });
      if (!codes.includes(r.code)) fail(`start-up, ${key}: exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      ms.push(r.ms);
      cpuMs.push(r.cpuMs);
    }
    out[key] = { what, ms, median: median(ms), min: Math.min(...ms), cpuMs, cpuMedian: median(cpuMs) };
    log(`start-up, ${key}: median ${out[key].median.toFixed(0)} ms of ${runs}`);
  }
  return out;
}

// ---------------------------------------------------------------- sub-benches

/**
 * Optional sub-benches: every scripts/bench-NAME.mjs present is run as
 * `node scripts/bench-NAME.mjs [--quick] --out-dir DIR` from the repository
 * root after the cases above. Its stdout (markdown) goes into results.md under
 * its own heading; a non-zero exit counts as a failed run. None is required.
 */
async function subBenches(only) {
  const dir = resolve(opt['sub-dir']);
  const found = readdirSync(dir).filter((x) => /^bench-[\w.-]+\.mjs$/.test(x)).sort();
  const out = [];
  for (const file of found) {
    const name = file.slice('bench-'.length, -'.mjs'.length);
    if (only && !only.includes(name)) continue;
    const outDir = join(OUT, 'sub', name);
    mkdirSync(outDir, { recursive: true });
    log(`sub-bench ${file} …`);
    const r = await runTimed([join(dir, file), ...(quick ? ['--quick'] : []), '--out-dir', outDir], { limitMs: (quick ? 5 : 60) * 60_000 });
    if (r.code !== 0) fail(`sub-bench ${file} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    log(`sub-bench ${file}: exit ${r.code} in ${(r.ms / 1000).toFixed(1)} s`);
    out.push({ name, file, code: r.code, ms: r.ms, markdown: r.stdout.trim() });
  }
  return out;
}

// ---------------------------------------------------------------- profiles

/** Where a sample's time goes: the innermost frame that names an area decides. (A function: hoisted.) */
function areaRules() {
  return [
  [/^\(garbage collector\)$/, 'garbage collection'],
  [/^\(idle\)$/, 'idle (waiting for I/O)'],
  [/node_modules\/undici\/|^wasm:\/\/|^node:net$|node:internal\/stream_base_commons|^node:_http/, 'HTTP (undici, sockets)'],
  [/node_modules\/csv-parse\/|\/(dist|src)\/input\//, 'input (decode, csv-parse, headers)'],
  [/\/(dist|src)\/rows\//, 'row validation (rows/*)'],
  [/\/(dist|src)\/plan\/journal\.[jt]s$/, 'journal (plan/journal.js)'],
  [/\/(dist|src)\/plan\//, 'ids and planning (plan/*)'],
  [/\/(dist|src)\/gateway\//, 'requests and responses (gateway/*)'],
  [/node_modules\/csv-stringify\/|\/(dist|src)\/output\/|\/(dist|src)\/cli\/writers\.[jt]s$/, 'output files (output/*)'],
  [/\/(dist|src)\/batch\//, 'scheduling (batch/*)'],
  [/\/(dist|src)\/cli\//, 'cli (reporter, options)'],
  // weak: only when no frame further out names an area
  [/^node:internal\/fs\//, 'fs (other)', true],
  [/^node:internal\/modules\/|^node:internal\/main\//, 'start-up (module loading)', true],
  ];
}

/** A source map's mappings, per generated line: [column, source index, source line] segments. */
function decodeMappings(mappings) {
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const lines = [];
  let src = 0;
  let srcLine = 0;
  for (const text of mappings.split(';')) {
    const segs = [];
    let col = 0;
    for (const seg of text ? text.split(',') : []) {
      const f = [];
      let v = 0;
      let shift = 0;
      for (const c of seg) {
        const d = b64.indexOf(c);
        v += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          f.push(v & 1 ? -(v >>> 1) : v >>> 1);
          v = 0;
          shift = 0;
        }
      }
      col += f[0];
      if (f.length >= 4) {
        src += f[1];
        srcLine += f[2];
        segs.push([col, src, srcLine]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/**
 * Where a profile's frame is in the sources: the bundle's chunks (dist/cli/*.js) carry
 * external source maps (scripts/bundle.mjs), chained to tsc's, so a frame in a chunk
 * maps back to src/… or node_modules/…; any other frame stays where it is.
 * Returns { url (a path), line (0-based) }.
 */
function sourceOf(cf) {
  const sourceMaps = (sourceOf.maps ??= new Map());
  const file = (cf.url || '').replace(/^file:\/\//, '');
  if (!file || !/\/dist\/cli\/[^/]+\.js$/.test(file)) return { url: file, line: cf.lineNumber };
  if (!sourceMaps.has(file)) {
    let raw;
    try {
      raw = JSON.parse(readFileSync(file + '.map', 'utf8'));
    } catch {
      raw = undefined; // no map (a build before maps): the frame stays in the chunk
    }
    sourceMaps.set(file, raw && { sources: raw.sources.map((s) => resolve(file, '..', s)), lines: decodeMappings(raw.mappings) });
  }
  const map = sourceMaps.get(file);
  const segs = map?.lines[cf.lineNumber];
  if (!segs?.length) return { url: file, line: cf.lineNumber };
  let hit = segs[0];
  for (const s of segs) if (s[0] <= cf.columnNumber) hit = s;
  return { url: map.sources[hit[1]], line: hit[2] };
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
    const at = sourceOf(cf);
    const url = (at.url || '').replace(ROOT + '/', '');
    const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${at.line + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + us);
    let area;
    let fallback;
    for (let cur = id; cur !== undefined && !area; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      const probe = f.url ? sourceOf(f).url : f.functionName;
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

const med = (rows, k) => median(rows.map((r) => r[k]));
const f = (n) => n.toLocaleString('en-US');
const secs = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const cpu = (rows) => `${fmtInt(med(rows, 'cpuUsPerRow'))} (${fmtInt(med(rows, 'simCpuUsPerRow'))})`;
const profiled = [];

// ---- core: (a)–(e)
let core;
if (PARTS.has('core')) {
  // (a) and (b), interleaved per repetition so drift on a shared machine hits both alike
  const aDisk = [];
  const aMem = [];
  const bLoop = [];
  const aBase = [];
  for (let rep = 0; rep < REPEAT; rep++) {
    aMem.push(await payopsRun('(a′) run, journal in memory', ROWS, { journal: 'memory' }));
    // The baseline goes before (a) in even repetitions and after it in odd ones, so neither always meets the same moment.
    const runBaseline = async () => {
      if (BASELINE) aBase.push(await payopsRun(`(a‴) run, journal on disk, baseline ${BASELINE.commit}`, ROWS, { journal: 'disk', build: BASELINE }));
    };
    if (rep % 2 === 0) await runBaseline();
    const disk = await payopsRun('(a) run, journal on disk', ROWS, { journal: 'disk' });
    aDisk.push(disk);
    if (rep % 2 === 1) await runBaseline();
    bLoop.push(await undiciCase('(b) bare undici Pool loop', disk));
  }
  // (c)
  const c = await payopsRun('(c) run, sim latency 50 ms, concurrency 64', LATENCY_ROWS, { concurrency: 64, latency: 50 });
  // (d): three alternating pairs (one with --quick)
  const dRuns = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) dRuns.push(await validateCase(ROWS));
  // (e): the large run
  const large = ROWS_LARGE ? await payopsRun('(e) run, large file', ROWS_LARGE, { journal: 'disk' }) : undefined;
  core = { aDisk, aMem, aBase, bLoop, c, dRuns, large };
}

// ---- peers: issue 18's cases
const peerCases = [];
if (PARTS.has('peers')) {
  const specs = [
    { id: 'L0', latency: 0, concurrency: 32, rows: PEER_ROWS },
    { id: 'L50', latency: 50, concurrency: 64, rows: PEER_ROWS },
    ...(PEER_ROWS_SMALL ? [{ id: 'L50s', latency: 50, concurrency: 64, rows: PEER_ROWS_SMALL }] : []),
    { id: 'L200', latency: 200, concurrency: 256, rows: PEER_ROWS },
    ...(PEER_ROWS_SMALL ? [{ id: 'L200s', latency: 200, concurrency: 256, rows: PEER_ROWS_SMALL }] : []),
  ];
  for (const spec of specs) peerCases.push(await peerCase({ ...spec, p1Rows: P1_ROWS }));
}

// ---- start-up
const startup = PARTS.has('startup') ? await startupCase(STARTUP_RUNS) : undefined;

// --profile: separate runs, so the profiler's overhead stays out of the tables
if (profileDir) {
  if (core) {
    await payopsRun('(profile) run, journal on disk', ROWS, { journal: 'disk', profileDir: join(profileDir, 'run') });
    profiled.push(['payops run, journal on disk', join(profileDir, 'run')]);
    await payopsRun('(profile) run, journal in memory', ROWS, { journal: 'memory', profileDir: join(profileDir, 'run-memory') });
    profiled.push(['payops run, PAYOPS_JOURNAL=memory', join(profileDir, 'run-memory')]);
    await payopsRun('(profile) run, latency 50, concurrency 64', LATENCY_ROWS, { concurrency: 64, latency: 50, profileDir: join(profileDir, 'latency') });
    profiled.push(['payops run, sim --latency 50, concurrency 64', join(profileDir, 'latency'), LATENCY_ROWS]);
    await validateCase(ROWS, join(profileDir, 'validate'));
    profiled.push(['payops validate', join(profileDir, 'validate')]);
  }
  if (peerCases.length) {
    const small = PEER_ROWS_SMALL || PEER_ROWS;
    await payopsRun('(profile) run, latency 50, concurrency 64, small file', small, { concurrency: 64, latency: 50, profileDir: join(profileDir, 'latency-small') });
    profiled.push([`payops run, sim --latency 50, concurrency 64`, join(profileDir, 'latency-small'), small]);
    await payopsRun('(profile) run, latency 200, concurrency 256', PEER_ROWS, { concurrency: 256, latency: 200, profileDir: join(profileDir, 'latency-200') });
    profiled.push([`payops run, sim --latency 200, concurrency 256`, join(profileDir, 'latency-200'), PEER_ROWS]);
    await payopsRun('(profile) run, latency 0, concurrency 32', PEER_ROWS, { concurrency: 32, profileDir: join(profileDir, 'latency-0') });
    profiled.push([`payops run, no latency, concurrency 32`, join(profileDir, 'latency-0'), PEER_ROWS]);
  }
  if (startup) {
    const { opsPath } = await makeData(10);
    const r = await runTimed(payopsArgs(['--cpu-prof', '--cpu-prof-dir', join(profileDir, 'validate-10')], 'validate', opsPath, '--quiet'), { env: { OPPWA_ENTITY_ID: ENTITY } });
    if (r.code !== 0) fail(`(profile) validate of 10 rows exited ${r.code}`);
    profiled.push(['payops validate, 10 rows (start-up)', join(profileDir, 'validate-10'), 10]);
  }
}

// ---- sub-benches (scripts/bench-*.mjs, when present)
const subs = PARTS.has('sub') ? await subBenches(SUB_ONLY) : [];

// ---------------------------------------------------------------- tables

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
const openFilesLimit = (() => {
  try {
    return /Max open files\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 'n/a';
  } catch {
    return 'n/a';
  }
})();
const pressure = Number.isFinite(stall0)
  ? `${((100 * (cpuStallUs() - stall0)) / ((Date.now() - benchStart) * 1000)).toFixed(0)}%`
  : 'n/a';
const loadAvg = (() => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ');
  } catch {
    return 'n/a';
  }
})();
const version = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0];
  } catch {
    return 'n/a';
  }
};
const fileKb = (path) => {
  try {
    return `${(statSync(path).size / 1024).toFixed(0)} KB`;
  } catch {
    return 'unreadable';
  }
};
const machine = [
  `- Machine: ${cpus().length} CPUs (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; the bench took ${((Date.now() - benchStart) / 1000).toFixed(0)} s${quick ? ' (--quick)' : ''}` +
    ` (parts: ${[...PARTS].join(', ')}).`,
  `- payops at ${commitAtStart}, run as \`node ${[...BIN_FLAGS, 'dist/cli/main.js'].join(' ')}\` (the flags of the bin's shebang); ` +
    `the simulator as \`node dist/cli/main.js sim\`.${core ? ` (a), (a′), (b): median of ${REPEAT}.` : ''}`,
  `- Load: CPU pressure ${pressure} during the bench (PSI "some": share of the time some runnable task waited for a CPU; ` +
    `near 0% when nothing else runs); load average at the end ${loadAvg}; fdatasync on this filesystem p50 ${fsync.p50.toFixed(2)} ms, p90 ${fsync.p90.toFixed(2)} ms.`,
  // Node reads and parses this file at every start, before any JavaScript: 60 ms of `node -e 0` for a
  // 215 KB bundle on the 2026-12-03 machine (BENCHMARKS.md, "Start-up"). Every client here inherits it.
  ...(process.env.NODE_EXTRA_CA_CERTS
    ? [`- NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}, ${fileKb(process.env.NODE_EXTRA_CA_CERTS)}): node loads it at every start, start-up figures included; \`env -u NODE_EXTRA_CA_CERTS npm run bench\` measures without it.`]
    : []),
  ...(peerCases.length
    ? [`- Peers: ${version('curl', ['--version'])}; ${version(PYTHON, ['--version'])} (${PYTHON}); open files limit ${openFilesLimit}.`]
    : []),
  ...(distStamp() !== distAtStart || srcTree() !== srcAtStart
    ? [`- **Warning**: dist/ was rebuilt or src/ changed during the bench (now ${gitDescribe()}): the figures may mix builds; run it again.`]
    : []),
].join('\n');

/** Targets of issue 18 and the bench's own, with the figure and whether it is met, for the summary list. */
const targets = [];
const target = (what, figure, met) => targets.push(`- ${what}: ${figure} — ${met === undefined ? 'not measured' : met ? 'met' : '**missed**'}`);

let coreMd = '';
if (core) {
  const { aDisk, aMem, aBase, bLoop, c, dRuns, large } = core;
  const aDiskRate = med(aDisk, 'rowsPerS');
  const aMemRate = med(aMem, 'rowsPerS');
  const bRate = med(bLoop, 'rowsPerS');
  /** CPU per row of (a) ÷ the baseline's (a‴), when --baseline ran. */
  const baseRatio = aBase.length ? med(aDisk, 'cpuUsPerRow') / med(aBase, 'cpuUsPerRow') : undefined;
  const vMs = med(dRuns, 'validateMs');
  const bareMs = med(dRuns, 'bareMs');
  const smallRss = med(aDisk, 'rssKb');
  const bound = 64 / 0.05;
  const table = [
    '| # | measure | rows | wall time | throughput | CPU µs/row: client (sim) | compared with | ratio | target | met |',
    '|---|---|--:|--:|--:|--:|---|--:|---|---|',
    `| a | \`payops run\`, concurrency 32, no latency, journal on disk | ${f(ROWS)} | ${secs(med(aDisk, 'ms'))} | ${fmtInt(aDiskRate)} rows/s | ${cpu(aDisk)} | | | | |`,
    `| a′ | the same with \`PAYOPS_JOURNAL=memory\` | ${f(ROWS)} | ${secs(med(aMem, 'ms'))} | ${fmtInt(aMemRate)} rows/s | ${cpu(aMem)} | a ÷ a′ (journal cost) | ${fmtRatio(aDiskRate / aMemRate)} | ≥ 0.90 | ${yes(aDiskRate / aMemRate >= 0.9)} |`,
    ...(aBase.length
      ? [
          `| a‴ | run (a) by the baseline build (\`--baseline\`, commit ${BASELINE.commit}), interleaved with (a) | ${f(ROWS)} | ${secs(med(aBase, 'ms'))} | ${fmtInt(med(aBase, 'rowsPerS'))} rows/s | ${cpu(aBase)} | CPU per row, a ÷ a‴ | ${fmtRatio(baseRatio)} | ≤ 1.10 | ${yes(baseRatio <= 1.1)} |`,
        ]
      : []),
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
  const notes = [
    '',
    `Statuses: (a) ${JSON.stringify(aDisk[0].statuses)}, (a′) ${JSON.stringify(aMem[0].statuses)}, (b) ${fmtInt(med(bLoop, 'ok'))} answered 200 with 000.100.110, ` +
      `(c) ${JSON.stringify(c.statuses)}${large ? `, (e′) ${JSON.stringify(large.statuses)}` : ''}.`,
    `payops and validate times are wall clock from spawn to exit (node start-up included; payops' own elapsed time for a / a′: ` +
      `${secs(med(aDisk, 'internalMs'))} / ${secs(med(aMem, 'internalMs'))}); (b) times its request loop only; ` +
      `(d) and (d′) are medians of ${dRuns.length} alternating pairs. CPU is user + system of the whole process (GNU time; the simulator's from /proc, ` +
      `seed loading included). Peak RSS by ${existsSync(TIME_BIN) ? 'GNU time %M' : '/proc VmHWM polling'}; validate peaked at ${fmtMb(med(dRuns, 'validateRss'))}.`,
  ];
  coreMd = `### Throughput against the bare loop, validate, memory (a–e)\n\n${table}\n${notes.join('\n')}\n`;
  if (baseRatio !== undefined) {
    target(`CPU per row of run (a) within 10% of the baseline build ${BASELINE.commit} (issue 12)`, `${fmtInt(med(aDisk, 'cpuUsPerRow'))} against ${fmtInt(med(aBase, 'cpuUsPerRow'))} µs/row, × ${fmtRatio(baseRatio)}`, baseRatio <= 1.1);
  }
  if (large) {
    target(`peak RSS at ${f(ROWS_LARGE)} rows ≤ 150 MB and ≤ 1.2 × the ${f(ROWS)}-row figure`, `${fmtMb(large.rssKb)}, × ${fmtRatio(large.rssKb / smallRss)} (${fmtMb(smallRss)})`, large.rssKb <= 150 * 1024 && large.rssKb / smallRss <= 1.2);
  }
}

let peersMd = '';
if (peerCases.length) {
  const rate = (rows) => med(rows ?? [], 'rowsPerS');
  const cell = (rows, bound, full) => {
    const r = rate(rows);
    if (!rows?.length) return '–';
    const n = rows[0].rows;
    return `${fmtInt(r)}/s${Number.isFinite(bound) ? ` · ${fmtRatio(r / bound)}` : ''}${n !== full ? ` (${f(n)} rows)` : ''}`;
  };
  const lines = [
    '| case | rows | bound C ÷ L | payops, spawn → exit | bare undici loop (its loop only) | ' + PEER_KEYS.map((k) => PEERS[k].name).join(' | ') + ' | payops ÷ fastest peer | target | met |',
    '|---|--:|--:|--:|--:|' + PEER_KEYS.map(() => '--:|').join('') + '--:|---|---|',
  ];
  for (const pc of peerCases) {
    const p = rate(pc.payops);
    const peerRates = PEER_KEYS.map((k) => [k, rate(pc.peers[k])]).filter(([, r]) => Number.isFinite(r));
    const [bestKey, best] = peerRates.reduce((a, b) => (b[1] > a[1] ? b : a), ['', -Infinity]);
    let tgt;
    let met;
    if (!pc.latency) {
      const r1 = p / rate(pc.peers.p1);
      const r2 = p / rate(pc.peers.p2);
      tgt = `≥ 10 × p1 (${fmtRatio(r1)} ×), ≥ p2 (${fmtRatio(r2)} ×)`;
      met = Number.isFinite(r1) && Number.isFinite(r2) ? r1 >= 10 && r2 >= 1 : undefined;
      target(`latency 0, C ${pc.concurrency}, ${f(pc.rows)} rows: payops ≥ 10 × p1 and ≥ p2`, `${fmtRatio(r1)} × p1, ${fmtRatio(r2)} × p2`, met);
    } else {
      const need = pc.rows >= 20_000 ? 0.97 : 0.93;
      const ratio = p / pc.bound;
      tgt = `≥ ${need.toFixed(2)} of bound, ≥ fastest peer`;
      met = Number.isFinite(ratio) ? ratio >= need && !(p < best) : undefined;
      target(
        `latency ${pc.latency} ms, C ${pc.concurrency}, ${f(pc.rows)} rows: payops ≥ ${need.toFixed(2)} of ${f(pc.bound)} rows/s and ≥ the fastest peer`,
        `${fmtRatio(ratio)}; fastest peer ${bestKey || 'n/a'} ${fmtRatio(best / pc.bound)} (payops ÷ it ${fmtRatio(p / best)})`,
        met,
      );
    }
    lines.push(
      `| ${pc.id}: latency ${pc.latency} ms, C ${pc.concurrency} | ${f(pc.rows)} | ${pc.latency ? `${f(pc.bound)}/s` : '–'} | ${cell(pc.payops, pc.bound, pc.rows)} | ${cell(pc.bare, pc.bound, pc.rows)} | ` +
        PEER_KEYS.map((k) => cell(pc.peers[k], pc.bound, pc.rows)).join(' | ') +
        ` | ${bestKey ? `${fmtRatio(p / best)} (${bestKey})` : 'n/a'} | ${tgt} | ${yes(met)} |`,
    );
  }
  // where each client's wall clock goes: spawn → first answer → last answer → exit
  const phases = [
    '| case | client | rows | spawn → exit | spawn → first answer | first → last answer | last answer → exit | payops\' own elapsed | CPU µs/row: client (sim) | peak RSS |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const s3 = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
  for (const pc of peerCases) {
    const clients = [['payops', pc.payops], ['bare undici loop', pc.bare], ...PEER_KEYS.map((k) => [k, pc.peers[k]])];
    for (const [who, rows] of clients) {
      if (!rows?.length) continue;
      const r = rows[0];
      phases.push(
        `| ${pc.id} | ${who} | ${f(r.rows)} | ${s3(med(rows, 'wallMs'))} | ${s3(med(rows, 'firstAnswerMs'))} | ${s3(med(rows, 'lastAnswerMs') - med(rows, 'firstAnswerMs'))} | ` +
          `${s3(med(rows, 'wallMs') - med(rows, 'lastAnswerMs'))} | ${who === 'payops' ? s3(med(rows, 'internalMs')) : ''} | ${cpu(rows)} | ${fmtMb(med(rows, 'rssKb'))} |`,
      );
    }
  }
  const l0 = peerCases.find((pc) => !pc.latency);
  let cpuLine = '';
  if (l0) {
    const pc = med(l0.payops, 'cpuUsPerRow');
    const bc = med(l0.bare, 'wallCpuUsPerRow');
    cpuLine =
      `\nCPU per row at latency 0 (L0, ${f(l0.rows)} rows, whole process, user + system): payops ${fmtInt(pc)} µs/row (target ≤ 80: ${yes(pc <= 80)}); ` +
      `the bare undici loop ${fmtInt(bc)} µs per request (${fmtInt(med(l0.bare, 'cpuUsPerRow'))} in its request loop alone); ` +
      PEER_KEYS.map((k) => `${k} ${fmtInt(med(l0.peers[k] ?? [], 'cpuUsPerRow'))}`).join(', ') + ' µs/row.\n';
    target(`CPU per row at latency 0 ≤ 80 µs (beside the bare undici loop's per request)`, `${fmtInt(pc)} µs (bare loop ${fmtInt(bc)})`, Number.isFinite(pc) ? pc <= 80 : undefined);
  }
  peersMd =
    `### Against the scripts a user writes instead (issue 18)\n\n` +
    `Each case is one simulator process (same seed; \`--latency L\` when L > 0) that every client runs against in turn, ` +
    `on the same operations: payops first (fresh state dir, \`--concurrency C\`), then the bare undici loop and the peers with the merchant ` +
    `transaction ids payops derived, so all send the same requests. Figures are rows/s from spawn to exit and, after ·, their ratio to the bound ` +
    `C ÷ L; the bare loop times its request loop only. ${PEER_REPEAT > 1 ? `Medians of ${PEER_REPEAT} interleaved runs.` : 'One run each.'}\n\n` +
    `${lines.join('\n')}\n${cpuLine}\n` +
    `Where the wall clock goes (answer times are the simulator's ledger timestamps, so the first answer includes one latency L):\n\n${phases.join('\n')}\n`;
}

let startupMd = '';
if (startup) {
  const rows = [
    '| measure | median wall clock, spawn → exit | fastest | CPU (user + system, median; children included) | runs | target | met |',
    '|---|--:|--:|--:|--:|---|---|',
  ];
  const limits = { validate: 200, demo: 500 };
  for (const [key, s] of Object.entries(startup)) {
    const lim = limits[key];
    rows.push(
      `| ${s.what} | ${s.median.toFixed(0)} ms | ${s.min.toFixed(0)} ms | ${fmtInt(s.cpuMedian)} ms | ${s.ms.length} | ${lim ? `≤ ${lim} ms` : ''} | ${lim ? yes(s.median <= lim) : ''} |`,
    );
    if (lim) target(`start-up: ${s.what.replace(/ \(.*\)$/, '')} ≤ ${lim / 1000} s`, `${s.median.toFixed(0)} ms (median of ${s.ms.length})`, s.median <= lim);
  }
  startupMd = `### Start-up\n\n${rows.join('\n')}\n`;
}

let subsMd = '';
for (const s of subs) subsMd += `\n### Sub-bench \`scripts/${s.file}\`${s.code ? ` (**exited ${s.code}**)` : ''}\n\n${s.markdown || '(no output)'}\n`;

const md =
  `${machine}\n\n` +
  (targets.length
    ? `**Targets** (issue 18 and the memory bound)${quick ? ' — `--quick` runs small files to check that every client works; its figures say nothing about the targets' : ''}:\n\n${targets.join('\n')}\n\n`
    : '') +
  [peersMd, startupMd, coreMd].filter(Boolean).join('\n') +
  subsMd;

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
  JSON.stringify(
    { machine, parts: [...PARTS], rows: ROWS, rowsLarge: ROWS_LARGE, latencyRows: LATENCY_ROWS, ...core, peerCases, startup, subs, targets, failures },
    null,
    2,
  ),
);
process.stdout.write(md + profiles);
if (failures.length) {
  console.error(`\nbench: ${failures.length} run(s) failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
rmSync(WORK, { recursive: true, force: true });
