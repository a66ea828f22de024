#!/usr/bin/env node
/**
 * The state store's targets (issue 11), measured on their own (scripts/bench.mjs
 * measures the rest):
 *
 *   npm run build && node scripts/bench-state.mjs [--history 10000000] [--rows 20000]
 *                                                  [--real-rows 1000000] [--repeat 3] [--no-pg]
 *
 *   (h)  `payops run` of a 1-row file against an empty SQLite state, and against
 *        one holding --history rows (an intent and an outcome each) built
 *        through the store's own API: wall time and peak RSS. Target:
 *        ≤ +0.5 s and ≤ 150 MB.
 *   (r)  a real --real-rows run through the CLI into one partition, then the
 *        1-row run again (0 skips it).
 *   (a)  `payops run` of --rows rows, concurrency 32, no simulated latency,
 *        state on disk vs PAYOPS_JOURNAL=memory: a ÷ a′ for SQLite (target
 *        ≥ 0.90) and PostgreSQL (reported; a throwaway cluster on loopback).
 *
 * Medians of --repeat runs, interleaved. Results in bench-output/state.md and
 * state.json. payops runs with the Node flags of the bin's shebang.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MAIN = join(ROOT, 'dist/cli/main.js');
const TOKEN = 'sim-token';
const ENTITY = '8a8294174b7ecb28014b9699220015ca';

const { values: opt } = parseArgs({
  options: {
    history: { type: 'string', default: '10000000' },
    rows: { type: 'string', default: '20000' },
    'real-rows': { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '3' },
    'no-pg': { type: 'boolean', default: false },
    // CI (npm run bench --quick): that every case works, on small sizes; no timings worth reading.
    quick: { type: 'boolean', default: false },
    'out-dir': { type: 'string', default: join(ROOT, 'bench-output') },
  },
});
const num = (v) => Number(String(v).replace(/[_,]/g, ''));
const HISTORY = opt.quick ? 20_000 : num(opt.history);
const ROWS = opt.quick ? 500 : num(opt.rows);
const REAL = opt.quick ? 2_000 : num(opt['real-rows']);
const REPEAT = opt.quick ? 1 : num(opt.repeat);
const OUT = resolve(opt['out-dir']);
const WORK = join(OUT, 'state-work');
if (!existsSync(MAIN)) {
  console.error('bench-state: run "npm run build" first');
  process.exit(2);
}
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const log = (s) => process.stderr.write(`bench-state: ${s}\n`);

const BIN_FLAGS = (() => {
  const first = readFileSync(MAIN, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?node((?:\s+--?\S+)*)\s*$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
})();

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => ok(p));
    });
  });
}

/** Run to the end: wall ms, exit code, stderr tail, peak RSS kB (GNU time). */
function runTimed(args, env = {}) {
  const rssFile = join(WORK, `rss-${Math.random().toString(36).slice(2)}`);
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, ...BIN_FLAGS, MAIN, ...args], {
      cwd: ROOT, env: { ...process.env, OPPWA_ACCESS_TOKEN: TOKEN, OPPWA_ENTITY_ID: ENTITY, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.once('error', fail);
    child.once('close', (code) => {
      children.delete(child);
      const ms = performance.now() - started;
      let rssKb = NaN;
      try {
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        rssKb = Number(lines[lines.length - 1]);
      } catch {
        /* none */
      }
      done({ code, ms, rssKb, stderr });
    });
  });
}

async function startSim(seed, port = 0) {
  const child = spawn(process.execPath, [MAIN, 'sim', '--port', String(port), '--seed', seed], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const url = await new Promise((ok, fail) => {
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) ok(buf.split('\n')[0].trim());
    });
    child.once('exit', (c) => fail(new Error(`sim exited ${c}`)));
  });
  return {
    url,
    stop: () => new Promise((ok) => {
      child.once('exit', () => ok());
      child.kill('SIGTERM');
      children.delete(child);
    }),
  };
}

const pid = (i) => (0x10000000 + i).toString(16).padStart(32, 'b');
function makeFiles(n, name) {
  const payments = Math.max(1, Math.ceil(n / 3));
  const seed = join(WORK, `${name}-seed.csv`);
  const ops = join(WORK, `${name}.csv`);
  const s = createWriteStream(seed);
  s.write('payment_id,payment_type,amount,currency\n');
  for (let i = 0; i < payments; i++) s.write(`${pid(i)},DB,1000000.00,EUR\n`);
  s.end();
  const o = createWriteStream(ops);
  o.write('operation,payment_id,amount,currency\n');
  for (let i = 0; i < n; i++) o.write(`refund,${pid(i % payments)},${(0.01 + (i % 997) / 100).toFixed(2)},EUR\n`);
  o.end();
  return Promise.all([new Promise((r) => s.once('finish', r)), new Promise((r) => o.once('finish', r))]).then(() => ({ seed, ops }));
}

const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const s1 = (ms) => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------- (h) history

async function buildHistory(file, n) {
  const { SqliteStore } = await import(join(ROOT, 'dist/plan/store/sqlite.js'));
  const store = SqliteStore.open({ file });
  const started = performance.now();
  const at = '2026-01-15T02:00:00.000Z';
  const CHUNK = 20_000;
  for (let i = 0; i < n; i += CHUNK) {
    const waits = [];
    for (let j = i; j < Math.min(n, i + CHUNK); j++) {
      const key = `h${j.toString(36).padStart(13, '0')}`;
      const id = `${key}00`;
      const rec = { key, gen: 0, id, type: 'RF', ref: pid(j % 1_000_000), amount: '12.34', currency: 'EUR', entity: ENTITY, at, src: 'nightly.csv', line: (j % 100_000) + 2 };
      waits.push(store.intent(rec));
      store.outcome({ key, id, s: 'succeeded', sent: true, c: '000.100.110', d: 'Request successfully processed', n: pid(j + 7), at, src: 'nightly.csv', line: rec.line });
    }
    await Promise.all(waits);
    if ((i / CHUNK) % 50 === 0) log(`history: ${i.toLocaleString('en')} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  await store.close();
  const bytes = statSync(file).size;
  log(`history: ${n.toLocaleString('en')} rows in ${((performance.now() - started) / 1000).toFixed(0)} s, ${(bytes / 1e9).toFixed(2)} GB`);
  return { ms: performance.now() - started, bytes };
}

const results = { machine: { node: process.version }, history: HISTORY };
const one = await makeFiles(1, 'one');

const port = await freePort();
const slug = `http_127.0.0.1_${port}`;
const histDir = join(WORK, 'history-state');
mkdirSync(join(histDir, slug), { recursive: true });
results.build = HISTORY ? await buildHistory(join(histDir, slug, 'state.db'), HISTORY) : undefined;

{
  const sim = await startSim(one.seed, port);
  const empty = [];
  const full = [];
  try {
    for (let r = 0; r < REPEAT; r++) {
      const emptyDir = join(WORK, `empty-${r}`);
      const a = await runTimed(['run', one.ops, '--gateway', sim.url, '--state-dir', emptyDir, '--out', join(WORK, `e${r}.csv`), '--failed', join(WORK, `ef${r}.csv`)]);
      if (a.code !== 0) throw new Error(`1-row run, empty state: exit ${a.code}: ${a.stderr}`);
      empty.push(a);
      // The same row each time: after the first, it is already done (a lookup in the history's database).
      const b = await runTimed(['run', one.ops, '--gateway', sim.url, '--state-dir', histDir, '--out', join(WORK, `h${r}.csv`), '--failed', join(WORK, `hf${r}.csv`)]);
      if (b.code !== 0) throw new Error(`1-row run, history: exit ${b.code}: ${b.stderr}`);
      full.push(b);
      log(`1-row run: empty ${s1(a.ms)} ${mb(a.rssKb)}; ${HISTORY.toLocaleString('en')} rows of history ${s1(b.ms)} ${mb(b.rssKb)}`);
    }
  } finally {
    await sim.stop();
  }
  results.oneRow = {
    emptyMs: med(empty.map((x) => x.ms)), emptyRssKb: med(empty.map((x) => x.rssKb)),
    historyMs: med(full.map((x) => x.ms)), historyRssKb: Math.max(...full.map((x) => x.rssKb)),
  };
}

// ---------------------------------------------------------------- (r) a real large run

if (REAL) {
  const big = await makeFiles(REAL, 'real');
  const sim = await startSim(big.seed);
  const dir = join(WORK, 'real-state');
  try {
    log(`real run: ${REAL.toLocaleString('en')} rows through the CLI …`);
    const r = await runTimed(['run', big.ops, '--gateway', sim.url, '--state-dir', dir, '--concurrency', '32', '--out', join(WORK, 'real-results.csv'), '--failed', join(WORK, 'real-failed.csv')]);
    if (r.code !== 0 && r.code !== 1) throw new Error(`real run exit ${r.code}: ${r.stderr}`);
    const a = await runTimed(['run', one.ops, '--gateway', sim.url, '--state-dir', dir, '--out', join(WORK, 'r1.csv'), '--failed', join(WORK, 'r1f.csv')]);
    const e = await runTimed(['run', one.ops, '--gateway', sim.url, '--state-dir', join(WORK, 'real-empty'), '--out', join(WORK, 'r2.csv'), '--failed', join(WORK, 'r2f.csv')]);
    results.real = { rows: REAL, ms: r.ms, rssKb: r.rssKb, rowsPerS: REAL / (r.ms / 1000), oneRowAfterMs: a.ms, oneRowAfterRssKb: a.rssKb, oneRowEmptyMs: e.ms, oneRowEmptyRssKb: e.rssKb };
    log(`real run: ${(REAL / (r.ms / 1000)).toFixed(0)} rows/s, peak ${mb(r.rssKb)}; then 1 row ${s1(a.ms)} ${mb(a.rssKb)} (empty state ${s1(e.ms)})`);
  } finally {
    await sim.stop();
  }
}

// ---------------------------------------------------------------- (a) journal cost

async function startPg() {
  const bin = ['15', '16', '17', '14', '13'].map((v) => `/usr/lib/postgresql/${v}/bin`).find((b) => existsSync(join(b, 'initdb')));
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'payops-bench-pg-'));
  const root = process.getuid() === 0;
  if (root) {
    chownSync(dir, 65534, 65534);
    chmodSync(dir, 0o700);
  }
  const run = (cmd, args) => execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'nobody', '--', cmd, ...args] : args, { stdio: 'ignore', cwd: dir });
  run(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust']);
  const p = await freePort();
  // Durable as a team's server would be: fsync and synchronous_commit on (the defaults).
  run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o', `-p ${p} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
  let n = 0;
  return {
    url: async () => {
      const name = `bench${++n}`;
      execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(p), '-U', 'postgres', '-c', `CREATE DATABASE ${name}`], { stdio: 'ignore' });
      return `postgres://postgres@127.0.0.1:${p}/${name}`;
    },
    stop: () => {
      spawnSync(root ? 'runuser' : join(bin, 'pg_ctl'), root ? ['-u', 'nobody', '--', join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', 'stop'] : ['-D', join(dir, 'data'), '-m', 'immediate', 'stop'], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const pgc = opt['no-pg'] || !ROWS ? undefined : await startPg();
if (ROWS) try {
  const data = await makeFiles(ROWS, 'cost');
  const cases = { sqlite: { disk: [], memory: [] }, ...(pgc ? { postgres: { disk: [], memory: [] } } : {}) };
  let k = 0;
  for (let r = 0; r < REPEAT; r++) {
    for (const store of Object.keys(cases)) {
      for (const mode of r % 2 ? ['disk', 'memory'] : ['memory', 'disk']) {
        const sim = await startSim(data.seed);
        const where = store === 'postgres' ? ['--state-url', await pgc.url()] : ['--state-dir', join(WORK, `cost-${++k}`)];
        try {
          const x = await runTimed(['run', data.ops, '--gateway', sim.url, ...where, '--concurrency', '32', '--out', join(WORK, `c${k}.csv`), '--failed', join(WORK, `cf${k}.csv`)], {
            PAYOPS_JOURNAL: mode === 'memory' ? 'memory' : '',
          });
          if (x.code !== 0 && x.code !== 1) throw new Error(`${store} ${mode}: exit ${x.code}: ${x.stderr}`);
          cases[store][mode].push(ROWS / (x.ms / 1000));
          log(`(a) ${store}, state ${mode}: ${(ROWS / (x.ms / 1000)).toFixed(0)} rows/s, peak ${mb(x.rssKb)}`);
        } finally {
          await sim.stop();
          k++;
        }
      }
    }
  }
  results.cost = Object.fromEntries(
    Object.entries(cases).map(([s, v]) => [s, { diskRowsPerS: med(v.disk), memoryRowsPerS: med(v.memory), ratio: med(v.disk) / med(v.memory), all: v }]),
  );
} finally {
  pgc?.stop();
}

// ---------------------------------------------------------------- report

const o = results.oneRow;
const lines = [
  `# State store bench (${new Date().toISOString()}, node ${process.version})`,
  '',
  '| case | figure | target | met |',
  '|---|---|---|---|',
  `| 1-row run, empty SQLite state | ${s1(o.emptyMs)}, peak ${mb(o.emptyRssKb)} | | |`,
  `| 1-row run, ${HISTORY.toLocaleString('en')} rows of history (built through the store's API${results.build ? `, ${(results.build.bytes / 1e9).toFixed(2)} GB` : ''}) | ${s1(o.historyMs)} (+${s1(o.historyMs - o.emptyMs)}), peak ${mb(o.historyRssKb)} | ≤ +0.5 s, ≤ 150 MB | ${o.historyMs - o.emptyMs <= 500 && o.historyRssKb <= 150 * 1024 ? 'yes' : 'NO'} |`,
];
if (results.real) {
  const r = results.real;
  lines.push(`| real run of ${r.rows.toLocaleString('en')} rows through the CLI | ${s1(r.ms)}, ${r.rowsPerS.toFixed(0)} rows/s, peak ${mb(r.rssKb)} | ≤ 150 MB | ${r.rssKb <= 150 * 1024 ? 'yes' : 'NO'} |`);
  lines.push(`| then a 1-row run in that partition | ${s1(r.oneRowAfterMs)}, peak ${mb(r.oneRowAfterRssKb)} (empty state: ${s1(r.oneRowEmptyMs)}) | ≤ +0.5 s | ${r.oneRowAfterMs - r.oneRowEmptyMs <= 500 ? 'yes' : 'NO'} |`);
}
for (const [s, c] of Object.entries(results.cost ?? {})) {
  lines.push(`| a ÷ a′, ${s} (${ROWS.toLocaleString('en')} rows, concurrency 32): ${c.diskRowsPerS.toFixed(0)} ÷ ${c.memoryRowsPerS.toFixed(0)} rows/s | ${c.ratio.toFixed(2)} | ${s === 'sqlite' ? '≥ 0.90' : 'reported'} | ${s === 'sqlite' ? (c.ratio >= 0.9 ? 'yes' : 'NO') : ''} |`);
}
const md = lines.join('\n') + '\n';
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'state.md'), md);
writeFileSync(join(OUT, 'state.json'), JSON.stringify(results, null, 2));
process.stdout.write(md);
rmSync(WORK, { recursive: true, force: true });
