/**
 * `payops state stats|export|prune`: for the people who look after the
 * state. `--state-dir` / `--state-url` select the store as for `run`;
 * `--gateway` narrows to one partition (default: every partition found).
 */
import type { Argv, CommandModule } from 'yargs';
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolveGateway } from '../gateway/environment.js';
import { neutraliseFormula } from '../output/csv-text.js';
import { defaultStateDir, partitionSlug } from '../plan/state-dir.js';
import {
  type ExportRecord, pgExport, pgPrune, pgStats, type PruneResult, sqliteDatabases, sqliteExport, sqlitePrune, sqliteStats, type StateStats,
} from '../plan/store/admin.js';
import { stateUrlOf } from '../plan/store/open.js';
import { redactUrl } from '../plan/store/postgres.js';
import { COLUMNS } from '../plan/store/records.js';
import { UsageError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import * as z from 'zod';
import { flag, last, parseOptions, refuse, text } from './options.js';

const common = {
  'state-dir': { type: 'string', describe: 'the state directory [default: $XDG_STATE_HOME/payops, else ~/.local/state/payops]' },
  'state-url': { type: 'string', describe: 'the PostgreSQL state (postgres://…) [default: $PAYOPS_STATE_URL]' },
  gateway: { type: 'string', describe: 'only the partition of this gateway (test, live or a URL) [default: every partition]' },
} as const;

interface Selected {
  url?: string;
  where: string;
  /** The partition as the PostgreSQL store names it (`https://host:port`). */
  partition?: string;
  /** SQLite: each partition's database. */
  files?: Array<{ partition: string; file: string }>;
}

/** `state export --format`'s default. */
const DEFAULT_FORMAT = 'jsonl';

/** `payops state`'s flags, checked and defaulted. */
const STATE_SCHEMA = z
  .object({
    action: z.transform((v) => String(last(v)) as 'stats' | 'export' | 'prune'),
    'state-dir': text,
    'state-url': text,
    gateway: text,
    format: z.transform((v) => String(last(v)) as 'csv' | 'jsonl').prefault(DEFAULT_FORMAT),
    out: text,
    before: text,
    json: flag,
  })
  .superRefine((o, ctx) => {
    const before = o.before ?? '';
    if (o.action === 'prune' && (!/^\d{4}-\d{2}-\d{2}$/.test(before) || Number.isNaN(Date.parse(before)))) {
      refuse(ctx, 'prune needs --before YYYY-MM-DD: rows whose records are all older than that date lose their detail');
    }
  })
  .transform((o) => ({
    action: o.action,
    stateDir: o['state-dir'] || undefined,
    stateUrl: o['state-url'],
    gateway: o.gateway || undefined,
    format: o.format,
    out: o.out,
    before: o.before ?? '',
    json: o.json,
  }));

export type StateOptions = z.output<typeof STATE_SCHEMA>;

/** argv as yargs hands it over → the one options object `payops state` reads. */
export function normaliseStateOptions(argv: Record<string, unknown>): StateOptions {
  return parseOptions(STATE_SCHEMA, argv);
}

function select(o: StateOptions): Selected {
  const url = stateUrlOf({ 'state-url': o.stateUrl });
  const partition = o.gateway ? resolveGateway(o.gateway).partition : undefined;
  if (url) return { url, where: redactUrl(url), ...(partition ? { partition } : {}) };
  const dir = o.stateDir ?? defaultStateDir();
  return { where: dir, files: sqliteDatabases(dir, partition ? partitionSlug(partition) : undefined) };
}

function printStats(s: StateStats, out: NodeJS.WritableStream): void {
  out.write(`${s.where}\n  rows: ${s.rows} (${s.records} records)${s.bytes !== undefined ? `, ${(s.bytes / 1024 / 1024).toFixed(1)} MB on disk` : ''}\n`);
  out.write('  by status:\n');
  for (const [k, v] of Object.entries(s.byStatus).sort()) out.write(`    ${k.padEnd(12)} ${v}\n`);
  out.write('  by month (of the intent):\n');
  for (const m of s.byMonth) {
    const parts = Object.entries(m.byStatus).sort().map(([k, v]) => `${k} ${v}`).join(', ');
    out.write(`    ${m.month}  ${String(m.rows).padStart(9)}  ${parts}\n`);
  }
}

function csvCell(v: unknown): string {
  const s = neutraliseFormula(v === null || v === undefined ? '' : String(v));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function output(path: string | undefined): Promise<{ write(s: string): void; end(): Promise<void> }> {
  if (!path || path === '-') {
    return { write: (s) => void process.stdout.write(s), end: async () => undefined };
  }
  const ws: WriteStream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', (e) => fail(new UsageError(`cannot write ${path}: ${e.message} (export never overwrites a file)`)));
  });
  return {
    write: (s) => void ws.write(s),
    end: () => new Promise<void>((ok, fail) => ws.end((e?: Error | null) => (e ? fail(e) : ok()))),
  };
}

export const stateCommand: CommandModule = {
  command: 'state <action>',
  describe: 'look after the state: stats, export (every record, CSV or JSONL), prune --before DATE',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['stats', 'export', 'prune'], describe: 'what to do' })
      .options({
        ...common,
        format: { choices: ['csv', 'jsonl'], default: DEFAULT_FORMAT, describe: 'export: the format' },
        out: { type: 'string', describe: 'export: write to this file (never overwritten) [default: stdout]' },
        before: { type: 'string', describe: 'prune: finished rows whose records are all older than this date (YYYY-MM-DD)' },
        json: { type: 'boolean', default: false, describe: 'stats: as JSON' },
      })
      .example('$0 state stats', 'rows by status and by month, size on disk')
      .example('$0 state export --format csv --out state-2026.csv', 'every record, for audit or backup')
      .example('$0 state prune --before 2025-01-01', 'drop old detail; pruned rows are still never executed again'),
  handler: async (argv) => {
    process.exitCode = await state(argv as Record<string, unknown>);
  },
};

export async function state(argv: Record<string, unknown>): Promise<number> {
  const o = normaliseStateOptions(argv);
  const { action } = o;
  const sel = select(o);
  if (action === 'stats') {
    const all = sel.url ? await pgStats(sel.url, sel.where, sel.partition) : sel.files!.map((f) => sqliteStats(f.file));
    if (o.json) process.stdout.write(JSON.stringify(all, null, 2) + '\n');
    else for (const s of all) printStats(s, process.stdout);
    return EXIT.ok;
  }
  if (action === 'export') {
    const { format } = o;
    const out = await output(o.out);
    const cols = ['partition', ...COLUMNS] as const;
    if (format === 'csv') out.write(cols.join(',') + '\n');
    const write = (r: ExportRecord) =>
      out.write(format === 'csv' ? cols.map((c) => csvCell(r[c])).join(',') + '\n' : JSON.stringify(r) + '\n');
    let n = 0;
    if (sel.url) n = await pgExport(sel.url, sel.where, sel.partition, write);
    else for (const f of sel.files!) n += sqliteExport(f.file, f.partition, write);
    await out.end();
    process.stderr.write(`payops state export: ${n} records from ${sel.where}\n`);
    return EXIT.ok;
  }
  // prune (--before checked by the schema)
  const { before } = o;
  let total: PruneResult = { rows: 0, recordsRemoved: 0, keptOpen: 0 };
  const add = (r: PruneResult) => {
    total = { rows: total.rows + r.rows, recordsRemoved: total.recordsRemoved + r.recordsRemoved, keptOpen: total.keptOpen + r.keptOpen };
  };
  if (sel.url) add(await pgPrune(sel.url, sel.where, sel.partition, before));
  else for (const f of sel.files!) add(sqlitePrune(f.file, before));
  process.stderr.write(
    `payops state prune: ${total.rows} rows before ${before} kept as id and final status (${total.recordsRemoved} records removed); ` +
      `${total.keptOpen} rows without a final outcome kept whole (the next run looks them up)\n`,
  );
  return EXIT.ok;
}
