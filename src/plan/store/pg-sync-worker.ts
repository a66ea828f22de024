/**
 * The PostgreSQL store's synchronous reads: the planner asks `lookup(key)`
 * synchronously, and a key the pipeline did not prefetch (a derived id's
 * base) is read here, on a connection of its own, while the main thread
 * waits on a shared flag (see PgSyncReader in postgres.ts).
 */
import pg from 'pg';
import { workerData, type MessagePort } from 'node:worker_threads';

interface Data {
  url: string;
  partition: string;
  flag: SharedArrayBuffer;
  port: MessagePort;
  sql: string;
}

const { url, partition, flag, port, sql } = workerData as Data;
const done = new Int32Array(flag);
const client = new pg.Client({ connectionString: url, application_name: 'payops (lookups)' });
let broken: string | undefined;
client.on('error', (err) => {
  broken = err.message;
});
const ready = client.connect().catch((err: Error) => {
  broken = err.message;
});

port.on('message', (msg: { keys: string[] }) => {
  void (async () => {
    await ready;
    let reply: unknown;
    if (broken) reply = { error: broken };
    else {
      try {
        const r = await client.query({ text: sql, values: [partition, msg.keys], rowMode: 'array' });
        reply = { rows: r.rows };
      } catch (err) {
        reply = { error: (err as Error).message };
      }
    }
    port.postMessage(reply);
    Atomics.store(done, 0, 1);
    Atomics.notify(done, 0);
  })();
});
port.on('close', () => {
  void client.end().catch(() => undefined);
});
