/**
 * The events of `--log-format json` (docs/outputs.md#json-log) as zod
 * schemas, one line of stderr each: what src/output/json-log.ts, the
 * reporter (src/cli/reporter.ts), `payops validate`, the signal handler and
 * the top-level catch (src/cli/main.ts `report`) write.
 * scripts/json-schemas.mjs turns {@link logEventSchema} into
 * schemas/log-event.schema.json; test/output/json-schemas.test.ts checks real
 * outputs against it. Strict objects: a field added without changing the
 * schema fails the test.
 *
 * Not imported by any command: only by the tests and the generator.
 */
import * as z from 'zod';
import type { StartEvent } from './json-log.js';
import {
  byStatusSchema,
  environmentSchema,
  invalidReasonsSchema,
  rowCount,
  schemaVersion,
  summarySchema,
} from './summary-schema.js';

/** What every event has: `schema`, `event` (its name) and `time`. */
function eventOf<const Name extends string, Shape extends z.ZodRawShape>(name: Name, shape: Shape, description: string) {
  return z
    .strictObject({
      schema: schemaVersion,
      event: z.literal(name),
      time: z.iso.datetime().describe('When, ISO 8601 UTC'),
      ...shape,
    })
    .describe(description);
}

const dialectSchema = z
  .strictObject({
    delimiter: z.string().describe('`,` `;` tab or `|`'),
    line_ending: z.enum(['\r\n', '\n']),
    bom: z.boolean().describe('The input started with a byte order mark'),
    encoding: z.string().describe('WHATWG encoding name: `utf-8`, `utf-16le`, `windows-1252`…'),
    sep_line: z.boolean().describe("The input's first line was Excel's `sep=X`"),
    sheet: z.string().optional().describe('The input is an Excel workbook: the sheet read'),
  })
  .describe('How the input was read');

const input = z.string().describe('The input: its path, or `stdin`');
const notices = z.array(z.string()).describe('Notices about the input (encoding assumed, values in a column without a header…)');
const exitCode = z.number().int().nonnegative();
const message = z.string();

/** `payops run`'s `start`. */
export const runStartEventSchema = eventOf(
  'start',
  {
    environment: environmentSchema,
    input,
    dialect: dialectSchema,
    notices,
    dry_run: z.boolean(),
  },
  '`payops run` starts: the gateway, the input and how it is read',
);

/** `payops validate`'s `start`: no gateway. */
export const validateStartEventSchema = eventOf('start', { input, dialect: dialectSchema, notices }, '`payops validate` starts');

const nullableText = z.string().nullable();

/** One row that is `rejected`, `invalid`, `failed` or `unknown`. */
export const rowEventSchema = eventOf(
  'row',
  {
    line: z.number().int().positive().describe('The line of the input'),
    status: z.enum(['unknown', 'rejected', 'failed', 'invalid']),
    result_code: nullableText,
    result_description: nullableText,
    error: nullableText,
    note: nullableText,
    merchant_transaction_id: nullableText,
    payment_type: nullableText,
    columns: z.record(z.string(), z.string()).describe("The user's own columns, by header"),
  },
  'One row that is `rejected`, `invalid`, `failed` or `unknown` (`null` when a field is absent)',
);

/** At most every 500 ms, and every second while rows wait for lookups. */
export const progressEventSchema = eventOf(
  'progress',
  {
    rows: rowCount.describe('Rows done'),
    total: rowCount.nullable().describe('Rows in the input, when known'),
    by_status: byStatusSchema,
    waiting: rowCount.describe('Rows waiting for a lookup'),
    waiting_text: z.string().optional().describe('What waits, and when the next lookup is due'),
  },
  'Rows done so far, by status',
);

export const warningEventSchema = eventOf('warning', { message }, 'A warning');

export const notStartedEventSchema = eventOf(
  'not_started',
  { rows: rowCount, message },
  'Rows not started because the run was stopped: one event for all of them',
);

/** `payops run`'s `summary`: the JSON summary's fields. */
export const runSummaryEventSchema = eventOf(
  'summary',
  (({ schema: _schema, ...shape }) => shape)(summarySchema.shape),
  '`payops run` ends: the [JSON summary](#summary-json)',
);

/** `payops validate`'s `summary`. */
export const validateSummaryEventSchema = eventOf(
  'summary',
  {
    rows: rowCount,
    valid: rowCount,
    invalid: rowCount,
    invalid_reasons: invalidReasonsSchema,
    valid_by_operation: z.record(z.string(), rowCount).describe('Valid rows per operation (payment type: RF, RV, …)'),
    valid_amounts: z
      .record(z.string(), z.record(z.string(), z.object({ rows: rowCount, total: z.string().describe('Exact sum, two decimals ("1254.49")') })))
      .describe('Per operation, then per currency: the valid rows with an amount, and their exact sum (a full reversal has none)'),
    hint: z.string().optional(),
    input_sha256: z.string(),
    exit_code: exitCode,
  },
  '`payops validate` ends',
);

export const errorEventSchema = eventOf(
  'error',
  { exit_code: exitCode, message },
  'The error that stops the command (exit 2, or the final message of an exit 3)',
);

export const signalEventSchema = eventOf(
  'signal',
  { signal: z.string().describe('SIGINT or SIGTERM'), message },
  'A signal was received (docs/exactly-once.md#signals)',
);

/** Any line of `--log-format json`. */
export const logEventSchema = z
  .union([
    runStartEventSchema,
    validateStartEventSchema,
    rowEventSchema,
    progressEventSchema,
    warningEventSchema,
    notStartedEventSchema,
    runSummaryEventSchema,
    validateSummaryEventSchema,
    errorEventSchema,
    signalEventSchema,
  ])
  .meta({ title: 'payops --log-format json event', description: 'One line of `--log-format json` on stderr (docs/outputs.md#json-log)' });

// json-log.ts's `start` argument names fields the run's start event has.
type Named<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type Expect<T extends true> = T;
type StartFits = { [K in keyof Named<StartEvent>]-?: K extends keyof z.infer<typeof runStartEventSchema> ? true : K }[keyof Named<StartEvent>];
export type _StartMatchesType = Expect<StartFits>;
