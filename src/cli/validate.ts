/**
 * `payops validate <input|->`: check every row, send nothing. Invalid rows
 * are listed on stderr with their line; `--out` writes the annotated CSV
 * (status valid/invalid). Exit 0 when every row is valid, 1 otherwise.
 */
import type { Argv, CommandModule } from 'yargs';
import { openInput } from '../input/open-input.js';
import { duplicateIdError, invalidError } from '../batch/admit.js';
import { SeenIds } from '../plan/txid.js';
import type { RowOutcome } from '../rows/types.js';
import { cellNotesOfCells, referToCell, validateRow } from '../rows/validate.js';
import { createResultsWriter } from '../output/results-writer.js';
import { maskCardNumbersIn } from '../rows/card-mask.js';
import { EXIT } from './exit-codes.js';
import { readEntity } from './gateway-config.js';
import * as z from 'zod';
import { flag, INPUT_SHAPE, inputOf, inputPositional, logFormat, parseOptions, readerOptions, text, VALIDATE_OPTIONS } from './options.js';
import { plural, snakeKeys, Summary } from '../output/summary.js';
import { JSON_SCHEMA, rowEvent, safeForLog } from '../output/json-log.js';
import { parseAmount } from '../rows/amount.js';
import { ValidTotals } from '../output/amounts.js';
import { safeMessage } from './safe-message.js';
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

/** `payops validate`'s flags (VALIDATE_OPTIONS), checked and defaulted. */
const VALIDATE_SCHEMA = z
  .object({
    input: inputPositional(),
    ...INPUT_SHAPE,
    out: text,
    quiet: flag,
    'log-format': logFormat,
    'entity-id': text,
  })
  .transform((o) => ({ input: o.input, read: inputOf(o), out: o.out, quiet: o.quiet, json: o['log-format'], entityId: o['entity-id'] }));

export type ValidateOptions = z.output<typeof VALIDATE_SCHEMA>;

/** argv as yargs hands it over → the one options object validate reads. */
export function normaliseValidateOptions(argv: Record<string, unknown>): ValidateOptions {
  return parseOptions(VALIDATE_SCHEMA, argv);
}

export async function validate(argv: Record<string, unknown>): Promise<number> {
  const o = normaliseValidateOptions(argv);
  const inputPath = o.input;
  // Nothing is sent, so there is no need to read the file through before
  // starting: a problem found part way stops it just the same (exit 2).
  const source = await openInput(inputPath, { ...readerOptions(o.read), prescan: false });
  const { quiet, json } = o;
  const hasDefaultEntity = readEntity(o.entityId, process.env) !== undefined || source.headers.fields.entity_id === undefined;
  const say = (line: string) => {
    if (!quiet) process.stderr.write(line + '\n');
  };
  const event = (name: string, fields: Record<string, unknown>) =>
    say(JSON.stringify(safeForLog({ schema: JSON_SCHEMA, event: name, time: new Date().toISOString(), ...fields })));
  const { decimalComma } = o.read;
  const summary = new Summary();
  const totals = new ValidTotals();
  if (json) event('start', { input: inputPath === '-' ? 'stdin' : inputPath, dialect: snakeKeys({ ...source.dialect }), notices: source.notices });
  if (!json) for (const n of source.notices) say(safeMessage(`payops: ${n}`));
  const writer = o.out
    ? createResultsWriter(o.out, layoutOf(source), source.dialect, inputPath, { sink: sinkForPath })
    : undefined;
  const seen = new SeenIds();
  let rows = 0;
  let invalid = 0;
  const rules = {
    decimalComma,
    allowCardData: o.read.allowCardData,
    ...(hasDefaultEntity ? {} : { hasDefaultEntity: false }),
  };
  try {
    for await (const batch of source.batches) for (const rec of batch) {
      rows++;
      const values = source.headers.valuesOf(rec.cells);
      const v = validateRow(values, rules);
      let error = v.ok ? duplicateIdError(v.op.merchantTransactionId, seen) : invalidError(rec, v.errors);
      if (error !== undefined) {
        const notes = cellNotesOfCells(rec.cells);
        if (notes) error = referToCell(error, notes); // a workbook row: name the cell (D7)
      }
      const outcome: RowOutcome = { line: rec.line, cells: rec.cells, status: error === undefined ? 'valid' : 'invalid', attempts: 0 };
      if (error !== undefined) outcome.error = error;
      if (v.ok) {
        outcome.op = v.op;
        outcome.paymentType = v.op.type;
        if (v.op.merchantTransactionId) outcome.merchantTransactionId = v.op.merchantTransactionId;
      }
      summary.add(outcome);
      if (error === undefined && v.ok) totals.add(v.op.type, v.op.amount, v.op.currency);
      if (error !== undefined) {
        invalid++;
        const amount = values.amount?.trim() ?? '';
        const currency = values.currency?.trim() || undefined;
        if (!decimalComma && amount.includes(',') && !parseAmount(amount, currency, { decimalComma: false }).ok && parseAmount(amount, currency, { decimalComma: true }).ok) {
          summary.noteDecimalComma();
        }
        if (json) {
          const { event: _e, ...fields } = rowEvent(outcome, source.headers.userColumns);
          event('row', fields);
        } else say(safeMessage(`line ${rec.line}: ${maskCardNumbersIn(error)}`));
      }
      if (writer) {
        const wait = writer.write(outcome);
        if (wait) await wait;
      }
    }
    await writer?.commit();
  } catch (err) {
    await writer?.abort();
    throw err;
  }
  const reasons = summary.invalidReasons();
  const hint = summary.decimalCommaHint();
  const code = invalid > 0 ? EXIT.rowsFailed : EXIT.ok;
  if (json) {
    event('summary', {
      rows,
      valid: rows - invalid,
      invalid,
      invalid_reasons: reasons,
      valid_by_operation: totals.byOperation(),
      valid_amounts: totals.amounts(),
      ...(hint ? { hint } : {}),
      input_sha256: source.sha256(),
      exit_code: code,
    });
  } else {
    say(`${plural(rows, 'row')}: ${rows - invalid} valid, ${invalid} invalid`);
    if (reasons.length > 0) {
      say('invalid rows, top reasons:');
      const w = Math.max(...reasons.map((r) => String(r.rows).length));
      for (const r of reasons) say(safeMessage(`  ${String(r.rows).padStart(w)} × ${r.reason} (first on line ${r.first_line})`));
    }
    if (hint) say(`hint: ${hint}`);
  }
  return code;
}
