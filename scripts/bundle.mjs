#!/usr/bin/env node
/**
 * The second step of `npm run build`: `tsc` has compiled src/ to dist/, one
 * file per module; this bundles the CLI's modules (and the packages they
 * import) into dist/cli/main.js and a few chunks beside it, one per command
 * that is loaded on demand (esbuild, code splitting).
 *
 * Why: Node 20 loads an ES module file by file (resolve, read, compile), and
 * a `payops validate` loaded 228 of them, zod's 95 and yargs' among them:
 * 0.3 s of every start on a 2-core machine, before any work. One file per
 * command takes about a third of that off every start (BENCHMARKS.md,
 * "Start-up").
 *
 * What stays out of the bundle, loaded from node_modules at run time:
 * - better-sqlite3 and pg (a native addon, and pg's optional native binding);
 * - what the code loads with its own `createRequire` (undici's Pool and
 *   errors, exceljs' streaming reader), which esbuild leaves alone.
 * The chunks sit in dist/cli/ beside main.js, so a path the code builds from
 * `import.meta.url` (`../../package.json`, `../cli/main.js`) means the same
 * in a chunk as in the module it came from. Workers (pg-sync-worker.js) run
 * from tsc's own output.
 *
 * zod's 50 locales (341 KB of its 854) are left out: `export * as locales`
 * keeps every one of them alive in a bundle, and payops never sets a locale
 * (its messages are its own, in English). `z.locales` is empty here. The
 * sources import zod as a namespace (`import * as z from 'zod'`, not
 * `import { z }`, which is one object holding everything), so esbuild keeps
 * only the schema kinds payops uses: 185 KB of zod in the bundle.
 *
 * `dist/bundle-meta.json` is esbuild's metafile: which source modules went
 * into which chunk (test/cli/start-up-modules.test.ts reads it).
 */
import { build } from 'esbuild';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI_DIR = join(ROOT, 'dist/cli');
const ENTRY = join(CLI_DIR, 'main.js');

const MARK = '/* payops: bundled by scripts/bundle.mjs */';
if (readFileSync(ENTRY, 'utf8').includes(MARK)) {
  // Bundling the bundle would import chunks this step deletes: tsc writes dist/cli/main.js afresh first.
  console.error('bundle: dist/cli/main.js is already bundled; run "npm run build" (tsc, then this)');
  process.exit(2);
}

// Chunks of an earlier build (and their maps): their names carry a content hash, so they would pile up.
for (const f of readdirSync(CLI_DIR)) if (/^chunk-[\w-]+\.js(\.map)?$/.test(f) || /^[\w-]+-[A-Z0-9]{8}\.js(\.map)?$/.test(f)) rmSync(join(CLI_DIR, f));

/** zod's `export * as locales from "../locales/index.js"`, in its core and classic indexes: an empty module. */
const noZodLocales = {
  name: 'no-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'payops-empty' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'payops-empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * yargs' help layout (cliui and string-width, with their emoji regexes and Intl.Segmenters built at import:
 * 10 ms of every start) is only needed when help is shown: yargs' platform shim gets stand-ins that load the
 * real modules (bundled, initialised on first use) when first called.
 */
const lazyHelpLayout = {
  name: 'lazy-help-layout',
  setup(b) {
    b.onResolve({ filter: /^(cliui|string-width)$/ }, (args) =>
      /[\\/]node_modules[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/.test(args.importer)
        ? { path: args.path, namespace: 'payops-lazy', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'payops-lazy' }, (args) => ({
      contents: `let real;\nexport default function lazy(...a) {\n  real ??= require(${JSON.stringify(args.path)}).default;\n  return real(...a);\n}\n`,
      resolveDir: args.pluginData.resolveDir,
      loader: 'js',
    }));
  },
};

const result = await build({
  entryPoints: [ENTRY],
  outdir: CLI_DIR,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: ['better-sqlite3', 'pg', 'pg-native'],
  chunkNames: '[name]-[hash]',
  // Not minified: function names stay readable in a profile (BENCHMARKS.md).
  minify: false,
  // A map beside each output file (no sourceMappingURL comment, so nothing changes at run time), chained to tsc's:
  // `npm run bench -- --profile` maps a profile's frames back to src/ and node_modules to sum them by area.
  sourcemap: 'external',
  // A CommonJS package in the bundle (busboy, pg's helpers) calls require() for Node's own modules; an ES module
  // has no require, so each output file gets one.
  banner: { js: `${MARK}\nimport { createRequire as __payopsCreateRequire } from 'node:module';\nconst require = __payopsCreateRequire(import.meta.url);` },
  legalComments: 'none',
  metafile: true,
  plugins: [noZodLocales, lazyHelpLayout],
  logLevel: 'warning',
});

writeFileSync(join(ROOT, 'dist/bundle-meta.json'), JSON.stringify(result.metafile));
chmodSync(ENTRY, 0o755);
