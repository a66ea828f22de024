#!/usr/bin/env -S node --max-semi-space-size=8 --max-old-space-size=96 --liftoff-only
/**
 * The payops command line. Every command lives in its own file; every error
 * ends here, in the one catch that turns it into a message and an exit code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { STDIN_ARG } from './options.js';
import { summaryWritten } from '../output/summary.js';
import { fileSystemProblem, PayopsError, UsageError } from '../errors.js';
import { safeMessage } from './safe-message.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { runUncappedIfNeeded } from './uncapped.js';

/**
 * Each command's module, loaded only when that command runs: `validate` need
 * not load undici, the journal or the simulator (a quarter of a second).
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  run: async () => (await import('./run.js')).runCommand,
  validate: async () => (await import('./validate.js')).validateCommand,
  reconcile: async () => (await import('./reconcile.js')).reconcileCommand,
  report: async () => (await import('./report.js')).reportCommand,
  sim: async () => (await import('./sim.js')).simCommand as unknown as CommandModule,
  state: async () => (await import('./state.js')).stateCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  user: async () => (await import('./user.js')).userCommand,
};

/** The commands to register: the one named first, or all of them (for help and for errors about the command). */
async function commandsFor(args: readonly string[]): Promise<CommandModule[]> {
  // `payops --version` needs no command: loading all eight took 0.3 s (the simulator's modules among them).
  if (args.length === 1 && args[0] === '--version') return [];
  const named = args[0] !== undefined && Object.hasOwn(COMMANDS, args[0]) ? [args[0]] : Object.keys(COMMANDS);
  return Promise.all(named.map((name) => COMMANDS[name]!()));
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** An error message for the user: one line, no stack trace; one JSON `error` event under `--log-format json`. */
function report(err: unknown, args: readonly string[], code: number): void {
  // The last line of defence: no message may carry a card number, a password in a URL or a terminal escape.
  const raw = err instanceof Error ? err.message : String(err);
  const problem = fileSystemProblem(err) ?? badPort(err);
  const msg = safeMessage(problem ?? raw);
  const known = err instanceof PayopsError;
  const hint = known && err.hint ? ` ${safeMessage(err.hint)}` : '';
  const text = `${known || problem ? '' : 'unexpected error: '}${msg}${hint}`;
  if (jsonLogRequested(args)) {
    if (!(err instanceof Error && (err as { logged?: boolean }).logged)) {
      process.stderr.write(JSON.stringify({ schema: 2, event: 'error', time: new Date().toISOString(), exit_code: code, message: text }) + '\n');
    }
  } else process.stderr.write(`payops: ${text}\n`);
  writeErrorSummary(args, code, text);
}

/** `sim --port 99999`: Node's RangeError, said as the user would. */
function badPort(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ERR_SOCKET_BAD_PORT' ? '--port must be a whole number from 0 to 65535' : undefined;
}

/** `--log-format json` (or `=json`) among the arguments: errors must come out as JSON too. */
function jsonLogRequested(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--log-format=json') return true;
    if (args[i] === '--log-format' && args[i + 1] === 'json') return true;
  }
  return false;
}

/** A run that fails before its summary still writes `--summary-json`: a monitor reads the exit code and the reason there. */
function writeErrorSummary(args: readonly string[], code: number, message: string): void {
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--summary-json=')) path = a.slice('--summary-json='.length);
    else if (a === '--summary-json' && args[i + 1] !== undefined) path = args[i + 1];
  }
  if (!path || path === '-' || summaryWritten()) return;
  // The error may be that this path is the input or another output (issue 10 point 6): a file that is
  // there and is not a summary is never replaced by one.
  if (!replaceableBySummary(path)) return;
  try {
    writeFileSync(path, JSON.stringify({ schema: 2, exit_code: code, error: message, rows: 0 }, null, 2) + '\n');
  } catch {
    // The error itself is already reported; a summary that cannot be written changes nothing.
  }
}

/** Whether `path` is free, or holds an earlier JSON summary (an object with a `schema`). */
function replaceableBySummary(path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && 'schema' in v;
  } catch {
    return false;
  }
}

/** Options whose value may be `-` (stdout or stdin); yargs would take a lone `-` for a positional. */
const DASH_VALUE_FLAGS = new Set(['--out', '--failed', '--summary-json']);

/**
 * `--out -` and friends joined into one argument; a lone `-` positional (stdin)
 * handed over as {@link STDIN_ARG}, which yargs keeps (it turns a bare `-` into
 * an empty string); `--timeout -5s` joined too, so a negative value gets its own
 * message instead of "Unknown arguments: 5, s".
 */
function joinDashValues(args: string[]): string[] {
  const out: string[] = [];
  let positional = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') positional = false;
    const next = args[i + 1];
    if (DASH_VALUE_FLAGS.has(a) && next === '-') {
      out.push(`${a}=-`);
      i++;
    } else if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else if (a === '-' && positional) out.push(STDIN_ARG);
    else out.push(a);
  }
  return out;
}

/**
 * yargs lays out the whole help of a command as soon as it has started the
 * command's handler (`usage.cacheHelpMessage`, kept for a `showHelp()` from
 * inside the handler): string widths of every option, 10-20 ms of every
 * start. payops never shows help from a handler (a usage error says "Run
 * payops --help"), and `--help` lays it out when asked.
 */
function skipHelpCache(parser: object): void {
  const internal = (parser as { getInternalMethods?: () => { getUsageInstance(): { cacheHelpMessage?: () => void } } }).getInternalMethods;
  const usage = internal?.call(parser).getUsageInstance();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

async function main(): Promise<number> {
  let failure: unknown;
  const args = joinDashValues(hideBin(process.argv));
  const parser = yargs(args)
    .scriptName('payops')
    .usage('$0 <command> [options]\n\nBulk backoffice operations for the Open Payment Platform (OPPWA) gateway.')
    .command(await commandsFor(args))
    .demandCommand(1, 'name a command: run, validate, reconcile, report, state, sim, serve or user')
    .strict()
    .version(version())
    .help()
    // Help is laid out (string widths of every option) only when it is shown: 15-20 ms of every start.
    .wrap(args.includes('--help') || args.includes('-h') ? Math.min(110, process.stdout.columns || 100) : null)
    .epilogue('Exit codes: 0 all rows done, 1 some rows in the failed-rows file, 2 usage error (nothing sent), 3 aborted (rerun continues), 130/143 interrupted.')
    .fail((msg, err) => {
      failure = err ?? new UsageError(`${msg}\nRun payops --help for usage.`);
      throw failure;
    });
  skipHelpCache(parser);
  try {
    await parser.parseAsync();
    // Commands set process.exitCode for the outcomes that are not errors (0 or 1).
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    const e = failure ?? err;
    const code = exitCodeFor(e);
    report(e, args, code);
    return code;
  }
}

const code = (await runUncappedIfNeeded(fileURLToPath(import.meta.url), hideBin(process.argv))) ?? (await main());
process.exitCode = code;
