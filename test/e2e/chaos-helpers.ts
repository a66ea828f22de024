/**
 * Helpers of the kill -9 campaigns: kill a run once requests are flowing,
 * a chosen moment later, and count what the ledger executed per id.
 */
import type { ChildProcess } from 'node:child_process';
import type { LedgerTx, SimProcess } from './harness.js';

/**
 * An `onSpawn` for runCli that sends SIGKILL `delayMs` after the ledger has
 * grown past `before` entries: a slow start on a loaded machine must not turn
 * the kill into a no-op.
 */
export function killOnceFlowing(sim: SimProcess, before: number, delayMs: number): (child: ChildProcess) => void {
  return (child) => {
    const poll = async (): Promise<void> => {
      while (child.exitCode === null && child.signalCode === null) {
        if ((await sim.transactions()).length > before) {
          setTimeout(() => child.kill('SIGKILL'), delayMs);
          return;
        }
      }
    };
    void poll();
  };
}

/** Whether the gateway executed the transaction (a success-group code; rejections are recorded too). */
export function executed(t: LedgerTx): boolean {
  return /^000\.(000|100|200|300|400|600)/.test(t.resultCode);
}

/** Executions per merchant transaction id. */
export function executionsById(ledger: readonly LedgerTx[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of ledger) if (executed(t)) m.set(t.merchantTransactionId ?? '', (m.get(t.merchantTransactionId ?? '') ?? 0) + 1);
  return m;
}
