/**
 * Row statuses and their groups: the one place that says which statuses
 * there are and what each group of them does (docs/statuses-and-exit-codes.md).
 * At the bottom of the tree: it imports nothing, and every layer (gateway,
 * plan, batch, output, report, cli) takes its statuses from here.
 */

/** What the gateway's answer (or a lookup) made of a sent row: src/gateway/result-codes.ts classifies. */
export const GATEWAY_STATUSES = ['succeeded', 'review', 'pending', 'unknown', 'rejected'] as const;
export type RowStatus = (typeof GATEWAY_STATUSES)[number];

/**
 * A row's final status in the results file, in the order the summary and the
 * report show them: the gateway's, `failed` (not executed: not sent, or the
 * gateway did not have it) and `invalid` (not sent: the row is not valid).
 */
export const FINAL_STATUSES = ['succeeded', 'review', 'pending', 'unknown', 'rejected', 'failed', 'invalid'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

/** The summary's order: the final statuses, then `valid` (the annotated file of `payops validate`). */
export const SUMMARY_ORDER = [...FINAL_STATUSES, 'valid'] as const;

/** Done for good: a rerun reports the row with this outcome and never sends it again. */
export const DONE: ReadonlySet<string> = new Set<RowStatus>(['succeeded', 'review', 'pending']);

/** The gateway executed the operation (review only asks for a manual check): its amount counts as succeeded. */
export const EXECUTED: ReadonlySet<string> = new Set<RowStatus>(['succeeded', 'review']);

/** Rows that go into the failed-rows file (and the report's failed rows, and the JSON log's `row` events). */
export const FAILED_FILE: ReadonlySet<string> = new Set<FinalStatus>(['rejected', 'invalid', 'failed', 'unknown']);

/** Not final: `payops reconcile` looks these rows up. */
export const OPEN: ReadonlySet<string> = new Set<RowStatus>(['pending', 'unknown']);

/** A correction with one of these supersedes its original: it was sent, and the gateway decided or may have. */
export const SUPERSEDING: ReadonlySet<string> = new Set<string>(GATEWAY_STATUSES);

/** Statuses whose rows leave the exit code 0; any other row makes it 1. */
export const EXIT_OK: ReadonlySet<string> = DONE;
/** The same with `--strict`: succeeded only. */
export const EXIT_OK_STRICT: ReadonlySet<string> = new Set<RowStatus>(['succeeded']);

/**
 * Statuses a journal outcome record may hold: a row's (not `invalid`, never
 * sent nor recorded), and `written`, the record of a failed-rows file payops
 * wrote (its SHA-256, so an edited one is never overwritten: see
 * plan/superseded.ts).
 */
export const JOURNAL_STATUSES: ReadonlySet<string> = new Set<string>([...GATEWAY_STATUSES, 'failed', 'written']);
