/**
 * Jobs run on the server, independent of any browser: a job is a child
 * `payops run` process. One run per state partition at a time: the server
 * queues its own jobs per partition, and when another payops run (a cron job)
 * holds the partition's state lock the job waits, says who holds it, and
 * starts when the lock is free. Stop sends SIGINT, exactly as Ctrl-C does.
 * A sealed upload (--allow-card-data) reaches the child through a FIFO
 * (sealed.ts), named as the upload was.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { gatewayFlags, inputFlags, startCli, type GatewaySettings } from './child.js';
import { rowsOf, statusCounts, totalOf, waitingOf } from './log-events.js';
import { jobOptions, type JobRow, type Store } from './store.js';
import { clearPath, forgetKey, inputForChild, isSealed, type ChildInput } from './sealed.js';
import { hasCardNumbers, type PreviewData } from './preview.js';

export interface Progress {
  state: string;
  rows: number;
  total: number | null;
  byStatus: Record<string, number>;
  startedAt: number | null;
  rate: number | null;
  etaMs: number | null;
  waiting: { lookups?: number; nextIn?: string };
  message: string | null;
  failures: Array<{ line: unknown; status: unknown; error: unknown; result_code: unknown }>;
}

export interface JobRunnerOptions {
  store: Store;
  gateway: GatewaySettings;
  token: string | undefined;
  partition: string;
  /** The state lock file payops run takes for this partition (when the state is a directory). */
  lockPath: string | undefined;
  columnsSupported: boolean;
  live: boolean;
  lockPollMs?: number;
}

/** `<stem>.results<ext>` / `<stem>.failed<ext>` beside the stored input, as payops run names them (a sealed upload: by its clear name). */
export function outputPaths(storedPath: string): { results: string; failed: string; summary: string; report: string } {
  const name = clearPath(storedPath);
  const ext = extname(name) || '.csv';
  const stem = basename(name, ext);
  const dir = join(storedPath, '..');
  return { results: join(dir, `${stem}.results${ext}`), failed: join(dir, `${stem}.failed${ext}`), summary: join(dir, 'summary.json'), report: join(dir, 'report.html') };
}

/**
 * Delete the stored upload of a job (its outputs stay: payops masks card
 * numbers in them). Used for card data: with --allow-card-data the upload is
 * deleted as soon as the job has finished, so no unmasked card number stays on
 * disk once no resume is possible.
 */
export function discardUpload(store: Store, job: JobRow, why: string): void {
  forgetKey(job.id);
  rmSync(job.stored_path, { force: true });
  // Earlier builds wrote the preview's annotated copy of the rows beside the upload.
  rmSync(join(job.stored_path, '..', 'preview.annotated.csv'), { force: true });
  store.update(job.id, { deleted_at: store.nowIso() });
  store.audit('payops', 'upload deleted', job.id, why);
}

/** What the page says of a sealed upload that a restart made unreadable (its key was in the old process only). */
export function unreadableAfterRestart(job: JobRow): string {
  const preview = job.preview ? (JSON.parse(job.preview) as PreviewData) : undefined;
  const cards = !preview?.headers || hasCardNumbers(preview, jobOptions(job));
  const what = cards ? 'This job held card numbers' : 'This job\'s upload was kept encrypted (this server takes card numbers)';
  const sent = job.started_at ? 'upload the file again — rows already done are recognised and not sent twice' : 'nothing was sent; upload the file again';
  return `${what}; its encrypted upload cannot be read after the server restarted (its key was only in the server's memory), so it was deleted: ${sent}.`;
}

/**
 * At start: sealed uploads left by an earlier server process cannot be read
 * (their keys went with it). Each is deleted and its job says why: a job that
 * had started is stopped for good (Resume is not possible), one that had not
 * is refused. Call before the runner starts queued jobs.
 */
export function forgetSealedUploads(store: Store): void {
  for (const job of store.jobs(100000)) {
    if (job.deleted_at || !isSealed(job.stored_path)) continue;
    const message = unreadableAfterRestart(job);
    discardUpload(store, job, 'encrypted upload unreadable after a restart of the server');
    if (['done', 'refused', 'expired'].includes(job.state)) continue;
    const state = job.state === 'error' ? 'error' : job.started_at ? 'stopped' : 'refused';
    store.update(job.id, { state, message });
  }
}

export function lockHolder(lockPath: string | undefined): string | undefined {
  if (!lockPath || !existsSync(lockPath)) return undefined;
  try {
    const h = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid?: number; host?: string; startedAt?: string };
    return `another payops run holds this partition: pid ${h.pid ?? '?'} on ${h.host ?? '?'}, started ${h.startedAt ?? '?'}`;
  } catch {
    return 'another payops run is taking the state lock of this partition';
  }
}

export class JobRunner {
  private readonly live = new Map<string, Progress>();
  private readonly children = new Map<string, ChildProcess>();
  private readonly listeners = new Map<string, Set<(p: Progress) => void>>();
  private running: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: JobRunnerOptions) {
    // A server that stopped during a run left no child: the run is stopped, a resume continues.
    for (const j of o.store.jobsInState('running', 'stopping')) {
      o.store.update(j.id, { state: 'stopped', message: 'the server stopped during this run; Resume continues where it ended' });
    }
    this.pump();
  }

  progress(id: string): Progress | undefined {
    return this.live.get(id);
  }

  subscribe(id: string, fn: (p: Progress) => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  private emit(id: string): void {
    const p = this.live.get(id);
    if (!p) return;
    for (const fn of this.listeners.get(id) ?? []) fn(p);
  }

  /** Put a confirmed (and approved) job in the partition's queue. */
  enqueue(id: string): void {
    this.o.store.update(id, { state: 'queued', message: null });
    this.setLive(id, { state: 'queued' });
    this.pump();
  }

  stop(id: string): boolean {
    const child = this.children.get(id);
    const job = this.o.store.job(id);
    if (!job) return false;
    if (child) {
      this.o.store.update(id, { state: 'stopping' });
      this.setLive(id, { state: 'stopping', message: 'stopping: requests in flight finish, then the run ends' });
      child.kill('SIGINT');
      return true;
    }
    if (job.state === 'queued' || job.state === 'waiting_lock') {
      this.o.store.update(id, { state: 'stopped', message: 'taken out of the queue before it started; nothing was sent' });
      this.setLive(id, { state: 'stopped' });
      return true;
    }
    return false;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.children.values()) c.kill('SIGINT');
  }

  async waitIdle(): Promise<void> {
    while (this.children.size > 0) await new Promise((r) => setTimeout(r, 50));
  }

  private setLive(id: string, patch: Partial<Progress>): void {
    const base: Progress = this.live.get(id) ?? {
      state: 'queued',
      rows: 0,
      total: null,
      byStatus: {},
      startedAt: null,
      rate: null,
      etaMs: null,
      waiting: {},
      message: null,
      failures: [],
    };
    this.live.set(id, { ...base, ...patch });
    this.emit(id);
  }

  /** Start the next queued job when the partition is free. */
  pump(): void {
    if (this.closed || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.o.store.jobsInState('queued', 'waiting_lock')[0];
    if (!next) return;
    const holder = lockHolder(this.o.lockPath);
    if (holder) {
      this.wait(next, holder);
      return;
    }
    this.start(next);
  }

  private wait(job: JobRow, holder: string): void {
    const message = `${holder}. This job starts when it ends.`;
    if (job.state !== 'waiting_lock' || job.message !== message) this.o.store.update(job.id, { state: 'waiting_lock', message });
    this.setLive(job.id, { state: 'waiting_lock', message });
    this.timer = setTimeout(() => this.pump(), this.o.lockPollMs ?? 1000);
    this.timer.unref();
  }

  private start(job: JobRow): void {
    this.running = job.id;
    inputForChild(job.id, job.stored_path).then(
      (input) => this.launch(job, input),
      (err: Error) => {
        this.running = undefined;
        this.o.store.update(job.id, { state: 'error', message: err.message });
        this.o.store.audit('payops', 'ended with an error', job.id, err.message);
        this.setLive(job.id, { state: 'error', message: err.message });
        this.pump();
      },
    );
  }

  private launch(job: JobRow, input: ChildInput): void {
    // Making a FIFO takes a moment: the job may have been stopped (taken out of the queue) meanwhile.
    const state = this.o.store.job(job.id)?.state;
    if (this.closed || (state !== 'queued' && state !== 'waiting_lock')) {
      input.dispose();
      this.running = undefined;
      this.pump();
      return;
    }
    const out = outputPaths(job.stored_path);
    const options = jobOptions(job);
    const args = [
      'run',
      input.path,
      '--out',
      out.results,
      '--failed',
      out.failed,
      '--summary-json',
      out.summary,
      '--report',
      out.report,
      '--log-format',
      'json',
      ...gatewayFlags(this.o.gateway),
      ...inputFlags(options, this.o.gateway, this.o.columnsSupported),
      ...this.o.gateway.runFlags,
    ];
    if (this.o.live) args.push('--live', '--yes');
    const startedAt = Date.now();
    this.o.store.update(job.id, { state: 'running', started_at: job.started_at ?? this.o.store.nowIso(), message: null, results_path: out.results, failed_path: out.failed });
    // payops counts the rows of a FIFO only as it reads them: until then the total is the preview's.
    const previewRows = isSealed(job.stored_path) && job.preview ? (JSON.parse(job.preview) as Partial<PreviewData>).rows : undefined;
    this.setLive(job.id, { state: 'running', startedAt, rows: 0, byStatus: {}, message: null, failures: [], rate: null, etaMs: null, ...(typeof previewRows === 'number' ? { total: previewRows } : {}) });
    let first: { rows: number; at: number } | undefined;
    const child = startCli(args, this.o.token, (e) => {
      if (e.kind !== 'event') return;
      const f = e.fields;
      const p = this.live.get(job.id)!;
      if (e.event === 'progress' || e.event === 'summary') {
        const by = statusCounts(f);
        const rows = rowsOf(f) ?? Object.values(by).reduce((a, b) => a + b, 0);
        const total = totalOf(f) ?? (e.event === 'summary' ? rows : p.total);
        // The rate counts rows of this run: rows already done earlier come fast and would flatter it.
        first ??= { rows, at: Date.now() };
        const elapsed = (Date.now() - first.at) / 1000;
        const rate = elapsed > 0.5 && rows > first.rows ? (rows - first.rows) / elapsed : p.rate;
        const etaMs = rate && total ? ((total - rows) / rate) * 1000 : null;
        this.setLive(job.id, { rows, total: total ?? null, byStatus: by, rate, etaMs, waiting: waitingOf(f) });
      } else if (e.event === 'row' && p.failures.length < 200) {
        this.setLive(job.id, { failures: [...p.failures, { line: f.line, status: f.status, error: f.error, result_code: f.result_code }] });
      } else if (e.event === 'start' && typeof f.total === 'number') {
        this.setLive(job.id, { total: f.total });
      }
    });
    input.attach(child.process);
    this.children.set(job.id, child.process);
    void child.done.then((r) => {
      this.children.delete(job.id);
      this.running = undefined;
      const summary = existsSync(out.summary) ? readFileSync(out.summary, 'utf8') : null;
      const text = input.problem() ?? r.texts.join(' ');
      const now = this.o.store.nowIso();
      const current = this.o.store.job(job.id);
      if (r.code === 3 && /state (lock|lease)/.test(text) && current?.state !== 'stopping') {
        // A cron run took the partition between our look and our start: wait for it.
        this.o.store.update(job.id, { state: 'waiting_lock', message: `${text} This job starts when it ends.` });
        this.setLive(job.id, { state: 'waiting_lock', message: text });
        // Try again later, not at once: without a lock file to watch (a state URL) that would spin.
        this.timer = setTimeout(() => this.pump(), this.o.lockPollMs ?? 1000);
        this.timer.unref();
        return;
      } else if (r.code === 0 || r.code === 1) {
        this.o.store.update(job.id, { state: 'done', exit_code: r.code, finished_at: now, summary, message: null });
        this.o.store.audit('payops', 'finished', job.id, `exit ${r.code}`);
        if (this.o.gateway.allowCardData) discardUpload(this.o.store, job, 'card data allowed: the upload is deleted once its job has finished');
        this.setLive(job.id, { state: 'done' });
      } else if (input.problem() === undefined && (r.code === 130 || r.code === 143 || r.signal || current?.state === 'stopping')) {
        const msg = 'stopped: what was sent is recorded; Resume continues with the rows not yet done';
        this.o.store.update(job.id, { state: 'stopped', exit_code: r.code, finished_at: now, summary, message: msg });
        this.o.store.audit('payops', 'stopped', job.id, `exit ${r.code ?? r.signal}`);
        this.setLive(job.id, { state: 'stopped', message: msg });
      } else {
        const msg = text || `payops run ended with exit code ${r.code}`;
        this.o.store.update(job.id, { state: 'error', exit_code: r.code, finished_at: now, summary, message: msg });
        this.o.store.audit('payops', 'ended with an error', job.id, `exit ${r.code}`);
        this.setLive(job.id, { state: 'error', message: msg });
      }
      this.pump();
    });
  }
}
