/**
 * The published JSON Schema files (schemas/, docs/outputs.md#json-schema):
 * their names and text, generated from the zod schemas with
 * `z.toJSONSchema` (draft 2020-12, two-space indent, a trailing newline).
 * scripts/json-schemas.mjs writes them; test/output/json-schemas.test.ts
 * checks the committed ones are what this gives. Not imported by any command.
 */
import * as z from 'zod';
import { logEventSchema } from './log-schema.js';
import { summaryFileSchema } from './summary-schema.js';

/** File name (under schemas/) → its text. */
export function jsonSchemaFiles(): Record<string, string> {
  const text = (schema: z.ZodType) => JSON.stringify(z.toJSONSchema(schema, { target: 'draft-2020-12' }), null, 2) + '\n';
  return {
    'summary.schema.json': text(summaryFileSchema),
    'log-event.schema.json': text(logEventSchema),
  };
}
