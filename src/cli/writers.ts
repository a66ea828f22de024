/**
 * The two output files of a run, opened together: results (every row) and
 * failed rows (rows to run again).
 */
import { basename } from 'node:path';
import type { InputSource } from '../input/open-input.js';
import { createFailedWriter } from '../output/failed-writer.js';
import { createResultsWriter } from '../output/results-writer.js';
import { sinkForPath } from '../output/xlsx-writer.js';
import { maskCardNumbersThoroughly } from '../rows/card-mask.js';
import type { ColumnLayout, RowOutcome } from '../rows/types.js';

export function layoutOf(source: InputSource): ColumnLayout {
  return { header: source.header, fieldIndex: source.headers.fields };
}

export interface RunWriters {
  write(outcome: RowOutcome): Promise<void>;
  /** Whether a row's place can be kept while it waits for a lookup (both outputs are files). */
  readonly canDefer: boolean;
  defer(): { results: number; failed: number };
  fill(place: { results: number; failed: number }, outcome: RowOutcome): void;
  commit(): Promise<void>;
  abort(): void;
  readonly failedWritten: boolean;
}

export function openWriters(o: { inputPath: string; outPath: string; failedPath: string; source: InputSource }): RunWriters {
  const stdin = o.inputPath === '-';
  const layout = layoutOf(o.source);
  const inputPath = stdin ? undefined : o.inputPath;
  // Each file's format follows its name: .xlsx a workbook, anything else CSV (xlsx-writer.ts).
  const results = createResultsWriter(o.outPath, layout, o.source.dialect, inputPath, { sink: sinkForPath });
  let failed: ReturnType<typeof createFailedWriter>;
  try {
    failed = createFailedWriter(o.failedPath, layout, o.source.dialect, {
      sourceFile: stdin ? 'stdin' : maskCardNumbersThoroughly(basename(o.inputPath)),
      ...(inputPath ? { inputPath } : {}),
      sink: sinkForPath,
    });
  } catch (err) {
    // A refused --failed must not leave the results file's temporary file behind.
    void results.abort();
    throw err;
  }
  return {
    async write(outcome) {
      const a = results.write(outcome);
      if (a) await a;
      const b = failed.write(outcome);
      if (b) await b;
    },
    get canDefer() {
      return results.canDefer && failed.canDefer;
    },
    defer() {
      return { results: results.defer(), failed: failed.defer() };
    },
    fill(place, outcome) {
      results.fill(place.results, outcome);
      failed.fill(place.failed, outcome);
    },
    async commit() {
      await results.commit();
      await failed.commit();
    },
    abort() {
      void results.abort();
      void failed.abort();
    },
    get failedWritten() {
      return failed.written;
    },
  };
}
