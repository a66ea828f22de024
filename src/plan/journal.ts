/**
 * The journal as the planner and the pipeline know it: the state store of a
 * partition (see store/types.ts). Kept under this name so callers of the
 * JSONL era keep their imports; the JSONL file itself is imported into the
 * SQLite store on first open and kept beside it as a backup.
 */
import { dirname, join } from 'node:path';
import { SqliteStore } from './store/sqlite.js';
import type { StateStore } from './store/types.js';

export type { IntentRecord, JournalEntry, JournalRecord, OutcomeRecord, RowIdentity, StateStore } from './store/types.js';
export { sameRow } from './store/types.js';

export type Journal = StateStore;

export const Journal = {
  /**
   * The SQLite store of the partition whose `journal.jsonl` is at `path`
   * (`state.db` beside it); a journal found there is imported first.
   */
  open(path: string): Promise<StateStore> {
    return Promise.resolve(SqliteStore.open({ file: join(dirname(path), 'state.db'), legacyJournal: path }));
  },
};
