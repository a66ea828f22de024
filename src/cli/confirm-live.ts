/**
 * Before a live run on a terminal: show the row count and the totals per
 * currency and operation, and ask. `--yes` skips this; off a terminal (cron)
 * nothing is asked.
 */
import { createInterface } from 'node:readline/promises';
import { openInput, type InputSource } from '../input/open-input.js';
import { OPERATION_RULES } from '../rows/operations.js';
import { validateRow } from '../rows/validate.js';
import { SignalError, UsageError } from '../errors.js';
import type { ColumnMapping } from '../input/headers.js';
import type { GatewayConfig } from './gateway-config.js';

function addMinor(a: bigint, amount: string): bigint {
  const [i = '0', f = '00'] = amount.split('.');
  return a + BigInt(i) * 100n + BigInt(f.padEnd(2, '0').slice(0, 2));
}

function formatMinor(v: bigint): string {
  return `${v / 100n}.${(v % 100n).toString().padStart(2, '0')}`;
}

export async function confirmLiveRun(
  inputPath: string,
  source: InputSource,
  gw: GatewayConfig,
  opts: { decimalComma: boolean; allowCardData: boolean; columns?: ColumnMapping },
): Promise<void> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return;
  if (inputPath === '-') throw new UsageError('a live run from stdin cannot be confirmed on the terminal: add --yes');
  const pass = await openInput(inputPath, {
    encoding: source.dialect.encoding,
    delimiter: source.dialect.delimiter,
    ...(source.dialect.sheet !== undefined ? { sheet: source.dialect.sheet } : {}),
    prescan: false,
    ...(opts.columns ? { columns: opts.columns } : {}),
  });
  let rows = 0;
  let invalid = 0;
  const totals = new Map<string, bigint>();
  try {
    for await (const rec of pass.records) {
      rows++;
      const v = validateRow(pass.headers.valuesOf(rec.cells), opts);
      if (!v.ok) {
        invalid++;
        continue;
      }
      const key = `${OPERATION_RULES[v.op.type].name} ${v.op.currency ?? '(full reversal)'}`;
      totals.set(key, v.op.amount ? addMinor(totals.get(key) ?? 0n, v.op.amount) : (totals.get(key) ?? 0n));
    }
  } finally {
    pass.close?.();
  }
  const lines = [...totals].sort().map(([k, v]) => `  ${k.padEnd(28)} ${formatMinor(v)}`);
  const plain = gw.env.baseUrl.startsWith('http://')
    ? `WARNING: ${gw.env.baseUrl} is plain http://: the access token and the operations would cross the network unencrypted.\n`
    : '';
  const invalidText = invalid > 0 ? `; ${invalid} invalid ${invalid === 1 ? 'row is' : 'rows are'} not sent` : '';
  process.stderr.write(
    `\n${plain}LIVE run against ${gw.env.baseUrl}: ${rows - invalid} of ${rows} ${rows === 1 ? 'row' : 'rows'} to send${invalidText}\n${lines.join('\n')}\n`,
  );
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const interrupted = new Promise<never>((_, reject) =>
    rl.once('SIGINT', () => {
      process.stderr.write('\n');
      const err = new SignalError('SIGINT');
      err.message = 'stopped by Ctrl-C at the confirmation; nothing was sent';
      reject(err);
    }),
  );
  try {
    const answer = await Promise.race([rl.question('Send these operations to the live gateway? Type "yes" to go on: '), interrupted]);
    const a = answer.trim().toLowerCase();
    if (a === 'y') throw new UsageError('not confirmed: type the whole word "yes" to send; nothing was sent');
    if (a !== 'yes') throw new UsageError('not confirmed; nothing was sent');
  } finally {
    rl.close();
  }
}
