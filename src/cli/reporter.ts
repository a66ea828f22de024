/**
 * What a run says on stderr, by mode (docs/outputs.md#stderr): a terminal gets the
 * environment line, the dialect, a live progress line and the summary; a
 * pipe gets the same without progress; `--quiet` nothing but stopping
 * errors; `--log-format json` one JSON object per line.
 */
import { writeFileSync } from 'node:fs';
import type { GatewayEnvironment } from '../gateway/environment.js';
import type { InputSource } from '../input/open-input.js';
import { describeDialect } from '../input/dialect.js';
import { JsonLog } from '../output/json-log.js';
import { Progress } from '../output/progress.js';
import { Summary } from '../output/summary.js';
import type { RowOutcome } from '../rows/types.js';
import type { StatusCounts } from './exit-codes.js';
import { FAILED_FILE } from '../statuses.js';
import { markSummaryWritten, snakeKeys } from '../output/summary.js';
import { parseAmount } from '../rows/amount.js';
import { maskUrlPasswords, safeMessage } from './safe-message.js';
import { maskCardNumbersThoroughly } from '../rows/card-mask.js';

export interface ReporterOptions {
  quiet: boolean;
  json: boolean;
  stream: NodeJS.WriteStream;
  /** A dry run: rows to send are shown as `would send`, with the totals that would be sent. */
  dryRun?: boolean;
  /** `--decimal-comma` was given (else invalid amounts are checked against it for a hint). */
  decimalComma?: boolean;
}

export class Reporter {
  readonly summary: Summary;
  readonly counts: StatusCounts = {};
  private source: InputSource | undefined;
  /** The input's notices said at the start; any later ones are said at the end. */
  private noticesShown = 0;
  private sourceName: string | undefined;
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
    this.summary = new Summary({ dryRun: Boolean(o.dryRun) });
    if (o.json) this.jsonLog = new JsonLog(o.stream);
  }

  private say(line: string): void {
    if (this.o.quiet || this.o.json) return;
    this.progress?.clear();
    this.o.stream.write(safeMessage(line) + '\n');
  }

  /** A warning: a line of text, or a `warning` event. Not under --quiet. */
  warn(message: string): void {
    if (this.o.quiet) return;
    if (this.jsonLog) this.jsonLog.event('warning', { message: safeMessage(message) });
    else this.say(`payops: warning: ${message}`);
  }

  /** What the run waits for, on the progress line (lookups, --settle): a describer, or undefined when nothing waits. */
  waiting(describe: (() => string | undefined) | undefined): void {
    this.progress?.setWaiting(describe);
    if (!this.jsonLog) return;
    // JSON: a progress event now and every second while rows wait (no rows arrive then), with what waits.
    this.waitingFor = describe;
    if (this.waitTicker) clearInterval(this.waitTicker);
    this.waitTicker = undefined;
    this.progressEvent();
    if (describe) {
      this.waitTicker = setInterval(() => this.progressEvent(), 1000);
      this.waitTicker.unref();
    }
  }

  private waitingFor: (() => string | undefined) | undefined;
  private waitTicker: NodeJS.Timeout | undefined;

  /** The JSON `progress` event: rows done, total, counts by status, and rows waiting for a lookup (`waiting`: how many, `waiting_text`: and when the next is due). */
  private progressEvent(): void {
    this.progressAt = Date.now();
    let rows = 0;
    for (const n of Object.values(this.counts)) rows += n ?? 0;
    const text = this.waitingFor?.();
    const waiting = text ? Number(/waiting for (\d+)/.exec(text)?.[1] ?? 0) : 0;
    this.jsonLog!.event('progress', { rows, total: this.progressTotal ?? null, by_status: { ...this.counts }, waiting, ...(text ? { waiting_text: text } : {}) });
  }

  start(info: { environment: GatewayEnvironment; input: string; source: InputSource; stateDir: string; dryRun: boolean; sourceName?: string }): void {
    this.environment = info.environment;
    this.source = info.source;
    this.noticesShown = info.source.notices.length;
    this.sourceName = info.sourceName;
    this.jsonLog?.setUserColumns(info.source.headers.userColumns);
    const env = info.environment;
    const dialect = describeDialect(info.source.dialect);
    if (this.jsonLog) {
      this.jsonLog.start({
        environment: { kind: env.kind, gateway: env.baseUrl },
        input: info.input,
        dialect: snakeKeys({ ...info.source.dialect }),
        notices: info.source.notices,
        dry_run: info.dryRun,
      });
      this.progressTotal = info.source.recordCount;
      return;
    }
    this.say(`payops: gateway ${env.label}${info.dryRun ? ' (dry run: nothing is sent, no token needed)' : ''}`);
    this.say(`payops: ${dialect}`);
    for (const n of info.source.notices) this.say(`payops: ${n}`);
    if (this.tty && !this.o.quiet) this.progress = new Progress(this.o.stream, { color: this.color, ...(info.source.recordCount !== undefined ? { total: info.source.recordCount } : {}) });
  }

  row(outcome: RowOutcome, dryRun: boolean): void {
    this.summary.add(outcome);
    this.counts[outcome.status] = (this.counts[outcome.status] ?? 0) + 1;
    if (outcome.status === 'invalid' && !this.o.decimalComma && this.wouldPassWithDecimalComma(outcome)) this.summary.noteDecimalComma();
    if (dryRun) {
      this.say(`line ${outcome.line}: ${dryRunAction(outcome)}`);
      return;
    }
    this.progress?.add(outcome);
    // Rows the run never started: one event for all of them, at the end (not one line per row).
    if (outcome.notStarted) return;
    if (this.jsonLog && FAILED_FILE.has(outcome.status)) this.jsonLog.row(outcome);
    if (this.jsonLog && Date.now() - this.progressAt >= 500) this.progressEvent();
  }

  /** An invalid row whose amount is fine with --decimal-comma but not without. */
  private wouldPassWithDecimalComma(o: RowOutcome): boolean {
    const values = this.source?.headers.valuesOf(o.cells);
    const amount = values?.amount?.trim();
    if (!amount || !amount.includes(',')) return false;
    const currency = values?.currency?.trim() || undefined;
    return !parseAmount(amount, currency, { decimalComma: false }).ok && parseAmount(amount, currency, { decimalComma: true }).ok;
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
    if (this.waitTicker) clearInterval(this.waitTicker);
    // Notices found while the rows were read (a file read once: stdin, a dry run): a column without a header
    // holding values, hidden rows of a workbook. Said here, since the start had not seen them.
    for (const n of this.source?.notices.slice(this.noticesShown) ?? []) this.warn(n);
    const env = this.environment;
    const json = this.summary.toJSON({
      environment: env ? { kind: env.kind, gateway: env.baseUrl } : undefined,
      inputSha256: info.inputSha256,
      exitCode: info.exitCode,
      elapsedMs: info.elapsedMs,
      ...(info.outputs ? { outputs: info.outputs } : {}),
      ...(info.stoppedBy ? { stoppedBy: info.stoppedBy.message } : {}),
    });
    if (info.summaryJson) {
      writeFileSync(info.summaryJson, JSON.stringify(json, null, 2) + '\n');
      markSummaryWritten();
    }
    const doneWarning = this.summary.alreadyDoneWarning(this.sourceName);
    if (this.jsonLog) {
      if (this.summary.notStarted > 0) {
        this.jsonLog.event('not_started', {
          rows: this.summary.notStarted,
          message: 'not started: the run was stopped — run the same command again',
        });
      }
      if (doneWarning) this.warn(doneWarning);
      this.jsonLog.summary(json);
      // The reason a run stopped, as JSON too (the top-level catch then writes nothing more).
      if (info.stoppedBy) {
        this.jsonLog.event('error', { exit_code: info.exitCode, message: safeMessage(info.stoppedBy.message) });
        (info.stoppedBy as { logged?: boolean }).logged = true;
      }
      return;
    }
    if (this.o.quiet) return;
    // Not safeMessage: that would escape the summary's own colours; its file names are escaped where they enter it.
    this.o.stream.write(maskUrlPasswords(maskCardNumbersThoroughly(this.summary.toText({ color: this.color, elapsedMs: info.elapsedMs }))));
    if (doneWarning) this.warn(doneWarning);
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
  const what = o.op ? `${o.op.type}${o.op.amount ? ` ${o.op.amount} ${o.op.currency ?? ''}` : ''}` : '';
  return o.note === 'would send'
    ? `would send ${what} (merchant_transaction_id ${o.merchantTransactionId ?? ''})`
    : `would look up (merchant_transaction_id ${o.merchantTransactionId ?? ''}: an earlier send has no known outcome)`;
}
