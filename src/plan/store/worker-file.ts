/**
 * A store's worker thread runs a compiled file of this folder: beside this
 * module in dist/, or, when the tests run the TypeScript sources, the one
 * `npm run build` put in dist/.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function workerFile(name: string): URL {
  const here = new URL(`./${name}`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL(`../../../dist/plan/store/${name}`, import.meta.url);
}
