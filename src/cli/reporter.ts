/**
 * What a run says on stderr, by mode (SPEC §3): a terminal gets the
 * environment line, the dialect, a live progress line and the summary; a
 * pipe gets the same without progress; `--quiet` nothing but stopping
 * errors; `--log-format json` one JSON object per line.
 */
import { writeFileSync } from 'node:fs';
import type { GatewayEnvironment } from '../gateway/environment.js';
import type { InputSource } from '../input/records.js';
import { describeDialect } from '../input/dialect.js';
import { JsonLog } from '../output/json-log.js';
import { Progress } from '../output/progress.js';
import { Summary } from '../output/summary.js';
import type { RowOutcome } from '../rows/types.js';
import type { StatusCounts } from './exit-codes.js';

const FAILED = new Set(['rejected', 'invalid', 'failed', 'unknown']);

export interface ReporterOptions {
  quiet: boolean;
  json: boolean;
  stream: NodeJS.WriteStream;
}

export class Reporter {
  readonly summary = new Summary();
  readonly counts: StatusCounts = {};
  private progress: Progress | undefined;
  private jsonLog: JsonLog | undefined;
  private environment: GatewayEnvironment | undefined;
  private readonly tty: boolean;
  private readonly color: boolean;
  /** `--log-format json`: a `progress` event at most every 500 ms (rows done, total, counts), for `payops serve`. */
  private progressAt = 0;
  private progressTotal: number | undefined;

  constructor(private readonly o: ReporterOptions) {
    this.tty = Boolean(o.stream.isTTY);
    this.color = this.tty && !process.env.NO_COLOR;
    if (o.json) this.jsonLog = new JsonLog(o.stream);
  }

  private say(line: string): void {
    if (!this.o.quiet && !this.o.json) this.o.stream.write(line + '\n');
  }

  start(info: { environment: GatewayEnvironment; input: string; source: InputSource; stateDir: string; dryRun: boolean }): void {
    this.environment = info.environment;
    const env = info.environment;
    const dialect = describeDialect(info.source.dialect);
    if (this.jsonLog) {
      this.jsonLog.start({
        environment: { kind: env.kind, gateway: env.baseUrl },
        input: info.input,
        dialect: info.source.dialect,
        notices: info.source.notices,
        dry_run: info.dryRun,
      });
      this.progressTotal = info.source.recordCount;
      return;
    }
    this.say(`payops: gateway ${env.label}${info.dryRun ? ' (dry run: nothing is sent)' : ''}`);
    this.say(`payops: ${dialect}`);
    for (const n of info.source.notices) this.say(`payops: ${n}`);
    if (this.tty && !this.o.quiet) this.progress = new Progress(this.o.stream, { color: this.color, ...(info.source.recordCount !== undefined ? { total: info.source.recordCount } : {}) });
  }

  row(outcome: RowOutcome, dryRun: boolean): void {
    this.summary.add(outcome);
    this.counts[outcome.status] = (this.counts[outcome.status] ?? 0) + 1;
    if (dryRun) {
      this.say(`line ${outcome.line}: ${dryRunAction(outcome)}`);
      return;
    }
    this.progress?.add(outcome);
    if (this.jsonLog && FAILED.has(outcome.status)) this.jsonLog.row(outcome);
    if (this.jsonLog && Date.now() - this.progressAt >= 500) {
      this.progressAt = Date.now();
      let rows = 0;
      for (const n of Object.values(this.counts)) rows += n ?? 0;
      this.jsonLog.event('progress', { rows, total: this.progressTotal ?? null, by_status: { ...this.counts } });
    }
  }

  finish(info: {
    elapsedMs: number;
    inputSha256: string;
    exitCode: number;
    outputs: { results: string; failed: string | undefined } | undefined;
    summaryJson: string | undefined;
    stoppedBy: Error | undefined;
  }): void {
    this.progress?.finish();
    const env = this.environment;
    const json = this.summary.toJSON({
      environment: env ? { kind: env.kind, gateway: env.baseUrl } : undefined,
      inputSha256: info.inputSha256,
      exitCode: info.exitCode,
      elapsedMs: info.elapsedMs,
      ...(info.outputs ? { outputs: info.outputs } : {}),
      ...(info.stoppedBy ? { stoppedBy: info.stoppedBy.message } : {}),
    });
    if (info.summaryJson) writeFileSync(info.summaryJson, JSON.stringify(json, null, 2) + '\n');
    if (this.jsonLog) {
      this.jsonLog.summary(json);
      return;
    }
    if (this.o.quiet) return;
    this.o.stream.write(this.summary.toText({ color: this.color, elapsedMs: info.elapsedMs }));
    if (info.outputs) {
      this.say(`results:     ${info.outputs.results}`);
      this.say(`failed rows: ${info.outputs.failed ?? '(none)'}`);
    }
  }
}

function dryRunAction(o: RowOutcome): string {
  if (o.status === 'invalid') return `invalid: ${o.error ?? ''}`;
  if (o.alreadyDone) return `skip: already done (${o.status}, ${o.note ?? ''})`;
  if (o.status === 'failed') return `refuse: ${o.error ?? ''}`;
  return o.note === 'would send' ? `send (merchant_transaction_id ${o.merchantTransactionId ?? ''})` : `look up (merchant_transaction_id ${o.merchantTransactionId ?? ''})`;
}
