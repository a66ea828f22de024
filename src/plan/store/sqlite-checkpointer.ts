/**
 * The SQLite store's checkpoints, on a worker thread with a connection of
 * its own (issue 11: the journal's cost). The run's connection turns
 * automatic checkpoints off and asks for one here every few thousand
 * records: copying the WAL's pages into the database file (and syncing
 * it) then happens while the event loop goes on sending. A PASSIVE
 * checkpoint takes no lock that a writer waits for; it copies what no
 * reader still needs, and the writer starts the WAL over once all of it
 * is copied. Durability does not depend on it: an intent is durable once
 * the WAL holding it is synced (sqlite.ts).
 *
 * Messages: `'checkpoint'` → `'done'` (after one checkpoint, or after a
 * failure, which only leaves the WAL longer); `'close'` → `'closed'`, and
 * the thread ends.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file } = workerData as { file: string };
const port = parentPort!;
let db: Database.Database | undefined;
try {
  db = new Database(file, { timeout: 5000, fileMustExist: true });
  // It reads WAL frames and writes pages; a small page cache is enough.
  db.pragma('cache_size = -512');
} catch {
  db = undefined;
}

port.on('message', (msg: 'checkpoint' | 'close') => {
  if (msg === 'close') {
    db?.close();
    db = undefined;
    port.postMessage('closed');
    port.close();
    return;
  }
  try {
    db?.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    /* the WAL stays longer; the next checkpoint, or the run's close, copies it */
  }
  port.postMessage('done');
});
