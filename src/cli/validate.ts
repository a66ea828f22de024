/**
 * `payops validate <input|->`: check every row, send nothing. Invalid rows
 * are listed on stderr with their line; `--out` writes the annotated CSV
 * (status valid/invalid). Exit 0 when every row is valid, 1 otherwise.
 */
import type { Argv, CommandModule } from 'yargs';
import { openInput } from '../input/records.js';
import { SeenIds } from '../plan/txid.js';
import type { RowOutcome } from '../rows/types.js';
import { cellNotesOfCells, referToCell, validateRow } from '../rows/validate.js';
import { createResultsWriter } from '../output/results-writer.js';
import { maskCardNumbersIn } from '../rows/card-mask.js';
import { EXIT } from './exit-codes.js';
import { readEntity } from './gateway-config.js';
import { VALIDATE_OPTIONS, inputOptions } from './options.js';
import { layoutOf } from './writers.js';
import { sinkForPath } from '../output/xlsx-writer.js';

export const validateCommand: CommandModule = {
  command: 'validate <input>',
  describe: 'check every row and send nothing; list invalid rows on stderr (- reads stdin)',
  builder: (y: Argv) =>
    y.positional('input', { type: 'string', describe: 'CSV of operations, or - for stdin' }).options(VALIDATE_OPTIONS),
  handler: async (argv) => {
    process.exitCode = await validate(argv as Record<string, unknown>);
  },
};

export async function validate(argv: Record<string, unknown>): Promise<number> {
  const inputPath = String(argv.input);
  // Nothing is sent, so there is no need to read the file through before
  // starting: a problem found part way stops it just the same (exit 2).
  const source = await openInput(inputPath, { ...inputOptions(argv), prescan: false });
  const quiet = Boolean(argv.quiet);
  const json = argv['log-format'] === 'json';
  const hasDefaultEntity = readEntity(argv, process.env) !== undefined || source.headers.fields.entity_id === undefined;
  const say = (line: string) => {
    if (!quiet) process.stderr.write(line + '\n');
  };
  if (!json) for (const n of source.notices) say(`payops: ${n}`);
  const writer = argv.out
    ? createResultsWriter(String(argv.out), layoutOf(source), source.dialect, inputPath, { sink: sinkForPath })
    : undefined;
  const seen = new SeenIds();
  let rows = 0;
  let invalid = 0;
  const rules = {
    decimalComma: Boolean(argv['decimal-comma']),
    allowCardData: Boolean(argv['allow-card-data']),
    ...(hasDefaultEntity ? {} : { hasDefaultEntity: false }),
  };
  try {
    for await (const batch of source.batches) for (const rec of batch) {
      rows++;
      const values = source.headers.valuesOf(rec.cells);
      const v = validateRow(values, rules);
      let error = v.ok ? undefined : v.errors.join('; ');
      if (v.ok && v.op.merchantTransactionId && seen.add(v.op.merchantTransactionId)) {
        error = `merchant_transaction_id "${v.op.merchantTransactionId}" is used by an earlier row of this file; each row needs its own`;
      }
      if (error !== undefined) {
        const notes = cellNotesOfCells(rec.cells);
        if (notes) error = referToCell(error, notes); // a workbook row: name the cell (D7)
        invalid++;
        if (json) say(JSON.stringify({ event: 'row', line: rec.line, status: 'invalid', error: maskCardNumbersIn(error) }));
        else say(`line ${rec.line}: ${maskCardNumbersIn(error)}`);
      }
      if (writer) {
        const outcome: RowOutcome = { line: rec.line, cells: rec.cells, status: error === undefined ? 'valid' : 'invalid', attempts: 0 };
        if (error !== undefined) outcome.error = error;
        if (v.ok) {
          outcome.op = v.op;
          outcome.paymentType = v.op.type;
          if (v.op.merchantTransactionId) outcome.merchantTransactionId = v.op.merchantTransactionId;
        }
        const wait = writer.write(outcome);
        if (wait) await wait;
      }
    }
    await writer?.commit();
  } catch (err) {
    await writer?.abort();
    throw err;
  }
  const summary = `${rows} rows: ${rows - invalid} valid, ${invalid} invalid`;
  if (json) say(JSON.stringify({ event: 'summary', rows, valid: rows - invalid, invalid, input_sha256: source.sha256() }));
  else say(summary);
  return invalid > 0 ? EXIT.rowsFailed : EXIT.ok;
}
