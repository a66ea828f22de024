/**
 * SIGINT / SIGTERM: the first stops taking rows, lets requests in flight
 * finish and writes the outputs (exit 130 / 143); a second exits at once,
 * after writing what the journal has queued.
 */
import { SignalError } from '../errors.js';
import { EXIT } from './exit-codes.js';

export interface SignalHandlers {
  signal: AbortSignal;
  dispose(): void;
}

export function installSignalHandlers(opts: { onSecond: () => void; json?: boolean }): SignalHandlers {
  const controller = new AbortController();
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    const name = sig === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    const json = opts.json === true;
    const say = (text: string) =>
      process.stderr.write(json ? JSON.stringify({ schema: 2, event: 'signal', time: new Date().toISOString(), signal: name, message: text }) + '\n' : `\r\x1b[2K\npayops: ${text}\n`);
    if (count === 1) {
      // Ctrl-C is a person at a terminal; SIGTERM is a service manager, which sends no second Ctrl-C.
      const again = name === 'SIGINT' ? '; press Ctrl-C again to stop at once' : '; a second SIGTERM stops at once';
      say(`${name}: no new rows are started; finishing requests in flight and writing outputs${again}`);
      controller.abort(new SignalError(name));
      return;
    }
    opts.onSecond();
    say(`${name} again: stopped at once. The journal has every send and outcome so far: run the same command again to continue (nothing is sent twice)`);
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
