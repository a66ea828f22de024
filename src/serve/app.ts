/**
 * The web application of `payops serve`: upload → preview → confirm
 * (→ approval) → run → results, and the history. Server-rendered pages with
 * a little plain JavaScript; every state-changing request is checked for a
 * session (or a trusted proxy's header) and for coming from this origin.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, chmodSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, dirname, extname, join } from 'node:path';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { maskCardNumbersThoroughly } from '../rows/card-mask.js';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { buildPreview, FIELDS, type PreviewData } from './preview.js';
import { duration, esc, html, money, page, when, type Safe } from './html.js';
import { JobRunner, outputPaths, lockHolder, discardUpload, forgetSealedUploads, unreadableAfterRestart, type Progress } from './jobs.js';
import { looksLikeWorkbook } from '../input/file-type.js';
import { hasCardNumbers } from './preview.js';
import { forgetKey, isSealed, newKey, SEALED_SUFFIX, sealingStream } from './sealed.js';
import { jobOptions, type JobOptions, type JobRow, type Store } from './store.js';
import type { GatewaySettings } from './child.js';
import { verifyPassword } from './users.js';
import { describeResultCode } from '../gateway/result-codes.js';

export type Auth =
  | { kind: 'users'; users: Map<string, string> }
  | { kind: 'proxy'; header: string; trusted: string[] }
  | { kind: 'local' };

export interface AppOptions {
  store: Store;
  dataDir: string;
  gateway: GatewaySettings;
  token: string | undefined;
  environment: { kind: string; label: string; partition: string };
  lockPath: string | undefined;
  auth: Auth;
  approval: boolean;
  approvalAbove: string | undefined;
  approvalExpiresMs: number;
  maxUploadBytes: number;
  columnsSupported: boolean;
  sessionTtlMs?: number;
  lockPollMs?: number;
}

type Env = { Bindings: { incoming: IncomingMessage }; Variables: { user: string } };

const SESSION_COOKIE = 'payops_session';
/** What of an upload is kept in memory to tell a workbook (the bytes payops looks at). */
const HEAD = 64 * 1024;
const OPERATION_WORDS: Record<string, string> = { CP: 'capture', RF: 'refund', RV: 'reversal', RB: 'rebill', RC: 'receipt', CD: 'credit' };
const opName = (t: string) => (OPERATION_WORDS[t] ? `${OPERATION_WORDS[t]} (${t})` : t);
const STATE_WORDS: Record<string, string> = {
  uploaded: 'uploaded, preview being prepared',
  preview: 'preview — nothing has been sent yet',
  approval: 'waiting for approval by a second person — nothing has been sent yet',
  queued: 'queued — starts when the partition is free',
  waiting_lock: 'waiting — another payops run holds this partition',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped — Resume continues',
  done: 'finished',
  error: 'ended with an error',
  expired: 'approval lapsed — nothing was sent',
  refused: 'refused — nothing was sent',
};

/** An encrypted upload that a restart made unreadable: no Resume. */
const unreadable = (j: JobRow) => isSealed(j.stored_path) && j.deleted_at !== null && (j.state === 'stopped' || j.state === 'error');
const stateWords = (j: JobRow) => (unreadable(j) ? `${j.state === 'error' ? 'ended with an error' : 'stopped'} — upload the file again to continue` : STATE_WORDS[j.state] ?? j.state);

/**
 * A live job is confirmed by typing the number of valid rows or one of the
 * totals shown (thousands separators and spaces ignored, `1254.49` = `1,254.49`).
 */
export function liveConfirmationMatches(typed: string, p: Pick<PreviewData, 'valid' | 'totals'>): boolean {
  const t = typed.trim().replace(/[\s']/g, '');
  if (t === '') return false;
  if (t === String(p.valid)) return true;
  const plain = t.replace(/,(?=\d{3}(\D|$))/g, '');
  if (!/^\d+(\.\d+)?$/.test(plain)) return false;
  const totals = Object.values(p.totals).flatMap((b) => Object.values(b).map((x) => x.total));
  return totals.some((x) => Number(plain) === Number(x));
}

function describeOptions(o: JobOptions): string {
  const parts = [`decimal comma ${o.decimalComma ? 'on' : 'off'}`, `encoding ${o.encoding ?? 'detected'}`, `delimiter ${o.delimiter ?? 'detected'}`];
  if (o.sheet) parts.push(`sheet ${o.sheet}`);
  const cols = Object.entries(o.columns).map(([f, h]) => `${f}=${h}`);
  parts.push(cols.length ? `columns ${cols.join(', ')}` : 'no column mapping');
  return parts.join('; ');
}

/** A file name that is safe on disk and keeps what the user recognises. */
export function safeFileName(name: string): string {
  // A file named after a card number keeps only its masked form (payops run masks such names in the journal too).
  const base = basename(maskCardNumbersThoroughly(name).replace(/\\/g, '/')).replace(/[^\p{L}\p{N}._ -]/gu, '_').replace(/^\.+/, '_').slice(-120);
  return base === '' ? 'upload.csv' : base;
}

function remoteAddress(c: Context<Env>): string {
  const a = c.env.incoming.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function sameOrigin(c: Context<Env>): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  const host = c.req.header('host');
  if (!origin || !host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}

/** Whether some currency's total of the valid rows is over `--approval-above` (which then asks for a second person). */
export function totalsOver(p: Pick<PreviewData, 'totals'>, limit: number): boolean {
  for (const byType of Object.values(p.totals)) {
    let sum = 0;
    for (const t of Object.values(byType)) sum += Number(t.total);
    // A total that is not a number asks for approval: the check fails closed.
    if (!Number.isFinite(sum) || sum > limit) return true;
  }
  return false;
}

/** Why a server with --allow-card-data takes no workbook (payops reads one only from a regular file, and a sealed upload is never one). */
const NO_WORKBOOKS_WITH_CARDS =
  'this server takes card numbers (--allow-card-data), so it keeps every upload encrypted and hands it to payops through a pipe; payops reads an Excel workbook only from a file, so workbooks are not taken here. Save the sheet as CSV (File > Save As > CSV UTF-8) and upload that';

export function createApp(o: AppOptions): { app: Hono<Env>; runner: JobRunner } {
  const { store } = o;
  // Encrypted uploads of an earlier server process: their keys went with it.
  forgetSealedUploads(store);
  const runner = new JobRunner({
    store,
    gateway: o.gateway,
    token: o.token,
    partition: o.environment.partition,
    lockPath: o.lockPath,
    columnsSupported: o.columnsSupported,
    live: o.environment.kind === 'live',
    ...(o.lockPollMs !== undefined ? { lockPollMs: o.lockPollMs } : {}),
  });
  const app = new Hono<Env>();
  const ctx = (c: Context<Env>, title: string) => ({
    title,
    environment: o.environment.kind,
    gatewayLabel: o.environment.label,
    user: c.get('user') as string | undefined,
    csrfFree: o.auth.kind !== 'users',
  });
  const secureCookie = false;

  // ---- security: every request ----
  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'");
    c.header('Cache-Control', 'no-store');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !sameOrigin(c)) {
      return c.text('refused: this request did not come from this page (cross-origin requests are not accepted)', 403);
    }
    const path = c.req.path;
    if (o.auth.kind === 'proxy') {
      const auth = o.auth;
      if (!auth.trusted.includes(remoteAddress(c))) return c.text('refused: requests must come through the trusted proxy', 403);
      const user = c.req.header(auth.header);
      if (!user) return c.text(`refused: no ${auth.header} header from the proxy`, 401);
      c.set('user', user);
      return next();
    }
    if (o.auth.kind === 'local') {
      c.set('user', 'local');
      return next();
    }
    if (path === '/login') return next();
    const token = getCookie(c, SESSION_COOKIE);
    const user = token ? store.sessionUser(token) : undefined;
    if (!user) {
      if (c.req.method === 'GET' && !path.includes('/events') && !path.includes('/download')) return c.redirect('/login', 303);
      return c.text('refused: sign in first', 401);
    }
    c.set('user', user);
    return next();
  });

  // ---- sign in ----
  app.get('/login', (c) => {
    const failed = c.req.query('failed') !== undefined;
    return c.html(
      page(
        ctx(c, 'Sign in'),
        html`<h1>Sign in</h1><div class="card"><form method="post" action="/login">
        ${failed ? html`<p class="bad">That name and password do not match.</p>` : ''}
        <p><label>Name <input type="text" name="name" autocomplete="username" required></label></p>
        <p><label>Password <input type="password" name="password" autocomplete="current-password" required></label></p>
        <button type="submit">Sign in</button></form></div>`,
      ),
    );
  });
  app.post('/login', async (c) => {
    if (o.auth.kind !== 'users') return c.redirect('/', 303);
    const body = await c.req.parseBody();
    const name = String(body.name ?? '');
    const hash = o.auth.users.get(name);
    const ok = hash !== undefined && verifyPassword(String(body.password ?? ''), hash);
    if (!ok) {
      store.audit(name || '?', 'sign-in refused', null);
      return c.redirect('/login?failed', 303);
    }
    const token = store.createSession(name, o.sessionTtlMs ?? 12 * 3600_000);
    setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/', secure: secureCookie });
    store.audit(name, 'signed in', null);
    return c.redirect('/', 303);
  });
  app.post('/logout', (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) store.deleteSession(token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });

  // ---- 1. upload ----
  app.get('/', (c) => {
    const limitMb = Math.round(o.maxUploadBytes / 1e6);
    return c.html(
      page(
        ctx(c, 'Upload'),
        html`<h1>1. Upload a file of operations</h1>
        <div class="card"><form id="upform" method="post" action="/upload" enctype="multipart/form-data">
        <div id="drop"><p><strong>Drop a CSV or Excel (.xlsx) file here</strong>, or choose one:</p>
        <input id="file" type="file" name="file" accept=".csv,.txt,.tsv,.xlsx" required>
        <p class="muted">Up to ${limitMb} MB. Nothing is sent to the gateway when you upload: you see a preview first.</p>
        <button type="submit" id="upbtn">Upload and preview</button></div>
        <progress id="upprog" value="0" max="100" hidden></progress><p id="upmsg" class="muted" role="status"></p></form></div>
        <p><a href="/history">History of all jobs</a></p>`,
        { script: UPLOAD_JS },
      ),
    );
  });

  const createJob = (user: string, fileName: string, storedPath: string, size: number, sha256: string, parent: string | null, options: JobOptions): string => {
    const id = basename(join(storedPath, '..'));
    fileName = maskCardNumbersThoroughly(fileName);
    store.insertJob({ id, uploader: user, file_name: fileName, stored_path: storedPath, size, sha256, parent_id: parent, options });
    store.audit(user, 'uploaded', id, `${fileName} (${size} bytes, sha256 ${sha256})`);
    void refreshPreview(id);
    return id;
  };

  /** Whether payops has state for this partition yet (its directory holds more than a lock); unknown (a state URL, sim): yes. */
  const partitionHasState = (): boolean => {
    if (!o.lockPath) return true;
    try {
      return readdirSync(dirname(o.lockPath)).some((f) => !/^lock/.test(f));
    } catch {
      return false;
    }
  };
  const previews = new Map<string, Promise<void>>();
  const refreshPreview = (id: string): Promise<void> => {
    const job = store.job(id)!;
    store.update(id, { state: 'uploaded', preview: null });
    const p = buildPreview({
      jobId: id,
      input: job.stored_path,
      options: jobOptions(job),
      gateway: o.gateway,
      token: o.token,
      columnsSupported: o.columnsSupported,
      earlierState: partitionHasState(),
    })
      .then((data) => {
        store.update(id, { state: 'preview', preview: JSON.stringify(data) });
        if (!o.gateway.allowCardData && hasCardNumbers(data, jobOptions(store.job(id)!))) {
          discardUpload(store, store.job(id)!, 'card numbers refused: serve runs without --allow-card-data');
          store.update(id, { state: 'refused', message: 'This file has a card-number column. This server does not accept card numbers (it was not started with --allow-card-data), so the upload was deleted and nothing was sent. Use registrations (registration_id) instead.' });
        }
      })
      .catch((err: Error) => store.update(id, { state: 'preview', preview: JSON.stringify({ ok: false, error: err.message }) }));
    previews.set(id, p);
    return p;
  };

  app.post('/upload', async (c) => {
    const user = c.get('user');
    const req = c.env.incoming;
    const id = `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(6).toString('hex')}`;
    const dir = join(o.dataDir, 'jobs', id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // With --allow-card-data every upload is encrypted as it streams in: no clear byte reaches the disk.
    const sealed = o.gateway.allowCardData;
    const result = await new Promise<{ ok: true; name: string; path: string; size: number; sha: string } | { ok: false; status: 400 | 413; message: string }>((resolve) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: o.maxUploadBytes, fields: 10 } });
      } catch {
        resolve({ ok: false, status: 400, message: 'expected a file upload (multipart/form-data)' });
        return;
      }
      let got = false;
      let pending: Promise<void> | undefined;
      let outcome: { ok: true; name: string; path: string; size: number; sha: string } | { ok: false; status: 400 | 413; message: string } | undefined;
      bb.on('file', (_field, file, info) => {
        got = true;
        const name = safeFileName(info.filename || 'upload.csv');
        const path = join(dir, sealed ? name + SEALED_SUFFIX : name);
        const hash = createHash('sha256');
        let size = 0;
        let head = Buffer.alloc(0);
        const out = sealed ? sealingStream(path, newKey(id)) : createWriteStream(path, { mode: 0o600 });
        file.on('data', (d: Buffer) => {
          hash.update(d);
          size += d.length;
          if (sealed && head.length < HEAD) head = Buffer.concat([head, d.subarray(0, HEAD - head.length)]);
        });
        file.on('limit', () => {
          outcome = { ok: false, status: 413, message: `the file is larger than the limit of ${Math.round(o.maxUploadBytes / 1e6)} MB` };
        });
        file.pipe(out);
        pending = new Promise((r) => out.on('close', () => r()));
        void pending.then(() => {
          if (sealed && looksLikeWorkbook(head, name)) outcome ??= { ok: false, status: 400, message: NO_WORKBOOKS_WITH_CARDS };
          outcome ??= { ok: true, name: info.filename || name, path, size, sha: hash.digest('hex') };
        });
      });
      bb.on('close', async () => {
        await pending;
        if (!got) outcome = { ok: false, status: 400, message: 'no file in the upload' };
        resolve(outcome!);
      });
      bb.on('error', () => resolve({ ok: false, status: 400, message: 'the upload was cut off; try again' }));
      req.pipe(bb);
    });
    if (!result.ok) {
      rmSync(dir, { recursive: true, force: true });
      forgetKey(id);
      return c.text(result.message, result.status);
    }
    chmodSync(result.path, 0o600);
    createJob(user, result.name, result.path, result.size, result.sha, null, { decimalComma: false, columns: {} });
    const jobId = basename(dir);
    if (c.req.header('accept')?.includes('application/json')) return c.json({ url: `/jobs/${jobId}` });
    return c.redirect(`/jobs/${jobId}`, 303);
  });

  // ---- the job page: preview, confirm, approval, progress, results ----
  const loadJob = (c: Context<Env>): JobRow | undefined => {
    const job = store.job(c.req.param('id') ?? '');
    if (job && job.state === 'approval' && job.approval_expires_at && job.approval_expires_at <= store.nowIso()) {
      store.update(job.id, { state: 'expired', message: 'not approved in time; upload the file again to start over' });
      store.audit('payops', 'approval lapsed', job.id);
      if (o.gateway.allowCardData) discardUpload(store, job, 'card data allowed: the upload is deleted once its job can no longer run');
      return store.job(job.id);
    }
    return job;
  };

  app.get('/jobs/:id', async (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    if (job.state === 'uploaded') await previews.get(job.id);
    const fresh = store.job(job.id)!;
    return c.html(page(ctx(c, fresh.file_name), jobBody(fresh, c.get('user')), { script: fresh.state === 'running' || fresh.state === 'queued' || fresh.state === 'waiting_lock' || fresh.state === 'stopping' ? progressJs(fresh.id) : '' }));
  });

  const jobBody = (job: JobRow, user: string): Safe => {
    const steps = html`<p class="muted">Job ${job.id} · <strong>${job.file_name}</strong> · uploaded by ${job.uploader} at ${when(job.created_at)} · SHA-256 <code>${job.sha256}</code></p>
      <p>Status: <strong id="jobstate">${stateWords(job)}</strong></p>`;
    const preview = job.preview ? (JSON.parse(job.preview) as PreviewData) : undefined;
    const parts: Safe[] = [steps];
    if (job.message) parts.push(html`<div class="banner ${['error', 'expired', 'refused'].includes(job.state) ? 'banner-error' : 'banner-warn'}" id="jobmsg">${job.message}</div>`);
    if (['preview', 'approval', 'expired'].includes(job.state) && preview) parts.push(previewSection(job, preview, user));
    if (['queued', 'waiting_lock', 'running', 'stopping', 'stopped', 'done', 'error'].includes(job.state)) parts.push(progressSection(job));
    if (['done', 'stopped', 'error'].includes(job.state)) parts.push(resultsSection(job));
    parts.push(auditSection(job.id));
    const title = ['preview', 'uploaded', 'refused'].includes(job.state) ? '2. Preview' : job.state === 'approval' ? '3. Approval' : ['done', 'stopped', 'error'].includes(job.state) ? '5. Results' : '4. Run';
    return html`<h1>${title}</h1>${parts}`;
  };

  const previewSection = (job: JobRow, p: PreviewData, user: string): Safe => {
    const opts = jobOptions(job);
    const editable = job.state === 'preview';
    const delimiterName = (d: string | undefined) => (d === ';' ? 'semicolon' : d === ',' ? 'comma' : d === '\t' ? 'tab' : d === '|' ? 'pipe' : d ?? '');
    const optionForm = html`<div class="card"><h2>How the file is read</h2>
      <form method="post" action="/jobs/${job.id}/options">
      <p id="detected">Detected: ${p.dialect.sheet !== undefined ? html`an Excel workbook, sheet <strong>${p.dialect.sheet}</strong>` : html`encoding <strong>${p.dialect.encoding ?? '—'}</strong>, delimiter <strong>${delimiterName(p.dialect.delimiter)}</strong>`}.</p>
      ${p.notices.map((n) => html`<p class="muted">${n}</p>`)}
      <label>Encoding <select name="encoding" ${editable ? '' : 'disabled'}>
        ${['', 'utf-8', 'windows-1252', 'utf-16le', 'utf-16be', 'iso-8859-1'].map((e) => html`<option value="${e}" ${opts.encoding === e || (!opts.encoding && e === '') ? 'selected' : ''}>${e === '' ? 'detect' : e}</option>`)}
      </select></label>
      <label>Delimiter <select name="delimiter" ${editable ? '' : 'disabled'}>
        ${[['', 'detect'], [',', 'comma ,'], [';', 'semicolon ;'], ['tab', 'tab'], ['|', 'pipe |']].map(([v, l]) => html`<option value="${v}" ${(opts.delimiter ?? '') === v ? 'selected' : ''}>${l}</option>`)}
      </select></label>
      <label><input type="checkbox" name="decimal_comma" id="decimal_comma" value="1" ${opts.decimalComma ? 'checked' : ''} ${editable ? '' : 'disabled'}> Amounts use a decimal comma (12,50)</label>
      ${o.gateway.sheetSupported && (p.dialect.sheet !== undefined || opts.sheet) ? html`<label>Sheet (Excel) <input type="text" name="sheet" id="sheet" value="${opts.sheet ?? ''}" placeholder="${p.dialect.sheet ? `${p.dialect.sheet} (the first)` : 'the first sheet'}" ${editable ? '' : 'disabled'}></label>` : ''}
      <h2>Columns</h2>
      ${o.columnsSupported ? html`<p class="muted">Choose which payops field each of your columns holds (for example Betrag → amount, Zahlungs-ID → payment_id, Vorgang → operation); columns left as they are are carried through to the results.</p>` : html`<p class="muted">Mapping your own headers needs the --column option of payops run, which this build does not have: rename the headers in the file instead.</p>`}
      <table><thead><tr><th>Your column</th><th>payops reads it as</th></tr></thead><tbody>
      ${p.headers.map((h, i) => {
        const mapped = Object.entries(opts.columns).find(([, hh]) => hh === h)?.[0];
        const current = mapped ?? p.recognised[h] ?? '';
        return html`<tr><td>${h}</td><td><select name="map_${i}" data-header="${h}" ${editable && o.columnsSupported ? '' : 'disabled'}>
          <option value="">(your own column, carried through)</option>
          ${FIELDS.map((f) => html`<option value="${f}" ${current === f ? 'selected' : ''}>${f}</option>`)}</select>
          <input type="hidden" name="header_${i}" value="${h}"></td></tr>`;
      })}</tbody></table>
      ${editable ? html`<p><button type="submit" class="secondary" id="apply">Apply and check again</button></p>` : ''}
      </form></div>`;
    if (!p.ok) {
      return html`<div class="banner banner-error" id="preview-error">payops cannot read this file yet: ${p.error ?? 'unknown error'}</div>${optionForm}
        <div class="banner banner-safe">Nothing has been sent yet.</div>`;
    }
    const totals: Safe[] = [];
    for (const [cur, byType] of Object.entries(p.totals)) for (const [type, t] of Object.entries(byType)) totals.push(html`<tr><td>${cur}</td><td>${opName(type)}</td><td class="num">${t.rows}</td><td class="num">${money(t.total)}</td></tr>`);
    for (const [type, n] of Object.entries(p.byOperation)) {
      const withAmount = Object.values(p.totals).reduce((a, b) => a + (b[type]?.rows ?? 0), 0);
      if (n > withAmount) totals.push(html`<tr><td>—</td><td>${opName(type)}</td><td class="num">${n - withAmount}</td><td class="num muted">no amount (full ${OPERATION_WORDS[type] ?? type})</td></tr>`);
    }
    const groups = p.invalidGroups.map(
      (g) => html`<tr><td class="num">${g.count}</td><td>${g.example}</td><td>${g.lines.join(', ')}${g.count > g.lines.length ? ' …' : ''}</td><td>${(g.cells ?? []).join('; ')}${g.count > (g.cells ?? []).length && (g.cells ?? []).length ? ' …' : ''}</td></tr>`,
    );
    const needsApproval = o.approval && (o.approvalAbove === undefined || totalsOver(p, Number(o.approvalAbove)));
    let action: Safe;
    if (job.state === 'preview') {
      const live = o.environment.kind === 'live';
      action = p.valid === 0
        ? html`<p class="bad">No valid rows: nothing to send. Fix the file or the options above.</p>`
        : html`<div class="card"><h2>3. Confirm</h2><form method="post" action="/jobs/${job.id}/confirm">
        ${live ? html`<p class="bad"><strong>LIVE: this moves real money.</strong> Type the number of valid rows (${p.valid}) or a total shown above to confirm.</p><p><input type="text" name="typed" id="typed" autocomplete="off" required></p>` : ''}
        <p>${p.valid} valid row(s) will be sent${p.alreadyDone ? html`, except ${p.alreadyDone} already done earlier` : ''}${p.invalid ? html`; ${p.invalid} invalid row(s) are not sent and go to the failed-rows file` : ''}.</p>
        ${needsApproval ? html`<p>A second person must approve this job before anything is sent (within ${duration(o.approvalExpiresMs)}).</p>` : ''}
        <button type="submit" id="confirm">${needsApproval ? 'Ask for approval' : `Send ${p.valid} row(s)`}</button></form></div>`;
    } else if (job.state === 'approval') {
      action = html`<div class="card"><h2>3. Approval</h2><p>Confirmed by ${job.uploader}; waiting for a second person until ${when(job.approval_expires_at)}.</p>
        ${user === job.uploader ? html`<p class="muted">You uploaded this job, so you cannot approve it: ask a colleague to open this page.</p>` : ''}
        <form method="post" action="/jobs/${job.id}/approve"><button type="submit" id="approve">Approve and send</button></form></div>`;
    } else action = html``;
    const figures = html`<div class="grid"><div class="stat"><div class="label">rows</div><div class="big" id="rows">${p.rows}</div></div>
      <div class="stat"><div class="label">valid</div><div class="big ok" id="valid">${p.valid}</div></div>
      <div class="stat"><div class="label">invalid</div><div class="big ${p.invalid ? 'bad' : ''}" id="invalid">${p.invalid}</div></div>
      <div class="stat"><div class="label">already done earlier</div><div class="big" id="already">${p.alreadyDone}</div></div></div>
      <h2>Totals of the valid rows</h2><table id="totals"><thead><tr><th>Currency</th><th>Operation</th><th class="num">Rows</th><th class="num">Total</th></tr></thead><tbody>${totals}</tbody></table>
      ${p.invalid ? html`<h2>Invalid rows, by reason (each message says the fix)</h2><table id="invalid-groups"><thead><tr><th class="num">Rows</th><th>Reason and fix</th><th>Lines</th><th>Cells</th></tr></thead><tbody>${groups}</tbody></table>` : ''}
      ${p.alreadyDoneBy?.length ? html`<h2>Rows already done earlier</h2><p class="muted">These rows are not sent again.</p><table id="done-by"><thead><tr><th>File that did them</th><th class="num">Rows</th><th>When</th></tr></thead><tbody>${p.alreadyDoneBy.map((b) => html`<tr><td>${b.file}</td><td class="num">${b.rows}</td><td>${b.firstDate && b.lastDate && b.firstDate !== b.lastDate ? `${b.firstDate} – ${b.lastDate}` : (b.firstDate ?? b.lastDate ?? '')}</td></tr>`)}</tbody></table>` : ''}
      ${sameFile(job)}
      <div class="banner banner-safe" id="nothing-sent">Nothing has been sent yet.</div>`;
    // Waiting for approval, the approver's question comes first; in the preview, how the file is read.
    return job.state === 'approval' ? html`${action}${figures}${optionForm}` : html`${optionForm}${figures}${action}`;
  };

  const sameFile = (job: JobRow): Safe => {
    const earlier = store.jobsWithSha(job.sha256, job.id).filter((j) => j.started_at);
    if (earlier.length === 0) return html``;
    return html`<div class="banner banner-warn" id="same-file">This exact file (same SHA-256) was run before: ${earlier.map(
      (j, i) => html`${i ? '; ' : ''}<a href="/jobs/${j.id}">${j.file_name}</a> started ${when(j.started_at)} by ${j.started_by ?? j.uploader} (${stateWords(j)})`,
    )}. Rows it did are not sent again.</div>`;
  };

  const progressSection = (job: JobRow): Safe => {
    const p = runner.progress(job.id);
    const s = job.summary ? (JSON.parse(job.summary) as Record<string, unknown>) : undefined;
    const counts = (p?.byStatus && Object.keys(p.byStatus).length ? p.byStatus : (s?.byStatus as Record<string, number>)) ?? {};
    const rows = p?.rows ?? (s?.rows as number | undefined) ?? 0;
    const total = p?.total ?? (s?.rows as number | undefined) ?? null;
    const active = ['queued', 'waiting_lock', 'running', 'stopping'].includes(job.state);
    return html`<div class="card" id="progress-card"><h2>Progress</h2>
      <progress id="bar" value="${rows}" max="${total ?? Math.max(rows, 1)}"></progress>
      <p><span id="done">${rows}</span> of <span id="total">${total ?? '?'}</span> rows · rate <span id="rate">${p?.rate ? `${p.rate.toFixed(1)} rows/s` : 'measuring…'}</span> · ETA <span id="eta">${p?.etaMs != null ? duration(p.etaMs) : '—'}</span></p>
      <p id="counts">${Object.entries(counts).filter(([, n]) => n).map(([k, n]) => html`<span class="stat" style="display:inline-block;margin-right:.4rem">${k}: <strong>${n}</strong></span>`)}</p>
      <p id="waiting" class="muted">${p?.waiting.lookups ? `${p.waiting.lookups} row(s) waiting for a lookup (the gateway did not say what happened to a send)${p.waiting.nextIn ? `, next lookup in ${p.waiting.nextIn}` : ''}` : ''}</p>
      ${active ? html`<form method="post" action="/jobs/${job.id}/stop"><button type="submit" class="danger" id="stop">Stop</button> <span class="muted">Requests in flight finish; Resume continues later.</span></form>` : ''}
      ${unreadable(job) ? html`<p id="upload-again"><a class="button" href="/">Upload the file again</a> <span class="muted">Rows already done are recognised and not sent twice.</span></p>` : ''}
      ${(job.state === 'stopped' || job.state === 'error') && !unreadable(job) ? html`<form method="post" action="/jobs/${job.id}/resume"><button type="submit" id="resume">Resume</button> <span class="muted">Runs the same file again: rows already done are not sent twice.</span></form>` : ''}
      <p class="muted">You can close this page: the job runs on the server.</p></div>`;
  };

  const resultsSection = (job: JobRow): Safe => {
    const out = outputPaths(job.stored_path);
    const s = job.summary ? (JSON.parse(job.summary) as Record<string, unknown>) : undefined;
    const amounts = (s?.amountsSucceeded ?? s?.amounts_succeeded ?? {}) as Record<string, Record<string, string>>;
    const amountRows: Safe[] = [];
    for (const [k, v] of Object.entries(amounts)) {
      if (v && typeof v === 'object') for (const [k2, a] of Object.entries(v)) amountRows.push(html`<tr><td>${opName(k)}</td><td>${k2}</td><td class="num">${money(String(a))}</td></tr>`);
      else amountRows.push(html`<tr><td colspan="2">${k}</td><td class="num">${String(v)}</td></tr>`);
    }
    const hasResults = existsSync(out.results);
    const hasFailed = existsSync(out.failed);
    const failures = runner.progress(job.id)?.failures ?? [];
    return html`<div class="card" id="results"><h2>Results</h2>
      ${s ? html`<p>Exit code ${job.exit_code ?? '—'} · ${String(s.rows ?? '?')} rows</p>` : ''}
      ${amountRows.length ? html`<table><thead><tr><th colspan="2">Succeeded</th><th class="num">Amount</th></tr></thead><tbody>${amountRows}</tbody></table>` : ''}
      <p>${hasResults ? html`<a class="button" id="dl-results" href="/jobs/${job.id}/download/results">Download results (${basename(out.results)})</a>` : 'No results file.'}
      ${hasFailed ? html` <a class="button secondary" id="dl-failed" href="/jobs/${job.id}/download/failed">Download failed rows (${basename(out.failed)})</a>` : html` <span class="ok">No failed rows.</span>`}</p>
      ${hasFailed ? html`<form method="post" action="/jobs/${job.id}/rerun-failed"><p>Corrected the rows? Download the failed-rows file, fix it and upload it on the Upload page. Or start a new job with it as it is: <button type="submit" class="secondary" id="rerun-failed">New job from the failed-rows file</button></p></form>` : ''}
      ${failures.length ? html`<h2>Rows that need attention</h2><table><thead><tr><th>Line</th><th>Status</th><th>Code</th><th>Why</th></tr></thead><tbody>${failures.map((f) => html`<tr><td>${String(f.line ?? '')}</td><td>${String(f.status ?? '')}</td><td>${String(f.result_code ?? '')}</td><td>${String(f.error ?? (typeof f.result_code === 'string' ? describeResultCode(f.result_code) : ''))}</td></tr>`)}</tbody></table>` : ''}
      ${existsSync(out.report) ? html`<h2>Report</h2><p><a class="button secondary" id="dl-report" href="/jobs/${job.id}/download/report">Download the report (report.html)</a> <a href="/jobs/${job.id}/report" target="_blank" rel="noopener">open it on its own</a></p>
      <iframe id="report" title="The report of this run" src="/jobs/${job.id}/report" sandbox style="width:100%;height:900px;border:1px solid #ccc;border-radius:6px"></iframe>` : html`<p class="muted">No report: this run ended before payops wrote it.</p>`}</div>`;
  };

  const auditSection = (jobId: string): Safe => {
    const rows = store.auditLog(100, jobId);
    return html`<h2>What happened to this job</h2><table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Detail</th></tr></thead><tbody>
      ${rows.map((r) => html`<tr><td>${when(r.at)}</td><td>${r.user}</td><td>${r.action}</td><td>${r.detail ?? ''}</td></tr>`)}</tbody></table>`;
  };

  app.post('/jobs/:id/options', async (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    if (job.state !== 'preview') return c.text('this job is past its preview', 409);
    const body = await c.req.parseBody();
    const columns: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) {
      const m = /^map_(\d+)$/.exec(k);
      if (!m || typeof v !== 'string' || v === '') continue;
      const header = body[`header_${m[1]}`];
      if (typeof header === 'string' && FIELDS.includes(v)) columns[v] = header;
    }
    const options: JobOptions = { decimalComma: body.decimal_comma === '1', columns };
    const enc = String(body.encoding ?? '');
    if (enc) options.encoding = enc;
    const del = String(body.delimiter ?? '');
    if ([',', ';', 'tab', '|'].includes(del)) options.delimiter = del;
    const sheet = String(body.sheet ?? '').trim();
    if (sheet) options.sheet = sheet;
    // A header payops already reads as that field needs no mapping.
    const preview = job.preview ? (JSON.parse(job.preview) as PreviewData) : undefined;
    for (const [f, h] of Object.entries(options.columns)) if (preview?.recognised[h] === f) delete options.columns[f];
    store.update(job.id, { options: JSON.stringify(options) });
    store.audit(c.get('user'), 'changed options', job.id, describeOptions(options));
    await refreshPreview(job.id);
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.post('/jobs/:id/confirm', async (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    if (job.state !== 'preview' || !job.preview) return c.text('this job cannot be confirmed now', 409);
    const p = JSON.parse(job.preview) as PreviewData;
    if (!p.ok || p.valid === 0) return c.text('nothing valid to send', 409);
    const user = c.get('user');
    if (o.environment.kind === 'live') {
      const body = await c.req.parseBody();
      if (!liveConfirmationMatches(String(body.typed ?? ''), p)) {
        store.audit(user, 'live confirmation refused', job.id, 'typed value did not match');
        return c.html(page(ctx(c, 'Confirm'), html`<div class="banner banner-error">What you typed does not match the number of rows (${p.valid}) or a total. Nothing was sent.</div><p><a href="/jobs/${job.id}">Back to the preview</a></p>`), 400);
      }
    }
    const needsApproval = o.approval && (o.approvalAbove === undefined || totalsOver(p, Number(o.approvalAbove)));
    if (needsApproval) {
      store.update(job.id, { state: 'approval', approval_needed: 1, started_by: user, approval_expires_at: new Date(Date.now() + o.approvalExpiresMs).toISOString() });
      store.audit(user, 'confirmed, approval requested', job.id);
    } else {
      store.update(job.id, { started_by: user });
      store.audit(user, 'confirmed and started', job.id, `${p.valid} valid rows`);
      runner.enqueue(job.id);
    }
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.post('/jobs/:id/approve', (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    const user = c.get('user');
    if (job.state !== 'approval') return c.text(`this job is not waiting for approval (${STATE_WORDS[job.state] ?? job.state})`, 409);
    if (user === job.uploader || user === job.started_by) {
      store.audit(user, 'approval refused', job.id, 'the uploader cannot approve their own job');
      return c.html(page(ctx(c, 'Approval refused'), html`<div class="banner banner-error" id="refused">You uploaded this job, so you cannot approve it. A second, different person must approve. Nothing was sent.</div><p><a href="/jobs/${job.id}">Back to the job</a></p>`), 403);
    }
    store.update(job.id, { approver: user, approved_at: store.nowIso() });
    store.audit(user, 'approved', job.id);
    runner.enqueue(job.id);
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.post('/jobs/:id/stop', (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    if (runner.stop(job.id)) store.audit(c.get('user'), 'stop requested', job.id);
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.post('/jobs/:id/resume', (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    if (job.state !== 'stopped' && job.state !== 'error') return c.text('only a stopped job can be resumed', 409);
    if (job.approval_needed && !job.approver) return c.text('this job was never approved', 409);
    if (job.deleted_at) return c.text(isSealed(job.stored_path) ? job.message ?? unreadableAfterRestart(job) : 'the uploaded file was deleted by the retention rule', 410);
    store.audit(c.get('user'), 'resumed', job.id);
    runner.enqueue(job.id);
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.get('/jobs/:id/events', (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    return streamSSE(c, async (stream) => {
      const send = async (p: Progress | undefined) => {
        const state = p?.state ?? store.job(job.id)?.state;
        const { failures, ...rest } = p ?? ({} as Partial<Progress>);
        await stream.writeSSE({ event: 'progress', data: JSON.stringify({ ...rest, failuresShown: failures?.length ?? 0, state, stateWords: STATE_WORDS[state ?? ''] ?? state }) });
      };
      let queue = Promise.resolve();
      let ended = false;
      const finish = new Promise<void>((resolve) => {
        const unsub = runner.subscribe(job.id, (p) => {
          queue = queue.then(() => send(p)).catch(() => undefined);
          if (['done', 'stopped', 'error'].includes(p.state)) {
            ended = true;
            unsub();
            void queue.then(resolve);
          }
        });
        stream.onAbort(() => {
          unsub();
          resolve();
        });
      });
      await send(runner.progress(job.id));
      const st = store.job(job.id)?.state ?? '';
      if (!['queued', 'waiting_lock', 'running', 'stopping'].includes(st) && !ended) return;
      const beat = setInterval(() => void stream.writeSSE({ event: 'ping', data: '' }).catch(() => undefined), 15000);
      await finish;
      clearInterval(beat);
    });
  });

  app.get('/jobs/:id/download/:which', (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    const which = c.req.param('which');
    const out = outputPaths(job.stored_path);
    const path = which === 'results' ? out.results : which === 'failed' ? out.failed : which === 'report' ? out.report : undefined;
    if (!path || !existsSync(path)) return c.text('no such file', 404);
    store.audit(c.get('user'), 'downloaded', job.id, basename(path));
    const ext = extname(path).toLowerCase();
    const type = ext === '.xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : ext === '.html' ? 'text/html; charset=utf-8' : 'text/csv';
    const name = basename(path);
    c.header('Content-Type', type);
    c.header('Content-Length', String(statSync(path).size));
    c.header('Content-Disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`);
    return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream);
  });

  // The report payops run wrote (--report), shown in the results page's frame: no script may run in it.
  app.get('/jobs/:id/report', (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    const path = outputPaths(job.stored_path).report;
    if (!existsSync(path)) return c.text('no report for this job', 404);
    c.header('X-Frame-Options', 'SAMEORIGIN');
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox");
    c.header('Content-Type', 'text/html; charset=utf-8');
    return c.body(readFileSync(path, 'utf8'));
  });

  app.post('/jobs/:id/rerun-failed', async (c) => {
    const job = loadJob(c);
    if (!job) return c.text('no such job', 404);
    const out = outputPaths(job.stored_path);
    if (!existsSync(out.failed)) return c.text('this job has no failed-rows file', 404);
    const sealed = o.gateway.allowCardData;
    const failed = readFileSync(out.failed);
    if (sealed && looksLikeWorkbook(failed.subarray(0, HEAD), out.failed)) return c.text(NO_WORKBOOKS_WITH_CARDS, 409);
    const id = `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(6).toString('hex')}`;
    const dir = join(o.dataDir, 'jobs', id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const name = basename(out.failed);
    let dest = join(dir, name);
    if (sealed) {
      // Like an upload: kept encrypted (payops masks card numbers in it, but every upload here is sealed).
      dest += SEALED_SUFFIX;
      const w = sealingStream(dest, newKey(id));
      await new Promise<void>((resolve, reject) => {
        w.once('close', resolve);
        w.once('error', reject);
        w.end(failed);
      });
    } else {
      copyFileSync(out.failed, dest);
      chmodSync(dest, 0o600);
    }
    const sha = createHash('sha256').update(failed).digest('hex');
    // The same reading options, but not the sheet: the failed-rows workbook is payops' own, with its own sheet.
    const { sheet: _sheet, ...options } = jobOptions(job);
    const newId = createJob(c.get('user'), name, dest, failed.length, sha, job.id, options);
    return c.redirect(`/jobs/${newId}`, 303);
  });

  // ---- 6. history ----
  app.get('/history', (c) => {
    const jobs = store.jobs();
    const audit = store.auditLog(200);
    const rowsOf = (j: JobRow) => {
      const s = j.summary ? (JSON.parse(j.summary) as { rows?: number; byStatus?: Record<string, number> }) : undefined;
      const p = j.preview ? (JSON.parse(j.preview) as PreviewData) : undefined;
      if (s?.byStatus) return Object.entries(s.byStatus).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ');
      if (p?.ok) return `${p.valid} valid, ${p.invalid} invalid`;
      return '';
    };
    const out = (j: JobRow) => outputPaths(j.stored_path);
    return c.html(
      page(
        ctx(c, 'History'),
        html`<h1>6. History</h1><table id="history"><thead><tr><th>Uploaded</th><th>File</th><th>Who</th><th>Approved by</th><th>Status</th><th>Rows</th><th>SHA-256</th><th>Downloads</th></tr></thead><tbody>
        ${jobs.map(
          (j) => html`<tr><td>${when(j.created_at)}</td><td><a href="/jobs/${j.id}">${j.file_name}</a>${j.parent_id ? html`<br><span class="muted">failed rows of ${j.parent_id}</span>` : ''}</td>
          <td>${j.uploader}</td><td>${j.approver ?? (j.approval_needed ? '—' : 'not needed')}</td><td>${stateWords(j)}</td><td>${rowsOf(j)}</td><td><code>${j.sha256.slice(0, 16)}…</code></td>
          <td>${existsSync(out(j).results) ? html`<a href="/jobs/${j.id}/download/results">results</a>` : ''} ${existsSync(out(j).failed) ? html`<a href="/jobs/${j.id}/download/failed">failed rows</a>` : ''} ${existsSync(out(j).report) ? html`<a href="/jobs/${j.id}/download/report">report</a>` : ''}</td></tr>`,
        )}</tbody></table>
        <h2>Audit log (append-only)</h2><table id="audit"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Job</th><th>Detail</th></tr></thead><tbody>
        ${audit.map((r) => html`<tr><td>${when(r.at)}</td><td>${r.user}</td><td>${r.action}</td><td>${r.job_id ? html`<a href="/jobs/${r.job_id}">${r.job_id}</a>` : ''}</td><td>${r.detail ?? ''}</td></tr>`)}</tbody></table>
        ${lockHolder(o.lockPath) ? html`<p class="banner banner-warn">${lockHolder(o.lockPath)}</p>` : ''}`,
      ),
    );
  });

  return { app, runner };
}


/** Delete stored uploads and outputs of jobs older than the retention period (records and audit stay). */
export function applyRetention(store: Store, retentionMs: number, now = Date.now()): number {
  const cutoff = new Date(now - retentionMs).toISOString();
  let n = 0;
  for (const j of store.jobs(100000)) {
    if (j.deleted_at || j.created_at > cutoff) continue;
    if (['queued', 'waiting_lock', 'running', 'stopping', 'approval'].includes(j.state)) continue;
    rmSync(join(j.stored_path, '..'), { recursive: true, force: true });
    forgetKey(j.id);
    store.update(j.id, { deleted_at: store.nowIso() });
    store.audit('payops', 'deleted by retention', j.id, `older than ${Math.round(retentionMs / 86400000)} days`);
    n++;
  }
  return n;
}

const UPLOAD_JS = `
const drop=document.getElementById('drop'),input=document.getElementById('file'),form=document.getElementById('upform');
const prog=document.getElementById('upprog'),msg=document.getElementById('upmsg');
['dragenter','dragover'].forEach(e=>drop.addEventListener(e,ev=>{ev.preventDefault();drop.classList.add('over');}));
['dragleave','drop'].forEach(e=>drop.addEventListener(e,ev=>{ev.preventDefault();drop.classList.remove('over');}));
drop.addEventListener('drop',ev=>{if(ev.dataTransfer.files.length){input.files=ev.dataTransfer.files;send();}});
form.addEventListener('submit',ev=>{ev.preventDefault();send();});
function send(){if(!input.files.length)return;const fd=new FormData();fd.append('file',input.files[0]);
const x=new XMLHttpRequest();x.open('POST','/upload');x.setRequestHeader('Accept','application/json');prog.hidden=false;
x.upload.onprogress=e=>{if(e.lengthComputable){prog.value=Math.round(100*e.loaded/e.total);msg.textContent='Uploading… '+prog.value+'%';}};
x.onload=()=>{if(x.status===200){msg.textContent='Uploaded. Preparing the preview…';location.href=JSON.parse(x.responseText).url;}else{msg.textContent='Upload refused: '+x.responseText;}};
x.onerror=()=>{msg.textContent='The upload failed; try again.';};x.send(fd);}
`;

function progressJs(id: string): string {
  return `
const es=new EventSource('/jobs/${encodeURIComponent(id)}/events');
const $=i=>document.getElementById(i);
function fmt(ms){if(ms==null||!isFinite(ms))return '—';const s=Math.round(ms/1000);return s<60?s+'s':Math.floor(s/60)+'m '+(s%60)+'s';}
es.addEventListener('progress',ev=>{const p=JSON.parse(ev.data);
$('jobstate').textContent=p.stateWords||p.state;
if(p.rows!=null){$('done').textContent=p.rows;$('bar').value=p.rows;}
if(p.total!=null){$('total').textContent=p.total;$('bar').max=p.total;}
$('rate').textContent=p.rate?p.rate.toFixed(1)+' rows/s':'measuring…';$('eta').textContent=fmt(p.etaMs);
const c=$('counts');c.textContent='';for(const [k,n] of Object.entries(p.byStatus||{})){if(!n)continue;const s=document.createElement('span');s.className='stat';s.style.cssText='display:inline-block;margin-right:.4rem';s.textContent=k+': '+n;c.appendChild(s);}
const w=p.waiting||{};$('waiting').textContent=w.lookups?(w.lookups+' row(s) waiting for a lookup (the gateway did not say what happened to a send)'+(w.nextIn?', next lookup in '+w.nextIn:'')):(p.message||'');
if(['done','stopped','error'].includes(p.state)){es.close();const st=$('stop');if(st)st.closest('form').hidden=true;setTimeout(()=>location.reload(),200);}});
`;
}

export { esc };
