/**
 * The `payops` bin starts Node with a small heap (its first line) so a long
 * run stays within its memory bound. The simulator keeps every transaction
 * in memory, so a command that hosts it (`payops sim`, `run --gateway sim`)
 * would outgrow that cap on a big batch: it runs again in a child process
 * with Node's default heap. The child follows the parent's signals and exits
 * when the parent is gone (a SIGKILL leaves no simulator behind).
 */
import { spawn } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';

const CHILD_ENV = 'PAYOPS_UNCAPPED_PARENT';
const CAPPED_BELOW_MB = 1024;

function hostsSimulator(args: readonly string[]): boolean {
  if (args[0] === 'sim') return true;
  return args.some((a, i) => a === '--gateway=sim' || (a === '--gateway' && args[i + 1] === 'sim'));
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
  if (!hostsSimulator(args) || getHeapStatistics().heap_size_limit / 2 ** 20 >= CAPPED_BELOW_MB) return undefined;
  const child = spawn(process.execPath, [script, ...args], {
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
