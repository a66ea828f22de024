/**
 * `payops run <input|->`: process a file of operations against the gateway
 * and write the results and failed-rows files (SPEC §3, §4, §5).
 */
import type { Argv, CommandModule } from 'yargs';
import { basename } from 'node:path';
import { runBatch } from '../batch/run-batch.js';
import { GatewayClient } from '../gateway/client.js';
import { openInput } from '../input/records.js';
import { Planner } from '../plan/planner.js';
import { openState, stateUrlOf } from '../plan/store/open.js';
import { cardRef, IdDeriver } from '../plan/txid.js';
import { UsageError } from './errors.js';
import { resolveGatewayConfig } from './gateway-config.js';
import { checkSettle, normaliseTuning, RUN_OPTIONS, inputOptions } from './options.js';
import { refuseResultsFileAsInput } from './results-as-input.js';
import { confirmLiveRun } from './confirm-live.js';
import { checkOutputPaths, defaultOutputPath } from './paths.js';
import { Reporter } from './reporter.js';
import { exitCodeFor, exitCodeForRows } from './exit-codes.js';
import { installSignalHandlers } from './signals.js';
import { openWriters } from './writers.js';
import type { RowOutcome } from '../rows/types.js';
import { RunReport } from '../report/run-report.js';
import { checkReportPath, payopsVersion, writeRunReport } from '../report/write.js';
import { referOutcomeToCell } from '../rows/validate.js';

export const runCommand: CommandModule = {
  command: 'run <input>',
  describe: 'process a file of operations (- reads stdin; then --out and --failed are needed)',
  builder: (y: Argv) =>
    y
      .positional('input', { type: 'string', describe: 'CSV of operations, or - for stdin' })
      .options(RUN_OPTIONS)
      .example('$0 run refunds.csv --gateway test', 'rehearse on the test host (token from OPPWA_ACCESS_TOKEN)')
      .example('$0 run refunds.csv --gateway sim --sim-seed payments.csv', 'try it on the built-in simulator'),
  handler: async (argv) => {
    process.exitCode = await run(argv as Record<string, unknown>);
  },
};

export async function run(argv: Record<string, unknown>): Promise<number> {
  const tuning = normaliseTuning(argv);
  checkSettle(tuning, argv);
  const inputPath = String(argv.input);
  const stdin = inputPath === '-';
  if (stdin && (!argv.out || !argv.failed)) {
    throw new UsageError('reading stdin needs --out and --failed (there is no input file to put them beside)');
  }
  const dryRun = Boolean(argv['dry-run']);
  const outPath = (argv.out as string | undefined) ?? defaultOutputPath(inputPath, 'results');
  const failedPath = (argv.failed as string | undefined) ?? defaultOutputPath(inputPath, 'failed');
  const summaryPath = argv['summary-json'] as string | undefined;
  const reportPath = argv.report as string | undefined;
  if (reportPath !== undefined) {
    if (dryRun) throw new UsageError('--report describes what a run did; --dry-run sends nothing, so there is nothing to report');
    checkReportPath(reportPath);
  }
  // Before anything is read from the gateway or sent to it.
  checkOutputPaths(inputPath, [
    { name: '--out', path: outPath },
    { name: '--failed', path: failedPath },
    ...(summaryPath !== undefined ? [{ name: '--summary-json', path: summaryPath }] : []),
    ...(reportPath !== undefined ? [{ name: '--report', path: reportPath }] : []),
  ]);
  const source = await openInput(inputPath, inputOptions(argv));
  refuseResultsFileAsInput(source.header, stdin ? 'the input on stdin' : inputPath);
  const gw = await resolveGatewayConfig(argv);
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    if (gw.sim) cleanup.push(() => gw.sim!.close());
    if (!gw.defaultEntityId && source.headers.fields.entity_id === undefined) {
      throw new UsageError('no entity: pass --entity-id or set OPPWA_ENTITY_ID, or add an entity_id column');
    }
    const reporter = new Reporter({
      quiet: Boolean(argv.quiet),
      json: argv['log-format'] === 'json',
      stream: process.stderr,
    });

    if (gw.env.kind === 'live' && !argv.yes && !dryRun) {
      await confirmLiveRun(inputPath, source, gw, {
        decimalComma: Boolean(argv['decimal-comma']),
        allowCardData: Boolean(argv['allow-card-data']),
      });
    }

    const stateUrl = stateUrlOf(argv);
    const state = await openState({
      ...(argv['state-dir'] ? { stateDir: String(argv['state-dir']) } : {}),
      ...(stateUrl ? { stateUrl } : {}),
      partition: gw.env.partition,
      // The in-process simulator's state lives and dies with it.
      temporary: gw.sim !== undefined,
      lock: !dryRun,
      breakLock: Boolean(argv['break-lock']),
      requestTimeoutMs: tuning.timeoutMs,
    });
    cleanup.push(() => state.release());
    const journal = state.store;
    cleanup.push(() => journal.close());
    const cardKey = state.cardKey;
    const planner = new Planner(
      journal,
      new IdDeriver({
        batchId: String(argv['batch-id'] ?? ''),
        defaultEntityId: gw.defaultEntityId ?? '',
        cardKey,
        ...(source.recordCount !== undefined ? { expectedRows: source.recordCount } : {}),
      }),
      { retryRejected: Boolean(argv['retry-rejected']), lookupFirst: Boolean(argv['lookup-first']) },
    );
    // The report's clock starts with the run (after a live confirmation).
    const runReport = reportPath !== undefined ? new RunReport({ header: source.header, fieldIndex: source.headers.fields }) : undefined;
    const client = new GatewayClient({
      baseUrl: gw.env.baseUrl,
      token: gw.token,
      connections: tuning.concurrency,
      timeoutMs: tuning.timeoutMs,
      ...(runReport ? { onExchange: (ms: number, kind: 'answered' | 'not-sent' | 'lost', method: string) => runReport.metrics.exchange(ms, kind, method === 'GET') } : {}),
    });
    cleanup.push(() => client.close());

    reporter.start({ environment: gw.env, input: stdin ? 'stdin' : inputPath, source, stateDir: state.where, dryRun });
    const writers = dryRun
      ? undefined
      : openWriters({ inputPath, outPath, failedPath, source });
    // A run that ends in an error leaves no half-written output (after a commit this does nothing).
    if (writers) cleanup.push(() => writers.abort());
    const signals = installSignalHandlers({
      onSecond: () => {
        journal.closeNow();
        void state.release();
        writers?.abort();
      },
    });
    cleanup.push(() => signals.dispose());

    const started = Date.now();
    const result = await runBatch({
      batches: source.batches,
      valuesOf: (cells) => source.headers.valuesOf(cells),
      sourceName: stdin ? 'stdin' : basename(inputPath),
      defaultEntityId: gw.defaultEntityId,
      client,
      journal,
      planner,
      cardRef: (number) => cardRef(cardKey, number),
      ...tuning,
      decimalComma: Boolean(argv['decimal-comma']),
      allowCardData: Boolean(argv['allow-card-data']),
      ...(gw.testMode ? { testMode: gw.testMode } : {}),
      dryRun,
      sink: async (outcome) => {
        referOutcomeToCell(outcome); // a workbook row's error names its cell (D7)
        reporter.row(outcome, dryRun);
        runReport?.row(outcome);
        if (writers) await writers.write(outcome);
      },
      ...(writers?.canDefer
        ? {
            deferral: {
              defer: () => writers.defer(),
              fill: (place: unknown, outcome: RowOutcome) => {
                reporter.row(outcome, false);
                runReport?.row(outcome);
                writers.fill(place as ReturnType<typeof writers.defer>, outcome);
              },
            },
          }
        : {}),
      // The state store failing (full disk, lost connection or lease) stops the run as a signal does.
      stopSignal: AbortSignal.any([signals.signal, journal.failure]),
    });
    await writers?.commit();
    if (runReport && reportPath !== undefined) {
      writeRunReport(
        reportPath,
        runReport.model({
          environment: { kind: gw.env.kind, gateway: gw.env.baseUrl },
          input: { name: stdin ? 'stdin' : basename(inputPath), sha256: source.sha256() },
          elapsedMs: Date.now() - started,
          version: payopsVersion(),
          generatedAt: new Date().toISOString(),
          ...(writers?.failedWritten ? { failedFile: basename(failedPath) } : {}),
          ...(result.stoppedBy ? { stopped: result.stoppedBy.message } : {}),
        }),
        writers ? outPath : undefined,
      );
    }
    const exitCode = result.stoppedBy
      ? exitCodeFor(result.stoppedBy)
      : exitCodeForRows(reporter.counts, Boolean(argv.strict));
    reporter.finish({
      elapsedMs: Date.now() - started,
      inputSha256: source.sha256(),
      exitCode,
      outputs: writers ? { results: outPath, failed: writers.failedWritten ? failedPath : undefined } : undefined,
      summaryJson: argv['summary-json'] as string | undefined,
      stoppedBy: result.stoppedBy,
    });
    if (result.stoppedBy) throw result.stoppedBy;
    return exitCode;
  } finally {
    for (const fn of cleanup.reverse()) await fn();
  }
}
