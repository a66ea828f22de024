/**
 * `payops run <input|->`: process a file of operations against the gateway
 * and write the results and failed-rows files (docs/outputs.md, docs/exactly-once.md, docs/commands.md#run-options).
 */
import type { Argv, CommandModule } from 'yargs';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { lastWritten, recordWritten } from '../plan/superseded.js';
import type { Journal } from '../plan/journal.js';
import { isPayopsSimulator, loopbackLabel } from './gateway-probe.js';
import { runBatch } from '../batch/run-batch.js';
import { GatewayClient } from '../gateway/client.js';
import { openInput } from '../input/open-input.js';
import { Planner } from '../plan/planner.js';
import { openState, stateUrlOf } from '../plan/store/open.js';
import { cardRef, IdDeriver } from '../plan/txid.js';
import { AbortError, afterSending, beforeSending, UsageError } from '../errors.js';
import { resolveGatewayConfig } from './gateway-config.js';
import * as z from 'zod';
import {
  flag, GATEWAY_SHAPE, TEST_MODE_SHAPE, gatewayOf, INPUT_SHAPE, inputOf, inputPositional, logFormat, parseOptions, readerOptions, refuse, RUN_OPTIONS,
  settleNotBelowTimeout, stripApiVersion, text, TUNING_SHAPE, tuningOf,
} from './options.js';
import { refuseResultsFileAsInput } from './results-as-input.js';
import { checkOutputPaths, defaultOutputPath } from './paths.js';
import { Reporter } from './reporter.js';
import { exitCodeFor, exitCodeForRows } from './exit-codes.js';
import { installSignalHandlers } from './signals.js';
import { openWriters } from './writers.js';
import { maskCardNumbersThoroughly } from '../rows/card-mask.js';
import type { RowOutcome } from '../rows/types.js';
import { referOutcomeToCell } from '../rows/validate.js';

export const runCommand: CommandModule = {
  command: 'run <input>',
  describe: 'process a file of operations (- reads stdin; then --out and --failed are needed)',
  builder: (y: Argv) =>
    y
      .positional('input', { type: 'string', describe: 'CSV of operations, or - for stdin' })
      .options(RUN_OPTIONS)
      .example('$0 run refunds.csv --gateway test', 'rehearse on the test host')
      .example('$0 run refunds.csv --gateway sim', 'try it on the built-in simulator')
      .example('$0 run - --out r.csv --failed f.csv', 'read stdin'),
  handler: async (argv) => {
    process.exitCode = await run(argv as Record<string, unknown>);
  },
};

/**
 * `payops run`'s flags (RUN_OPTIONS), checked and defaulted: the refusals in
 * this order, each a UsageError before anything is read or sent.
 */
const RUN_SCHEMA = z
  .object({
    ...TEST_MODE_SHAPE,
    ...TUNING_SHAPE,
    input: inputPositional(),
    out: text,
    failed: text,
    'dry-run': flag,
    'summary-json': text,
    report: text,
    ...GATEWAY_SHAPE,
    ...INPUT_SHAPE,
    quiet: flag,
    'log-format': logFormat,
    strict: flag,
    'state-dir': text,
    'state-url': text,
    'batch-id': text,
    'retry-rejected': flag,
    'break-lock': flag,
    'lookup-first': flag,
  })
  .superRefine(settleNotBelowTimeout)
  .superRefine((o, ctx) => {
    if (o.input === '-' && (!o.out || !o.failed)) refuse(ctx, 'reading stdin needs --out and --failed (there is no input file to put them beside)');
  })
  .superRefine((o, ctx) => {
    if (o.report !== undefined && o['dry-run']) {
      refuse(ctx, '--report describes what a run did; --dry-run sends nothing, so there is nothing to report');
    }
  })
  .transform((o) => {
    const { tuning, warnings } = tuningOf(o);
    return {
      input: o.input,
      tuning,
      warnings,
      gateway: gatewayOf(o),
      read: inputOf(o),
      out: o.out,
      failed: o.failed,
      summaryJson: o['summary-json'],
      report: o.report,
      dryRun: o['dry-run'],
      quiet: o.quiet,
      json: o['log-format'],
      strict: o.strict,
      stateDir: o['state-dir'] || undefined,
      stateUrl: o['state-url'],
      batchId: o['batch-id'] ?? '',
      retryRejected: o['retry-rejected'],
      breakLock: o['break-lock'],
      lookupFirst: o['lookup-first'],
    };
  });

export type RunOptions = z.output<typeof RUN_SCHEMA>;

/** argv as yargs hands it over → the one options object every later step of a run reads. */
export function normaliseRunOptions(argv: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): RunOptions {
  const o = parseOptions(RUN_SCHEMA, argv);
  // A trailing /v1 is taken off the gateway URL, with a warning said first.
  const { gateway, warning } = stripApiVersion(o.gateway, env);
  return { ...o, gateway, warnings: [...(warning ? [warning] : []), ...o.warnings] };
}

/** Where the failed rows go: `path`, unless the file there changed since payops wrote it (then a new name beside it). */
function guardFailedFile(journal: Journal, path: string): { path: string; notice?: string } {
  if (path === '-') return { path };
  const abs = resolve(path);
  const wrote = lastWritten(journal, abs);
  const now = fileSha256(abs);
  if (wrote === undefined || now === undefined || now === wrote) return { path };
  const ext = extname(path);
  // Letters between the numbers: a time stamp must never read as a card number (and be masked in messages).
  const iso = new Date().toISOString();
  const stamp = `${iso.slice(0, 10)}T${iso.slice(11, 13)}h${iso.slice(14, 16)}m${iso.slice(17, 19)}s`;
  const beside = join(dirname(path), `${basename(path, ext)}.${stamp}${ext}`);
  return {
    path: beside,
    notice: `${path} changed since payops wrote it (edited by hand?), so it is left as it is: this run's failed rows go to ${beside}`,
  };
}

/** Remember what payops wrote, so a later run sees an edit. */
function rememberFailedFile(journal: Journal, path: string, src: string): void {
  if (path === '-') return;
  const abs = resolve(path);
  const sha = fileSha256(abs);
  if (sha) recordWritten(journal, abs, sha, src);
}

function fileSha256(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

/** runBatch, with a file-system failure of the outputs (a full disk) said as such: exit 3, the journal has everything. */
async function runBatchSafely(o: Parameters<typeof runBatch>[0] & { client: CountingClient }): ReturnType<typeof runBatch> {
  try {
    return await runBatch(o);
  } catch (err) {
    // A problem found part way through the input (it changed while read, a bad quote on stdin) after requests
    // left is no "nothing sent" exit 2: exit 3, and the same command again continues.
    if (err instanceof UsageError && o.client.sends > 0) {
      throw new AbortError(`${err.message} (rows before it were sent and are journalled: run the same command again to continue)`);
    }
    throw afterSending(err);
  }
}

/** The client, counting the requests that left (so an error part way knows whether anything was sent). */
class CountingClient extends GatewayClient {
  sends = 0;
  override send(req: Parameters<GatewayClient['send']>[0]): ReturnType<GatewayClient['send']> {
    this.sends++;
    return super.send(req);
  }
}

export async function run(argv: Record<string, unknown>): Promise<number> {
  const o = normaliseRunOptions(argv);
  const { tuning, dryRun } = o;
  const inputPath = o.input;
  const stdin = inputPath === '-';
  const outPath = o.out ?? defaultOutputPath(inputPath, 'results');
  let failedPath = o.failed ?? defaultOutputPath(inputPath, 'failed');
  const summaryPath = o.summaryJson;
  const reportPath = o.report;
  // The report's modules (HTML, SVG, metrics) are loaded only for --report; the live prompt's only for a live run.
  const reporting = reportPath !== undefined ? await loadReporting(reportPath) : undefined;
  reporting?.checkReportPath(reporting.path);
  // Before anything is read from the gateway or sent to it.
  checkOutputPaths(inputPath, [
    { name: '--out', path: outPath },
    { name: '--failed', path: failedPath },
    ...(summaryPath !== undefined ? [{ name: '--summary-json', path: summaryPath }] : []),
    ...(reportPath !== undefined ? [{ name: '--report', path: reportPath }] : []),
  ]);
  // A dry run sends nothing, so it need not read the file through first (as validate): a problem part way
  // stops it just the same (exit 2), and the preview of a web upload, which runs one, is faster for it.
  const source = await openInput(inputPath, { ...readerOptions(o.read), ...(dryRun ? { prescan: false } : {}) });
  refuseResultsFileAsInput(source.header, stdin ? 'the input on stdin' : inputPath);
  // A dry run sends nothing, not even a lookup: it needs no token.
  const gw = await resolveGatewayConfig(
    o.gateway,
    dryRun && !process.env.OPPWA_ACCESS_TOKEN?.trim() && o.gateway.tokenFile === undefined
      ? { ...process.env, OPPWA_ACCESS_TOKEN: 'dry-run: no token needed' }
      : process.env,
  );
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    if (gw.sim) cleanup.push(() => gw.sim!.close());
    if (!gw.defaultEntityId && source.headers.fields.entity_id === undefined) {
      throw new UsageError('no entity: pass --entity-id or set OPPWA_ENTITY_ID, or add an entity_id column');
    }

    const reporter = new Reporter({
      quiet: o.quiet,
      json: o.json,
      stream: process.stderr,
      dryRun,
      decimalComma: o.read.decimalComma,
    });

    if (gw.env.kind === 'live' && !o.gateway.yes && !dryRun) {
      const { confirmLiveRun } = await import('./confirm-live.js');
      await confirmLiveRun(inputPath, source, gw, {
        decimalComma: o.read.decimalComma,
        allowCardData: o.read.allowCardData,
        ...readerOptions(o.read),
      });
    }

    for (const w of o.warnings) reporter.warn(w);
    const stateUrl = stateUrlOf({ 'state-url': o.stateUrl });
    let state: Awaited<ReturnType<typeof openState>>;
    try {
      state = await openState({
        ...(o.stateDir ? { stateDir: o.stateDir } : {}),
        ...(stateUrl ? { stateUrl } : {}),
        partition: gw.env.partition,
        // The in-process simulator's state lives and dies with it.
        temporary: gw.sim !== undefined,
        lock: !dryRun,
        breakLock: o.breakLock,
        requestTimeoutMs: tuning.timeoutMs,
      });
    } catch (err) {
      // A state folder that cannot be written (read-only, no permission) is a setting to fix: nothing was sent.
      throw beforeSending(err, 'Choose a writable state folder with --state-dir');
    }
    cleanup.push(() => state.release());
    const journal = state.store;
    cleanup.push(() => journal.close());
    const cardKey = state.cardKey;
    // The file's row count sizes the deriver's counter and the planner's claimed keys once (no growing).
    const expected = source.recordCount !== undefined ? { expectedRows: source.recordCount } : {};
    const planner = new Planner(
      journal,
      new IdDeriver({ batchId: o.batchId, defaultEntityId: gw.defaultEntityId ?? '', cardKey, ...expected }),
      { retryRejected: o.retryRejected, lookupFirst: o.lookupFirst, ...expected },
    );
    // The report's clock starts with the run (after a live confirmation).
    const runReport = reporting !== undefined ? new reporting.RunReport({ header: source.header, fieldIndex: source.headers.fields }) : undefined;
    const client = new CountingClient({
      baseUrl: gw.env.baseUrl,
      token: gw.token,
      connections: tuning.concurrency,
      timeoutMs: tuning.timeoutMs,
      ...(runReport ? { onExchange: (ms: number, kind: 'answered' | 'not-sent' | 'lost', method: string) => runReport.metrics.exchange(ms, kind, method === 'GET') } : {}),
    });
    cleanup.push(() => client.close());

    // Only the real simulator is labelled `gateway sim` (issue 13); the in-process one is known.
    const environment =
      gw.env.kind === 'sim' && !gw.sim ? { ...gw.env, label: loopbackLabel(gw.env.baseUrl, await isPayopsSimulator(gw.env.baseUrl)) } : gw.env;
    // Signals are ours before the start event: a monitor that stops the run as soon as it starts gets a clean stop.
    let writers: ReturnType<typeof openWriters> | undefined;
    const signals = installSignalHandlers({
      json: o.json,
      onSecond: () => {
        journal.closeNow();
        void state.release();
        writers?.abort();
      },
    });
    cleanup.push(() => signals.dispose());
    reporter.start({
      environment,
      input: stdin ? 'stdin' : inputPath,
      source,
      stateDir: state.where,
      dryRun,
      sourceName: stdin ? 'stdin' : maskCardNumbersThoroughly(basename(inputPath)),
    });
    // A failed-rows file changed since payops wrote it (a row corrected in it) is never overwritten: write beside it.
    const failedGuard = dryRun ? { path: failedPath } : guardFailedFile(journal, failedPath);
    if (failedGuard.notice) reporter.warn(failedGuard.notice);
    failedPath = failedGuard.path;
    try {
      writers = dryRun ? undefined : openWriters({ inputPath, outPath, failedPath, source });
    } catch (err) {
      throw beforeSending(err, 'Choose another place with --out and --failed');
    }
    const w = writers;
    // A run that ends in an error leaves no half-written output (after a commit this does nothing).
    if (w) cleanup.push(() => w.abort());

    const started = Date.now();
    const result = await runBatchSafely({
      batches: source.batches,
      valuesOf: (cells) => source.headers.valuesOf(cells),
      // A file named after a card number must not put it in the journal.
      sourceName: stdin ? 'stdin' : maskCardNumbersThoroughly(basename(inputPath)),
      defaultEntityId: gw.defaultEntityId,
      client,
      journal,
      planner,
      cardRef: (number) => cardRef(cardKey, number),
      ...tuning,
      decimalComma: o.read.decimalComma,
      allowCardData: o.read.allowCardData,
      ...(gw.testMode ? { testMode: gw.testMode } : {}),
      dryRun,
      sink: async (outcome) => {
        referOutcomeToCell(outcome); // a workbook row's error names its cell (D7)
        reporter.row(outcome, dryRun);
        runReport?.row(outcome);
        if (writers) await writers.write(outcome);
      },
      ...(w?.canDefer
        ? {
            deferral: {
              defer: () => w.defer(),
              fill: (place: unknown, outcome: RowOutcome) => {
                reporter.row(outcome, false);
                runReport?.row(outcome);
                w.fill(place as ReturnType<typeof w.defer>, outcome);
              },
            },
          }
        : {}),
      // The state store failing (full disk, lost connection or lease) stops the run as a signal does.
      stopSignal: AbortSignal.any([signals.signal, journal.failure]),
      onWaiting: (wait) => reporter.waiting(wait),
    });
    try {
      await writers?.commit();
      if (writers?.failedWritten) rememberFailedFile(journal, failedPath, stdin ? 'stdin' : maskCardNumbersThoroughly(basename(inputPath)));
    } catch (err) {
      throw afterSending(err);
    }
    if (runReport && reporting) {
      reporting.writeRunReport(
        reporting.path,
        runReport.model({
          environment: { kind: gw.env.kind, gateway: gw.env.baseUrl },
          input: { name: stdin ? 'stdin' : maskCardNumbersThoroughly(basename(inputPath)), sha256: source.sha256() },
          elapsedMs: Date.now() - started,
          version: reporting.payopsVersion(),
          generatedAt: new Date().toISOString(),
          ...(writers?.failedWritten ? { failedFile: basename(failedPath) } : {}),
          ...(result.stoppedBy ? { stopped: result.stoppedBy.message } : {}),
        }),
        writers ? outPath : undefined,
      );
    }
    const exitCode = result.stoppedBy
      ? exitCodeFor(result.stoppedBy)
      : exitCodeForRows(reporter.counts, o.strict);
    reporter.finish({
      elapsedMs: Date.now() - started,
      inputSha256: source.sha256(),
      exitCode,
      outputs: writers ? { results: outPath, failed: writers.failedWritten ? failedPath : undefined } : undefined,
      summaryJson: o.summaryJson,
      stoppedBy: result.stoppedBy,
    });
    if (result.stoppedBy) throw result.stoppedBy;
    return exitCode;
  } finally {
    for (const fn of cleanup.reverse()) await fn();
  }
}

/** What `--report FILE` needs: its path, the run's report model and its writer. */
async function loadReporting(path: string) {
  const [{ RunReport }, { checkReportPath, payopsVersion, writeRunReport }] = await Promise.all([import('../report/run-report.js'), import('../report/write.js')]);
  return { path, RunReport, checkReportPath, payopsVersion, writeRunReport };
}
