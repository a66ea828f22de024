/**
 * The report of a run, collected while it runs: every outcome the run writes
 * goes to {@link RunReport.row}, every exchange with the gateway to
 * {@link RunReport.metrics}. At the end, {@link RunReport.model} gives the
 * same model `payops report` builds from the results file, plus the run's
 * throughput and latency.
 */
import type { ColumnLayout, RowOutcome } from '../rows/types.js';
import { RunMetrics } from './metrics.js';
import { ReportBuilder, type ReportLimits, type ReportMeta, type ReportModel } from './model.js';
import { OutcomeRows } from './rows.js';

export class RunReport {
  readonly metrics = new RunMetrics();
  private readonly builder: ReportBuilder;
  private readonly rows: OutcomeRows;
  private readonly startedAt = new Date().toISOString();

  constructor(layout: ColumnLayout, limits?: ReportLimits) {
    this.rows = new OutcomeRows(layout);
    this.builder = new ReportBuilder(limits);
  }

  row(outcome: RowOutcome): void {
    this.metrics.row();
    this.builder.add(this.rows.row(outcome));
  }

  model(meta: Omit<ReportMeta, 'origin' | 'userColumns' | 'metrics' | 'startedAt'>): ReportModel {
    return this.builder.build({
      ...meta,
      origin: 'run',
      startedAt: this.startedAt,
      userColumns: this.rows.userColumns,
      metrics: this.metrics.snapshot(),
    });
  }
}
