/**
 * End-to-end harness: the built CLI (dist/) run as a child process against
 * the simulator started as a separate process (`payops sim`), over loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const ENTITY = '8a8294174b7ecb28014b9699220015ca';
export const TOKEN = 'sim-token';

export interface SimProcess {
  url: string;
  child: ChildProcess;
  transactions(): Promise<LedgerTx[]>;
  stop(): Promise<void>;
}

export interface LedgerTx {
  id: string;
  referencedId?: string;
  paymentType: string;
  amount?: string;
  currency?: string;
  entityId: string;
  merchantTransactionId?: string;
  resultCode: string;
  timestamp: string;
}

const started: SimProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the file's tests. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'payops-e2e-'));
  dirs.push(d);
  return d;
}

/**
 * The gateway's per-id throttling, on in every simulator the tests start
 * (issue 14): 2 queries per id and 200 POSTs per payment per window, with a
 * window short enough for fast tests. A test that sets its own
 * `--per-id-throttle` / `--throttle-window` / `--query-limit` / `--post-limit`
 * keeps them; `--per-id-throttle=false`
 * turns it off.
 */
export const SIM_PER_ID_THROTTLE = ['--per-id-throttle', '--throttle-window', '200ms'];

/** The simulator's arguments with the per-id throttle defaults added where the test gave none of its own (the simulator takes an option once). */
function withThrottle(args: string[]): string[] {
  const has = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  const out = [...args];
  if (!has('--per-id-throttle')) out.unshift('--per-id-throttle');
  if (!has('--throttle-window')) out.unshift('--throttle-window', SIM_PER_ID_THROTTLE[2]!);
  return out;
}

/** Start `payops sim` as its own process; resolves with its base URL (first stdout line). */
export async function startSim(args: string[] = []): Promise<SimProcess> {
  const child = spawn(process.execPath, [CLI, 'sim', '--port', '0', ...withThrottle(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => res(line.trim()));
    child.once('exit', (code) => rej(new Error(`sim exited with ${code}: ${stderr}`)));
  });
  const sim: SimProcess = {
    url,
    child,
    async transactions() {
      const res = await fetch(`${url}/__sim/transactions`);
      return (await res.json()) as LedgerTx[];
    },
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
  started.push(sim);
  return sim;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Called once the process has started (to send it a signal, say). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Run the built CLI; the default environment has the simulator's token and no gateway. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((res) => {
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      OPPWA_ACCESS_TOKEN: TOKEN,
      OPPWA_ENTITY_ID: ENTITY,
      NO_COLOR: '1',
      ...opts.env,
    };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [CLI, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    opts.onSpawn?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
  });
}

/** A minimal RFC 4180 reader for assertions (the tests do not trust the code under test to read its own output). */
export function readCsv(path: string, delimiter = ','): Array<Record<string, string>> {
  let text = readFileSync(path, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const [header, ...data] = parseCsv(text, delimiter).rows;
  return data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

export interface ParsedCsv {
  rows: string[][];
  /** The line break after each record (outside quotes). */
  breaks: string[];
}

/** RFC 4180 with any delimiter; a record ends at CRLF, LF or a lone CR outside quotes. */
export function parseCsv(text: string, delimiter: string): ParsedCsv {
  const rows: string[][] = [];
  const breaks: string[] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = '';
    } else if (c === '\r' || c === '\n') {
      const br = c === '\r' && text[i + 1] === '\n' ? '\r\n' : c;
      i += br.length - 1;
      row.push(cell);
      rows.push(row);
      breaks.push(br);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
    breaks.push('');
  }
  return { rows, breaks };
}

export function write(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** A deterministic 32-hex payment id. */
export function pid(n: number, prefix = 'b'): string {
  return prefix + n.toString(16).padStart(31, '0');
}

/** Every non-empty stderr line parses as JSON. */
export function jsonLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not JSON: ${l}`);
      }
    });
}
