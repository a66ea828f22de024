/**
 * `payops reconcile <results>`: look up the pending and unknown rows of a
 * results file at the gateway and write an updated results file. Sends no
 * operation, only lookups (which count against --rate).
 */
import type { Argv, CommandModule } from 'yargs';
import { GatewayClient } from '../gateway/client.js';
import { interpretLookup, type LookupTarget } from '../gateway/lookup.js';
import { buildLookupRequest } from '../gateway/requests.js';
import { openInput } from '../input/open-input.js';
import { Pacer } from '../batch/pacer.js';
import { normalizeHeader } from '../input/headers.js';
import { createCsvWriter } from '../output/csv-writer.js';
import { neutraliseFormula } from '../output/csv-text.js';
import { parseOperation } from '../rows/operations.js';
import { baseOf, generationOf, idsThrough, isDerivedId } from '../plan/txid.js';
import { UsageError } from '../errors.js';
import { plural } from '../output/summary.js';
import { OPEN } from '../statuses.js';
import { EXIT } from './exit-codes.js';
import { resolveGatewayConfig } from './gateway-config.js';
import * as z from 'zod';
import {
  flag, GATEWAY_SHAPE, TEST_MODE_SHAPE, gatewayOf, INPUT_SHAPE, inputOf, logFormat, parseOptions, readerOptions, RECONCILE_OPTIONS, stripApiVersion, text, TUNING_SHAPE, tuningOf,
} from './options.js';
import { defaultOutputPath } from './paths.js';

export const reconcileCommand: CommandModule = {
  command: 'reconcile <results>',
  describe: 'look up pending and unknown rows of a results file; write an updated results file; sends no operation',
  builder: (y: Argv) =>
    y.positional('results', { type: 'string', describe: 'a results file written by payops run' }).options(RECONCILE_OPTIONS),
  handler: async (argv) => {
    process.exitCode = await reconcile(argv as Record<string, unknown>);
  },
};

/** `payops reconcile`'s flags (RECONCILE_OPTIONS), checked and defaulted. */
const RECONCILE_SCHEMA = z
  .object({
    ...TEST_MODE_SHAPE,
    ...TUNING_SHAPE,
    results: z.transform(String),
    ...GATEWAY_SHAPE,
    encoding: INPUT_SHAPE.encoding,
    delimiter: INPUT_SHAPE.delimiter,
    out: text,
    quiet: flag,
    'log-format': logFormat,
    'summary-json': text,
    'state-dir': text,
    'state-url': text,
  })
  .transform((o) => ({
    results: o.results,
    tuning: tuningOf(o).tuning,
    gateway: gatewayOf(o),
    read: inputOf({ encoding: o.encoding, delimiter: o.delimiter }),
    out: o.out,
    quiet: o.quiet,
  }));

export type ReconcileOptions = z.output<typeof RECONCILE_SCHEMA> & { warnings: string[] };

/** argv as yargs hands it over → the one options object reconcile reads (a trailing /v1 off the gateway URL, with a warning). */
export function normaliseReconcileOptions(argv: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): ReconcileOptions {
  const o = parseOptions(RECONCILE_SCHEMA, argv);
  const { gateway, warning } = stripApiVersion(o.gateway, env);
  return { ...o, gateway, warnings: warning ? [warning] : [] };
}


export async function reconcile(argv: Record<string, unknown>): Promise<number> {
  const o = normaliseReconcileOptions(argv);
  const { tuning, quiet } = o;
  const path = o.results;
  const source = await openInput(path, { ...readerOptions(o.read), headerMode: 'results' });
  const col = new Map<string, number>();
  source.header.forEach((name, i) => {
    const n = normalizeHeader(name);
    if (!col.has(n)) col.set(n, i);
  });
  const need = ['status', 'merchanttransactionid', 'paymenttype', 'resultcode', 'resultdescription', 'newpaymentid', 'processedat', 'note', 'error'];
  const missing = need.filter((n) => !col.has(n));
  if (missing.length) {
    throw new UsageError(`${path} is not a payops results file: it has no ${missing.join(', ')} column; reconcile reads the results file a run wrote`);
  }
  const idx = (n: string) => col.get(n)!;
  if (!quiet) for (const w of o.warnings) process.stderr.write(`payops: warning: ${w}\n`);
  const gw = await resolveGatewayConfig(o.gateway);
  const client = new GatewayClient({ baseUrl: gw.env.baseUrl, token: gw.token, connections: tuning.concurrency, timeoutMs: tuning.timeoutMs });
  const pacer = new Pacer(tuning.rate);
  const outPath = o.out ?? defaultOutputPath(path, 'reconciled');
  const writer = createCsvWriter(outPath, source.dialect, { header: source.header.map(neutraliseFormula), inputPath: path, role: 'reconciled results file' });
  let looked = 0;
  let changed = 0;
  let stillOpen = 0;
  /** Rows looked up that are still pending or unknown. */
  let stillOpenLooked = 0;
  try {
    for await (const rec of source.records) {
      const cells = [...rec.cells];
      const status = cells[idx('status')] ?? '';
      const id = (cells[idx('merchanttransactionid')] ?? '').trim();
      if (OPEN.has(status) && id) {
        looked++;
        const values = source.headers.valuesOf(cells);
        const entity = (values.entity_id?.trim().toLowerCase() || gw.defaultEntityId) ?? '';
        const type = parseOperation(cells[idx('paymenttype')] ?? '') ?? parseOperation(values.operation ?? '');
        const target: LookupTarget = { type: type ?? '' };
        if (values.payment_id?.trim()) target.paymentId = values.payment_id.trim().toLowerCase();
        const ids = isDerivedId(id) ? idsThrough(baseOf(id), generationOf(id)) : [id];
        let absent = 0;
        let settled = false;
        for (const one of ids) {
          await pacer.ready();
          const ans = interpretLookup(await client.send(buildLookupRequest(one, entity)), target);
          if (ans.kind === 'found' && (ans.status !== 'rejected' || one === id)) {
            cells[idx('status')] = ans.status;
            cells[idx('resultcode')] = ans.result.code;
            cells[idx('resultdescription')] = neutraliseFormula(ans.result.description);
            if (ans.result.id) cells[idx('newpaymentid')] = ans.result.id;
            cells[idx('processedat')] = new Date().toISOString();
            const open = OPEN.has(ans.status);
            cells[idx('note')] = open ? `looked up by reconcile: the gateway still reports ${ans.result.code} (${ans.status})` : `found by reconcile (was ${status})`;
            cells[idx('error')] = '';
            settled = !open;
            changed++;
            if (ans.status !== 'rejected') break;
          } else if (ans.kind === 'absent') {
            absent++;
          } else if (ans.kind === 'credentials') {
            throw new UsageError(`the gateway refused the credentials for entity ${entity}: check OPPWA_ACCESS_TOKEN or --token-file, and --entity-id`);
          }
        }
        // One "absent" proves nothing: the request may still be queued in front of the gateway, and a new
        // transaction shows in lookups only after the gateway's query lag. The row stays unknown; only a run
        // (which looks it up again, --settle apart, before any resend) may send it.
        if (absent === ids.length && status === 'unknown') {
          cells[idx('note')] =
            'not found at the gateway yet (it may still show after the query lag): do not enter this row again by hand; run the original file again, which looks it up before any resend';
        }
        if (!settled) {
          stillOpen++;
          stillOpenLooked++;
        }
        if (!quiet) process.stderr.write(`line ${rec.line}: ${status} → ${cells[idx('status')]}\n`);
      } else if (OPEN.has(status)) {
        stillOpen++;
      }
      const w = writer.write(cells);
      if (w) await w;
    }
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await client.close();
    await gw.sim?.close();
  }
  if (!quiet) {
    const settledRows = looked - stillOpenLooked;
    process.stderr.write(
      `reconcile: ${plural(looked, 'row')} looked up: ${settledRows} settled, ${stillOpenLooked} still pending or unknown` +
        `${stillOpen > stillOpenLooked ? ` (and ${stillOpen - stillOpenLooked} without a merchant_transaction_id, not looked up)` : ''}` +
        `${changed > settledRows ? `; ${changed - settledRows} of the open rows have newer details` : ''} → ${outPath}\n`,
    );
  }
  return stillOpen > 0 ? EXIT.rowsFailed : EXIT.ok;
}
