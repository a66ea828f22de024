#!/usr/bin/env node
/**
 * Writes schemas/summary.schema.json and schemas/log-event.schema.json (JSON
 * Schema draft 2020-12) from the zod schemas of src/output/summary-schema.ts
 * and src/output/log-schema.ts. Run after a build:
 *
 *   npm run build && node scripts/json-schemas.mjs
 *
 * test/output/json-schemas.test.ts fails when the committed files differ from
 * what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { jsonSchemaFiles } = await import(pathToFileURL(join(root, 'dist/output/json-schemas.js')).href);

for (const [name, text] of Object.entries(jsonSchemaFiles())) {
  const path = join(root, 'schemas', name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${join('schemas', name)}`);
}
