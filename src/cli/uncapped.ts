/**
 * The `payops` bin starts Node with a small heap (its first line) so a long
 * run stays within its memory bound. The simulator keeps every transaction
 * in memory, so a command that hosts it (`payops sim`, `run --gateway sim`)
 * would outgrow that cap on a big batch: it runs again in a child process
 * with Node's default heap. The child follows the parent's signals and exits
 * when the parent is gone (a SIGKILL leaves no simulator behind).
 *
 * A `run --gateway sim` whose files are small stays in this process: the
 * second start-up (node, yargs, zod, the run's modules: 0.3 s) would be most of
 * the demo's time, and a simulator of a few thousand rows holds a few MB.
 * Small means that every file the command line names (the input, the seed,
 * earlier outputs) adds up to at most {@link IN_PROCESS_MAX_BYTES} and the
 * input is not stdin, whose size is not known in advance.
 */
import { statSync } from 'node:fs';
import { WASM_FLAGS } from './node-flags.js';

const CHILD_ENV = 'PAYOPS_UNCAPPED_PARENT';
const CAPPED_BELOW_MB = 1024;
/**
 * Files up to this size in all keep `run --gateway sim` in one process: about 5,000 rows of a dense CSV or
 * 10,000 of a workbook; the simulator holds about 1.2 KB per payment and operation, so a few MB of the heap.
 */
export const IN_PROCESS_MAX_BYTES = 256 * 1024;

/** Whether a capped process should run `args` again uncapped: it hosts the simulator, and not for a small `run`. */
export function hostsSimulator(args: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (args[0] === 'sim') return true;
  const named = args.some((a) => a === '--gateway' || a.startsWith('--gateway='));
  const sim = args.some((a, i) => a === '--gateway=sim' || (a === '--gateway' && args[i + 1] === 'sim')) || (!named && env.OPPWA_BASE_URL === 'sim');
  return sim && !(args[0] === 'run' && smallFiles(args));
}

/** Whether the files named on a `run` command line add up to at most {@link IN_PROCESS_MAX_BYTES}, stdin not among them. */
function smallFiles(args: readonly string[]): boolean {
  let bytes = 0;
  for (const a of args.slice(1)) {
    if (a === '-') return false; // stdin (or `--out -`: counted as stdin, which only costs a second start)
    const path = a.startsWith('--') ? a.slice(a.indexOf('=') + 1 || a.length) : a;
    if (!path) continue;
    try {
      const st = statSync(path);
      if (st.isFile()) bytes += st.size;
      else if (!st.isDirectory()) return false; // a FIFO or a device: its size says nothing
    } catch {
      // Not a file: a flag, a value, or a path that does not exist yet.
    }
  }
  return bytes <= IN_PROCESS_MAX_BYTES;
}

/**
 * When this process is capped and hosts the simulator, run the same command
 * uncapped in a child and resolve with its exit code; otherwise resolve with
 * undefined and let the caller go on.
 */
export async function runUncappedIfNeeded(script: string, args: readonly string[]): Promise<number | undefined> {
  const parent = process.env[CHILD_ENV];
  if (parent) {
    // The child: exit if the parent is gone.
    const watch = setInterval(() => {
      if (String(process.ppid) !== parent) process.exit(1);
    }, 1000);
    watch.unref();
    return undefined;
  }
  if (!hostsSimulator(args)) return undefined;
  // Loaded here, not at the top: node:v8 and node:child_process (with net and dgram) are 8 ms of a start that needs neither.
  const { getHeapStatistics } = await import('node:v8');
  if (getHeapStatistics().heap_size_limit / 2 ** 20 >= CAPPED_BELOW_MB) return undefined;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...WASM_FLAGS, script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, [CHILD_ENV]: String(process.pid) },
  });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 1));
    });
  });
}
