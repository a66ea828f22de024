/**
 * Harness for `payops serve`: the built CLI started as a child process
 * (`payops serve --port 0`), talking to `payops sim` over loopback, and a
 * small HTTP client that keeps a session cookie and sends Origin like a
 * browser does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, expect } from 'vitest';
import { CLI, ENTITY, ROOT as ROOT_DIR, TOKEN, runCli, startSim as startSimulator, tempDir, type SimProcess } from '../e2e/harness.js';

export { CLI, ENTITY, TOKEN, tempDir, runCli };
export { startSim, ROOT, pid, write } from '../e2e/harness.js';


export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stateDir: string;
  stderr(): string;
  stop(): Promise<void>;
}

const running: ServeProcess[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** Add people to a users file through `payops user add` (password on stdin). */
export async function usersFile(dir: string, people: Record<string, string>): Promise<string> {
  const file = join(dir, 'users');
  for (const [name, pw] of Object.entries(people)) {
    const r = await runCli(['user', 'add', name, '--users', file], { input: pw + '\n' });
    if (r.code !== 0) throw new Error(`user add failed: ${r.stderr}`);
  }
  return file;
}

export async function startServe(args: string[], opts: { stateDir?: string; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const stateDir = opts.stateDir ?? join(tempDir(), 'state');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--state-dir', stateDir, '--entity-id', ENTITY, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OPPWA_ACCESS_TOKEN: TOKEN, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => res(line.trim().replace(/\/$/, '')));
    child.once('exit', (code) => rej(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const s: ServeProcess = {
    url,
    child,
    stateDir,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
  running.push(s);
  return s;
}

/** A browser-like HTTP client: keeps the session cookie, sends Origin and Sec-Fetch-Site on POST. */
export class Client {
  cookie = '';
  constructor(readonly base: string) {}

  async request(path: string, init: RequestInit & { crossSite?: boolean } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    if ((init.method ?? 'GET') !== 'GET' && !headers.has('origin')) {
      headers.set('origin', init.crossSite ? 'http://evil.example' : this.base);
      headers.set('sec-fetch-site', init.crossSite ? 'cross-site' : 'same-origin');
    }
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return res;
  }

  post(path: string, form: Record<string, string> = {}, extra: { crossSite?: boolean } = {}): Promise<Response> {
    return this.request(path, { method: 'POST', body: new URLSearchParams(form), ...extra });
  }

  async login(name: string, password: string): Promise<Response> {
    return this.post('/login', { name, password });
  }

  /** Upload a file; resolves with the job id. */
  async upload(name: string, content: Buffer | string): Promise<string> {
    const fd = new FormData();
    fd.append('file', new Blob([content]), name);
    const res = await this.request('/upload', { method: 'POST', body: fd, headers: { accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`upload: ${res.status} ${await res.text()}`);
    const { url } = (await res.json()) as { url: string };
    return url.split('/').pop()!;
  }

  async text(path: string): Promise<string> {
    const res = await this.request(path);
    return res.text();
  }

  /** Read the job's server-sent events until `until` says stop. */
  async events(jobId: string, until: (p: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const res = await this.request(`/jobs/${jobId}/events`);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('event stream ended before the condition held');
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!data || !block.includes('event: progress')) continue;
        const p = JSON.parse(data.slice(6)) as Record<string, unknown>;
        if (until(p)) {
          await reader.cancel();
          return p;
        }
      }
    }
  }

  /** Poll the job page until its status line matches. */
  async waitFor(jobId: string, words: RegExp, timeoutMs = 30_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = await this.text(`/jobs/${jobId}`);
      const m = /id="jobstate">([^<]*)</.exec(last);
      if (m && words.test(m[1]!)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${jobId} never reached ${words}: ${/id="jobstate">([^<]*)</.exec(last)?.[1]}`);
  }
}

/** The sample seed file of the simulator. */
export const SEED = join(ROOT_DIR, 'samples/payments.csv');

/** `n` refunds (default 1.00 EUR) on one debit of the sample seed, semicolon-separated. */
export function refunds(n: number, amount = '1.00'): string {
  const lines = ['Ticket;Operation;Payment ID;Amount;Currency'];
  for (let i = 1; i <= n; i++) lines.push(`T-${i};refund;8ac7a4a18d6b4ea5a1b2c3d4e5f60003;${amount};EUR`);
  return lines.join('\r\n') + '\r\n';
}


/**
 * A web job confirmed while a cron `payops run` holds the partition (the SQLite
 * lock file, or the PostgreSQL lease): the job waits, the cron run finishes,
 * then the job runs. Returns the job page while it waited, for the caller to
 * check how it names the holder; checks that the cron run's refunds (2.00) all
 * reached the gateway before the web job's first (1.00).
 */
export async function webJobBehindCron(opts: {
  /** The partition's state, for serve and the cron run alike: a directory, or a PostgreSQL URL. */
  state: { dir: string } | { url: string };
  cronRows: number;
  /** Whether the cron run holds the partition yet. */
  held: (sim: SimProcess) => Promise<boolean> | boolean;
}): Promise<string> {
  const sim = await startSimulator(['--seed', SEED, '--latency', '100']);
  const stateArgs = 'dir' in opts.state ? ['--state-dir', opts.state.dir] : ['--state-url', opts.state.url];
  const s = await startServe(['--gateway', sim.url, '--concurrency', '1', ...('url' in opts.state ? stateArgs : [])], 'dir' in opts.state ? { stateDir: opts.state.dir } : {});
  const c = new Client(s.url);
  const id = await c.upload('web.csv', refunds(3));
  await c.waitFor(id, /preview/);
  // The cron job: payops run on the same partition and gateway, refunds of 2,00 (the web job's are 1,00).
  const cronDir = tempDir();
  writeFileSync(join(cronDir, 'cron.csv'), refunds(opts.cronRows, '2.00'));
  const cron = runCli(['run', join(cronDir, 'cron.csv'), '--gateway', sim.url, '--concurrency', '1', ...stateArgs]);
  while (!(await opts.held(sim))) await new Promise((r) => setTimeout(r, 20));
  await c.post(`/jobs/${id}/confirm`);
  // The job waits (it does not fail).
  const waiting = await c.waitFor(id, /holds this partition/);
  expect((await cron).code).toBe(0);
  await c.waitFor(id, /finished/, 60_000);
  const txs = (await sim.transactions()).filter((t) => t.paymentType === 'RF');
  const cronTimes = txs.filter((t) => t.amount === '2.00').map((t) => Date.parse(t.timestamp));
  const webTimes = txs.filter((t) => t.amount === '1.00').map((t) => Date.parse(t.timestamp));
  expect(cronTimes).toHaveLength(opts.cronRows);
  expect(webTimes).toHaveLength(3);
  expect(Math.min(...webTimes)).toBeGreaterThanOrEqual(Math.max(...cronTimes));
  return waiting;
}
