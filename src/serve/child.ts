/**
 * Running the built payops CLI as a child process: the server's jobs and
 * previews are `payops run` and `payops validate` themselves, never a second
 * implementation. The access token goes to the child only through its
 * environment (OPPWA_ACCESS_TOKEN); it is never an argument and never reaches
 * a page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lineReader, type LogEvent } from './log-events.js';
import type { JobOptions } from './store.js';
import { WASM_FLAGS } from '../cli/node-flags.js';

export const CLI_PATH = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface GatewaySettings {
  /** `--gateway` as given to serve: sim, test, live or a URL. */
  gateway: string;
  simSeed?: string;
  stateDir?: string;
  stateUrl?: string;
  entityId?: string;
  allowCardData: boolean;
  /** Whether this payops build reads workbooks (`--sheet`); the option arrives with another change. */
  sheetSupported?: boolean;
  /** Extra `payops run` flags the operator gave to serve (e.g. --concurrency). */
  runFlags: string[];
}

/** The input options of a job as CLI flags (shared by validate and run). */
export function inputFlags(o: JobOptions, g: Pick<GatewaySettings, 'allowCardData' | 'entityId' | 'sheetSupported'>, withColumns: boolean): string[] {
  const a: string[] = [];
  if (o.decimalComma) a.push('--decimal-comma');
  if (o.delimiter) a.push('--delimiter', o.delimiter);
  if (o.encoding) a.push('--encoding', o.encoding);
  if (o.sheet && g.sheetSupported) a.push('--sheet', o.sheet);
  if (withColumns) for (const [field, header] of Object.entries(o.columns)) if (header) a.push('--column', `${field}=${header}`);
  if (g.allowCardData) a.push('--allow-card-data');
  if (g.entityId) a.push('--entity-id', g.entityId);
  return a;
}

export function gatewayFlags(g: GatewaySettings): string[] {
  const a = ['--gateway', g.gateway];
  if (g.simSeed) a.push('--sim-seed', g.simSeed);
  if (g.stateDir) a.push('--state-dir', g.stateDir);
  if (g.stateUrl) a.push('--state-url', g.stateUrl);
  return a;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  texts: string[];
}

export interface RunningChild {
  process: ChildProcess;
  done: Promise<ChildResult>;
}

/** Start `node dist/cli/main.js ARGS`; every stderr line is parsed and handed to `onEvent`. */
export function startCli(args: string[], token: string | undefined, onEvent: (e: LogEvent) => void): RunningChild {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPPWA_ACCESS_TOKEN;
  if (token !== undefined) env.OPPWA_ACCESS_TOKEN = token;
  const child = spawn(process.execPath, [...WASM_FLAGS, CLI_PATH, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const texts: string[] = [];
  const reader = lineReader((e) => {
    if (e.kind === 'text' && texts.length < 50) texts.push(e.text);
    // With --log-format json a stopping error is an `error` event.
    else if (e.kind === 'event' && e.event === 'error' && typeof e.fields.message === 'string' && texts.length < 50) texts.push(e.fields.message);
    onEvent(e);
  });
  child.stderr!.on('data', (c: Buffer) => reader.push(c));
  const done = new Promise<ChildResult>((resolve) => {
    child.on('error', (err) => {
      texts.push(`could not start payops: ${err.message}`);
      resolve({ code: null, signal: null, texts });
    });
    child.on('close', (code, signal) => {
      reader.end();
      resolve({ code, signal, texts });
    });
  });
  return { process: child, done };
}

/** Whether the built CLI knows an option (e.g. `--column`, which arrives with another change). */
export async function cliSupports(command: string, flag: string): Promise<boolean> {
  const child = spawn(process.execPath, [CLI_PATH, command, '--help'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += String(c)));
  await new Promise((r) => child.on('close', r));
  return new RegExp(`(^|\\s)${flag.replace(/[-]/g, '\\-')}(\\s|$)`, 'm').test(out);
}
