/**
 * Rows corrected through a failed-rows file (issue 13 point 3). The operator
 * edits a rejected row in `ops.failed.csv` and runs it: the corrected row is
 * a new operation (a new merchant transaction id), and it **supersedes** the
 * row of the original file it came from. A later run of the original must
 * then neither report that row as still rejected, nor put it in the
 * failed-rows file again, nor — if it had failed unsent — send it.
 *
 * State: one extra outcome record in the journal, under the key
 * `sup:<merchant transaction id of the original row>` (the id the failed-rows
 * file carries in its `merchant_transaction_id` column), with the existing
 * fields only: `id` the correction's id, `s` its status, `c`/`d`/`n` its
 * result, `at`, `src`/`line` the failed-rows file and line the correction was
 * read from, `note` `supersedes <source_file> line <source_line>`. `sent` is
 * true. Normal keys are content hashes, so the `sup:` prefix cannot collide.
 */
import { createHash } from 'node:crypto';
import type { Journal, OutcomeRecord } from './journal.js';
import { SUPERSEDING } from '../statuses.js';

/** The journal key of the record saying which correction supersedes the row whose id was `originalId`. */
export function supersedeKey(originalId: string): string {
  return `sup:${originalId}`;
}

/** Record that the correction `rec` supersedes the original row `originalId` (from `sourceFile` line `sourceLine`). */
export function recordSupersede(
  journal: Journal,
  originalId: string,
  rec: Omit<OutcomeRecord, 'k'>,
  source: { file?: string; line?: string },
): void {
  if (!SUPERSEDING.has(rec.s)) return;
  const where = source.file ? `${source.file}${source.line ? ` line ${source.line}` : ''}` : 'the original file';
  journal.outcome({ ...rec, key: supersedeKey(originalId), note: `supersedes ${where}` });
}

/** The correction that supersedes the row whose id is `id`, if one was run. */
export function findSuperseding(journal: Journal, id: string): OutcomeRecord | undefined {
  return journal.lookup(supersedeKey(id))?.outcome;
}

/**
 * Failed-rows files payops wrote: one outcome record per file under the key
 * `file:<first 32 hex of the SHA-256 of the absolute path>`, `id` `-`, `s` `written`, `sent` false, `d` the
 * SHA-256 (hex) of the bytes payops wrote, `at`, `src` the input's name,
 * `line` 0. A later run compares the file with it: a file changed since
 * (the operator corrected a row in it) is never overwritten or removed.
 */
export function writtenKey(absolutePath: string): string {
  // Hashed: a path may hold a card number (a file named after one), and the journal must not.
  return `file:${createHash('sha256').update(absolutePath).digest('hex').slice(0, 32)}`;
}

/** Record the SHA-256 of a failed-rows file just written. */
export function recordWritten(journal: Journal, absolutePath: string, sha256: string, src: string): void {
  journal.outcome({ key: writtenKey(absolutePath), id: '-', s: 'written', sent: false, d: sha256, at: new Date().toISOString(), src, line: 0 });
}

/** The SHA-256 payops last wrote at this path, if it wrote one. */
export function lastWritten(journal: Journal, absolutePath: string): string | undefined {
  return journal.lookup(writtenKey(absolutePath))?.outcome?.d;
}
