/**
 * The web page's own records, in one SQLite file in the state directory
 * (`<state-dir>/serve/serve.sqlite`): jobs, sessions and the append-only audit
 * log. This is separate from the run journal (src/plan), which stays the one
 * record of what was sent; nothing here decides whether a row is sent.
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';

export type JobState =
  | 'uploaded' // stored, preview not yet ready
  | 'preview' // preview ready, waiting for confirmation
  | 'approval' // confirmed, waiting for a second person
  | 'queued' // waiting for its turn on the partition
  | 'waiting_lock' // the partition is held by someone else (cron)
  | 'running'
  | 'stopping'
  | 'stopped' // stopped part way; a resume continues
  | 'done' // the run finished (exit 0 or 1)
  | 'error' // the run ended with an error (exit 2/3): message says why
  | 'expired' // approval not given in time
  | 'refused'; // card numbers uploaded to a server without --allow-card-data: deleted, nothing sent

export interface JobOptions {
  decimalComma: boolean;
  delimiter?: string;
  encoding?: string;
  sheet?: string;
  /** payops field → the user's header (`--column FIELD=HEADER`). */
  columns: Record<string, string>;
}

export interface JobRow {
  id: string;
  created_at: string;
  uploader: string;
  file_name: string;
  stored_path: string;
  size: number;
  sha256: string;
  state: JobState;
  options: string;
  preview: string | null;
  approval_needed: number;
  approver: string | null;
  approved_at: string | null;
  approval_expires_at: string | null;
  started_by: string | null;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  message: string | null;
  summary: string | null;
  results_path: string | null;
  failed_path: string | null;
  parent_id: string | null;
  deleted_at: string | null;
}

export interface AuditRow {
  id: number;
  at: string;
  user: string;
  action: string;
  job_id: string | null;
  detail: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  uploader TEXT NOT NULL,
  file_name TEXT NOT NULL,
  stored_path TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  state TEXT NOT NULL,
  options TEXT NOT NULL,
  preview TEXT,
  approval_needed INTEGER NOT NULL DEFAULT 0,
  approver TEXT,
  approved_at TEXT,
  approval_expires_at TEXT,
  started_by TEXT,
  started_at TEXT,
  finished_at TEXT,
  exit_code INTEGER,
  message TEXT,
  summary TEXT,
  results_path TEXT,
  failed_path TEXT,
  parent_id TEXT,
  deleted_at TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  user TEXT NOT NULL,
  action TEXT NOT NULL,
  job_id TEXT,
  detail TEXT
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

export class Store {
  readonly db: Database.Database;

  constructor(path: string, private readonly now: () => number = Date.now) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  private iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  // ---- audit (append-only) ----
  audit(user: string, action: string, jobId: string | null, detail?: string): void {
    this.db
      .prepare('INSERT INTO audit (at, user, action, job_id, detail) VALUES (?, ?, ?, ?, ?)')
      .run(this.iso(), user, action, jobId, detail ?? null);
  }

  auditLog(limit = 500, jobId?: string): AuditRow[] {
    if (jobId) return this.db.prepare('SELECT * FROM audit WHERE job_id = ? ORDER BY id DESC LIMIT ?').all(jobId, limit) as AuditRow[];
    return this.db.prepare('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(limit) as AuditRow[];
  }

  // ---- sessions ----
  createSession(user: string, ttlMs: number): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO sessions (token_hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(hashToken(token), user, this.iso(), this.iso(this.now() + ttlMs));
    return token;
  }

  sessionUser(token: string): string | undefined {
    const row = this.db.prepare('SELECT user, expires_at FROM sessions WHERE token_hash = ?').get(hashToken(token)) as
      | { user: string; expires_at: string }
      | undefined;
    if (!row || row.expires_at <= this.iso()) return undefined;
    return row.user;
  }

  deleteSession(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token));
  }

  // ---- jobs ----
  insertJob(j: Pick<JobRow, 'id' | 'uploader' | 'file_name' | 'stored_path' | 'size' | 'sha256' | 'parent_id'> & { options: JobOptions }): void {
    this.db
      .prepare(
        `INSERT INTO jobs (id, created_at, uploader, file_name, stored_path, size, sha256, state, options, parent_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'uploaded', ?, ?)`,
      )
      .run(j.id, this.iso(), j.uploader, j.file_name, j.stored_path, j.size, j.sha256, JSON.stringify(j.options), j.parent_id);
  }

  job(id: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  }

  jobs(limit = 200): JobRow[] {
    return this.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as JobRow[];
  }

  /** Earlier jobs of the same file (same SHA-256), newest first. */
  jobsWithSha(sha256: string, except: string): JobRow[] {
    return this.db.prepare('SELECT * FROM jobs WHERE sha256 = ? AND id != ? ORDER BY created_at DESC LIMIT 5').all(sha256, except) as JobRow[];
  }

  jobsInState(...states: JobState[]): JobRow[] {
    const q = `SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY rowid`;
    return this.db.prepare(q).all(...states) as JobRow[];
  }

  update(id: string, fields: Partial<Omit<JobRow, 'id'>>): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    this.db
      .prepare(`UPDATE jobs SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`)
      .run(...keys.map((k) => (fields as Record<string, unknown>)[k] ?? null), id);
  }

  nowIso(): string {
    return this.iso();
  }
}

export function jobOptions(j: JobRow): JobOptions {
  return JSON.parse(j.options) as JobOptions;
}
