#!/usr/bin/env -S node --max-semi-space-size=8 --max-old-space-size=96
/**
 * The payops command line. Every command lives in its own file; every error
 * ends here, in the one catch that turns it into a message and an exit code.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { maskCardNumbersThoroughly } from '../rows/card-mask.js';
import { UsageError } from './errors.js';
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
  sim: async () => (await import('./sim.js')).simCommand as unknown as CommandModule,
  serve: async () => (await import('./serve.js')).serveCommand,
  user: async () => (await import('./user.js')).userCommand,
};

/** The commands to register: the one named first, or all of them (for help and for errors about the command). */
async function commandsFor(args: readonly string[]): Promise<CommandModule[]> {
  const named = args[0] !== undefined && Object.hasOwn(COMMANDS, args[0]) ? [args[0]] : Object.keys(COMMANDS);
  return Promise.all(named.map((name) => COMMANDS[name]!()));
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** An error message for the user: one line, no stack trace. */
function report(err: unknown): void {
  // The last line of defence: no message may carry a card number.
  const msg = maskCardNumbersThoroughly(err instanceof Error ? err.message : String(err));
  const known = err instanceof Error && ['UsageError', 'AbortError', 'SignalError'].includes(err.name);
  process.stderr.write(`payops: ${known ? '' : 'unexpected error: '}${msg}\n`);
}

/** Options whose value may be `-` (stdout or stdin); yargs would take a lone `-` for a positional. */
const DASH_VALUE_FLAGS = new Set(['--out', '--failed', '--summary-json']);

function joinDashValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (DASH_VALUE_FLAGS.has(a) && args[i + 1] === '-') {
      out.push(`${a}=-`);
      i++;
    } else out.push(a);
  }
  return out;
}

async function main(): Promise<number> {
  let failure: unknown;
  const args = joinDashValues(hideBin(process.argv));
  const parser = yargs(args)
    .scriptName('payops')
    .usage('$0 <command> [options]\n\nBulk backoffice operations for the Open Payment Platform (OPPWA) gateway.')
    .command(await commandsFor(args))
    .demandCommand(1, 'name a command: run, validate, reconcile, sim, serve or user')
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
  try {
    await parser.parseAsync();
    // Commands set process.exitCode for the outcomes that are not errors (0 or 1).
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    const e = failure ?? err;
    report(e);
    return exitCodeFor(e);
  }
}

const code = (await runUncappedIfNeeded(fileURLToPath(import.meta.url), hideBin(process.argv))) ?? (await main());
process.exitCode = code;
