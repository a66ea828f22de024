/**
 * SIGINT / SIGTERM: the first stops taking rows, lets requests in flight
 * finish and writes the outputs (exit 130 / 143); a second exits at once,
 * after writing what the journal has queued.
 */
import { SignalError } from './errors.js';
import { EXIT } from './exit-codes.js';

export interface SignalHandlers {
  signal: AbortSignal;
  dispose(): void;
}

export function installSignalHandlers(opts: { onSecond: () => void }): SignalHandlers {
  const controller = new AbortController();
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    const name = sig === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    if (count === 1) {
      process.stderr.write(`\npayops: ${name}: finishing requests in flight and writing outputs; press Ctrl-C again to stop at once\n`);
      controller.abort(new SignalError(name));
      return;
    }
    opts.onSecond();
    process.exit(name === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
