/**
 * The shape of `--summary-json` (docs/outputs.md#summary-json) as zod
 * schemas: the summary of a run that reached its end ({@link summarySchema},
 * what `Summary.toJSON` gives) and the short one of a run that failed before
 * ({@link errorSummarySchema}, src/cli/main.ts `writeErrorSummary`).
 * scripts/json-schemas.mjs turns {@link summaryFileSchema} into
 * schemas/summary.schema.json; test/output/json-schemas.test.ts checks real
 * outputs against it. Strict objects: a field added without changing the
 * schema fails the test.
 *
 * Not imported by any command (zod schemas built at start-up would cost
 * every run): only by the tests and the generator.
 */
import * as z from 'zod';
import { OP_TYPES } from '../rows/operations.js';
import type { OpType } from '../rows/types.js';
import { SUMMARY_ORDER } from '../statuses.js';
import type { SummaryJson } from './summary.js';

/** The `schema` number of every JSON summary and event (json-log.ts `JSON_SCHEMA`). */
export const schemaVersion = z.literal(2).describe('The schema number: it changes when the shape does.');

/** A count of rows. */
export const rowCount = z.number().int().nonnegative();

/** An exact amount: the sum of minor units, with two decimals. */
const amount = z.string().regex(/^-?\d+\.\d{2}$/).describe('An exact amount, a string with two decimals');

/** The statuses a summary counts rows under, with spaces as underscores. */
export const SUMMARY_STATUS_KEYS = [...SUMMARY_ORDER, 'would_send', 'would_look_up', 'not_started'] as const;

/** Rows by status: the keys of `by_status` (and of a `progress` event's). */
export const byStatusSchema = z
  .partialRecord(z.enum(SUMMARY_STATUS_KEYS), rowCount)
  .describe('Rows by status. A run\'s summary always has every status from `succeeded` to `invalid`');

/** The operations of `by_operation`, and `none` for rows that had no valid operation. */
const operationKey = z.enum([...OP_TYPES, 'none'] as unknown as [OpType | 'none', ...Array<OpType | 'none'>]);

/** Amounts per operation and currency. */
const amountsSchema = z.partialRecord(z.enum(OP_TYPES as [OpType, ...OpType[]]), z.record(z.string(), amount));

/** `environment` of a summary and of the `start` event. */
export const environmentSchema = z
  .strictObject({
    kind: z.enum(['sim', 'test', 'live']).describe('`sim`, `test` or `live`'),
    gateway: z.string().describe('The base URL'),
  })
  .describe('Which gateway the run talked to');

/** One reason rows were invalid. */
export const invalidReasonSchema = z.strictObject({
  rows: rowCount.describe('How many rows failed this way'),
  reason: z.string().describe('The first error of those rows, quoted values and numbers replaced by …'),
  first_line: z.number().int().positive().describe('The first line where it happened'),
});

/** The top reasons rows were invalid, most frequent first (three at most). */
export const invalidReasonsSchema = z.array(invalidReasonSchema).describe('The main reasons rows were invalid, most frequent first, with counts and the first line');

/** The summary of a run that reached its end (the JSON log's `summary` event has the same fields). */
export const summarySchema = z
  .strictObject({
    schema: schemaVersion,
    environment: environmentSchema.optional(),
    input_sha256: z.string().describe('The SHA-256 of the input, hex'),
    exit_code: z.number().int().nonnegative().describe('The exit code of the run'),
    outputs: z
      .strictObject({
        results: z.string().describe('The results file'),
        failed: z.string().optional().describe('The failed-rows file; absent when none was written'),
      })
      .optional()
      .describe('The files written; absent for `--dry-run`'),
    stopped_by: z.string().optional().describe('The message, when the run stopped early'),
    rows: rowCount.describe('Rows in the input'),
    by_status: byStatusSchema,
    by_operation: z
      .partialRecord(operationKey, byStatusSchema)
      .describe('Rows by operation × status, only the counts that are not zero, with `none` for rows that had no valid operation'),
    amounts_would_send: amountsSchema.optional().describe('A dry run: the amounts that would be sent, per operation and currency'),
    amounts_succeeded: amountsSchema.describe(
      'Amounts succeeded per operation and currency (rows `succeeded` or `review` this run sent; rows done by earlier runs not included); empty for a dry run',
    ),
    full_reversals_succeeded: rowCount.describe('Full reversals succeeded (they have no amount)'),
    already_done: rowCount.describe('Rows done by an earlier run: reported with the earlier outcome, not sent again'),
    already_done_by: z
      .array(
        z.strictObject({
          file: z.string(),
          rows: rowCount,
          first_date: z.string().describe('YYYY-MM-DD'),
          last_date: z.string().describe('YYYY-MM-DD'),
        }),
      )
      .describe('The files that did the rows done earlier, and when (corrections through a failed-rows file left out)'),
    not_started: rowCount.describe('Rows not started because the run was stopped'),
    invalid_reasons: invalidReasonsSchema,
    hint: z.string().optional().describe('Said when most invalid rows would be valid with `--decimal-comma`'),
    processed: rowCount.describe('Rows this run processed (not started ones and rows done earlier left out)'),
    elapsed_ms: z.number().int().nonnegative(),
    rows_per_second: z.number().nonnegative().describe('Rows processed per second, one decimal'),
  })
  .describe('`payops run --summary-json`: the summary of a run, written when it ends (also with exit 1, 3, 130 or 143)');

/** The summary of a run that failed before it had one (exit 2, or an error before the first row). */
export const errorSummarySchema = z
  .strictObject({
    schema: schemaVersion,
    exit_code: z.number().int().positive().describe('The exit code (2 for an error of usage or input)'),
    error: z.string().describe('The error that stopped the command'),
    rows: z.literal(0),
  })
  .describe('`--summary-json` of a run that failed before its summary: `schema`, `exit_code`, `error` and `rows` (0)');

/** What a `--summary-json` file holds: one or the other. */
export const summaryFileSchema = z
  .union([summarySchema, errorSummarySchema])
  .meta({ title: 'payops --summary-json', description: 'The JSON summary of `payops run --summary-json FILE` (docs/outputs.md#summary-json)' });

// The fields summary.ts names in its type are the schema's, with the same types: an edit to one alone does not compile.
type Named<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type Expect<T extends true> = T;
type NamedSummary = Named<SummaryJson>;
type Inferred = z.infer<typeof summarySchema>;
/** `true`, or the names of the fields whose schema type is not the type's. */
type FieldsFit = { [K in keyof NamedSummary]-?: K extends keyof Inferred ? (Inferred[K] extends NamedSummary[K] ? true : K) : K }[keyof NamedSummary];
export type _SummaryMatchesType = Expect<FieldsFit>;
