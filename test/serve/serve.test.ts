/**
 * `payops serve` over real HTTP: the built CLI serving the page, jobs run as
 * `payops run` children against `payops sim` on loopback, real SQLite.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../e2e/harness.js';
import { esc } from '../../src/serve/html.js';
import { Client, refunds, ROOT, runCli, SEED, startServe, startSim, tempDir, usersFile, webJobBehindCron } from './harness.js';

const GERMAN = readFileSync(join(ROOT, 'samples/excel-de.csv'));
/** Results without the columns that differ from run to run (time, the gateway's new ids). */
function stable(csv: Buffer): string[][] {
  const [head, ...rows] = parseCsv(csv.toString('latin1'), ';').rows;
  const drop = new Set(['processed_at', 'new_payment_id'].map((c) => head!.indexOf(c)));
  return [head!, ...rows.map((r) => r.map((c, i) => (drop.has(i) ? '' : c)))];
}

describe('payops serve: who may do what', () => {
  it('refuses requests without a session, from another origin, and a wrong password; cookies are HttpOnly SameSite=Strict', async () => {
    const dir = tempDir();
    const users = await usersFile(dir, { alice: 'alice-password', bob: 'bob-password' });
    expect(readFileSync(users, 'utf8')).not.toContain('alice-password');
    expect(readFileSync(users, 'utf8')).toMatch(/^alice:scrypt\$/m);
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url, '--users', users]);
    const anon = new Client(s.url);
    const home = await anon.request('/');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/login');
    const fd = new FormData();
    fd.append('file', new Blob([GERMAN]), 'excel-de.csv');
    const up = await anon.request('/upload', { method: 'POST', body: fd });
    expect(up.status).toBe(401);

    const wrong = await anon.login('alice', 'not-her-password');
    expect(wrong.headers.get('location')).toBe('/login?failed');
    expect(anon.cookie).toBe('');

    const alice = new Client(s.url);
    const ok = await alice.login('alice', 'alice-password');
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect((await alice.request('/')).status).toBe(200);

    // A signed-in browser tricked by another site: refused before anything happens.
    const forged = new FormData();
    forged.append('file', new Blob([GERMAN]), 'excel-de.csv');
    const cross = await alice.request('/upload', { method: 'POST', body: forged, headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).toBe(403);
    const noOrigin = await fetch(s.url + '/upload', { method: 'POST', body: forged, headers: { cookie: alice.cookie } });
    expect(noOrigin.status).toBe(403);
    expect(await alice.text('/history')).not.toContain('excel-de.csv');
  });

  it('refuses to bind a non-loopback address without users or a trusted proxy (exit 2)', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--gateway', 'sim', '--state-dir', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to serve on 0\.0\.0\.0 without --users/);
  });

  it('takes the user from a trusted proxy header only when the request comes from the proxy', async () => {
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url, '--trust-proxy-header', 'X-Forwarded-User', '--trusted-proxy', '127.0.0.1']);
    const c = new Client(s.url);
    expect((await c.request('/')).status).toBe(401);
    const page = await c.request('/', { headers: { 'x-forwarded-user': 'carol' } });
    expect(await page.text()).toContain('Signed in as <strong>carol</strong>');
    const other = await startServe(['--gateway', sim.url, '--trust-proxy-header', 'X-Forwarded-User', '--trusted-proxy', '10.9.9.9']);
    expect((await new Client(other.url).request('/', { headers: { 'x-forwarded-user': 'carol' } })).status).toBe(403);
  });
});

describe('the progress event payops run writes for the page', () => {
  it('--log-format json says rows done, the total and counts by status while it runs', async () => {
    const sim = await startSim(['--seed', SEED, '--latency', '100']);
    const dir = tempDir();
    writeFileSync(join(dir, 'r.csv'), refunds(12));
    const r = await runCli(['run', join(dir, 'r.csv'), '--gateway', sim.url, '--concurrency', '1', '--log-format', 'json', '--state-dir', join(dir, 'state')]);
    expect(r.code).toBe(0);
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[0]).toMatchObject({ rows: 1, total: 12, by_status: { succeeded: 1 } });
    const rows = progress.map((e) => e.rows as number);
    expect([...rows].sort((a, b) => a - b)).toEqual(rows);
    expect(events.at(-1)!.event).toBe('summary');
  });
});

describe('payops serve: uploads', () => {
  it('refuses a file over --max-upload and keeps nothing of it', async () => {
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url, '--max-upload', '1KB']);
    const c = new Client(s.url);
    await expect(c.upload('big.csv', 'x'.repeat(5000))).rejects.toThrow(/413 the file is larger than the limit/);
    expect(readdirSync(join(s.stateDir, 'serve', 'jobs'))).toEqual([]);
  });

  it('hands a workbook to payops unchanged and shows what payops says about it', async () => {
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url]);
    const c = new Client(s.url);
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 1)]);
    const id = await c.upload('Zahlungen.xlsx', zip);
    const page = await c.waitFor(id, /preview/);
    const stored = join(s.stateDir, 'serve', 'jobs', id, 'Zahlungen.xlsx');
    expect(readFileSync(stored).equals(zip)).toBe(true);
    // Not a readable workbook: what payops validate says about it is what the page shows; nothing is sent.
    const v = await runCli(['validate', stored]);
    expect(v.code).toBe(2);
    const said = v.stderr.replace(/^payops: /, '').trim().split('\n')[0]!.slice(0, 40);
    expect(page).toContain(esc(said));
    expect(page).toContain('Nothing has been sent yet');
    expect(await sim.transactions()).toHaveLength(0);
  });
});

describe('payops serve: the flow', () => {
  it('escapes a <script> in the file name and in a cell', async () => {
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url]);
    const c = new Client(s.url);
    const csv = 'operation,payment_id,amount,currency,note\nrefund,8ac7a4a18d6b4ea5a1b2c3d4e5f60003,<script>alert(2)</script>,EUR,x\n';
    const id = await c.upload('<img src=x onerror=alert(1)>.csv', csv);
    const page = await c.waitFor(id, /preview/);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;.csv');
    expect(page).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page).not.toMatch(/<script>alert|<img src=x/);
    expect(await c.text('/history')).not.toMatch(/<img src=x/);
    const stored = readdirSync(join(s.stateDir, 'serve', 'jobs', id));
    expect(stored.some((f) => f.includes('<') || f.includes('/'))).toBe(false);
  });

  it('uploads the German sample, previews, switches on the decimal comma, runs, downloads what payops run writes, and re-uploads the failed rows', async () => {
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url]);
    const c = new Client(s.url);
    const id = await c.upload('excel-de.csv', GERMAN);
    let page = await c.waitFor(id, /preview/);
    const stored = join(s.stateDir, 'serve', 'jobs', id, 'excel-de.csv');
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    expect(page).toContain('windows-1252');
    expect(page).toContain('Nothing has been sent yet');
    expect(page).toMatch(/id="invalid">8</); // every amount with a comma is ambiguous without the decimal comma
    expect(page).toContain('run with --decimal-comma');
    expect(await sim.transactions()).toHaveLength(0);

    expect((await c.post(`/jobs/${id}/options`, { decimal_comma: '1' })).status).toBe(303);
    page = await c.waitFor(id, /preview/);
    expect(page).toMatch(/id="valid">8</);
    expect(page).toMatch(/id="invalid">2</);
    expect(page).toMatch(/<td>EUR<\/td><td>refund \(RF\)<\/td><td class="num">2<\/td><td class="num">1,254.49<\/td>/);
    expect(await sim.transactions()).toHaveLength(0);

    expect((await c.post(`/jobs/${id}/confirm`)).status).toBe(303);
    const last = await c.events(id, (p) => p.state === 'done');
    expect(last.rows).toBe(10);
    page = await c.text(`/jobs/${id}`);
    expect(page).toContain('Download results');

    const results = Buffer.from(await (await c.request(`/jobs/${id}/download/results`)).arrayBuffer());
    const failed = Buffer.from(await (await c.request(`/jobs/${id}/download/failed`)).arrayBuffer());
    const dir = join(s.stateDir, 'serve', 'jobs', id);
    expect(results.equals(readFileSync(join(dir, 'excel-de.results.csv')))).toBe(true);
    expect(failed.equals(readFileSync(join(dir, 'excel-de.failed.csv')))).toBe(true);

    // The same file and options through payops run itself, on a fresh simulator and state.
    const sim2 = await startSim(['--seed', SEED]);
    const cli = tempDir();
    writeFileSync(join(cli, 'excel-de.csv'), GERMAN);
    const r = await runCli(['run', join(cli, 'excel-de.csv'), '--gateway', sim2.url, '--decimal-comma', '--state-dir', join(cli, 'state')]);
    expect(r.code).toBe(1);
    expect(failed.equals(readFileSync(join(cli, 'excel-de.failed.csv')))).toBe(true);
    expect(stable(results)).toEqual(stable(readFileSync(join(cli, 'excel-de.results.csv'))));

    // The failed rows as a new job: 1 rejected + 2 invalid rows, nothing sent twice.
    const again = await c.post(`/jobs/${id}/rerun-failed`);
    const newId = again.headers.get('location')!.split('/').pop()!;
    page = await c.waitFor(newId, /preview/);
    expect(page).toContain('excel-de.failed.csv');
    expect(page).toMatch(/id="rows">3</);
    const history = await c.text('/history');
    expect(history).toContain(`failed rows of ${id}`);
    for (const text of [page, history, await c.text(`/jobs/${id}`), await c.text('/')]) expect(text).not.toContain('sim-token');

    // The same file again: the page says when it ran and how many rows are already done.
    const again2 = await c.upload('excel-de.csv', GERMAN);
    await c.waitFor(again2, /preview/);
    await c.post(`/jobs/${again2}/options`, { decimal_comma: '1' });
    page = await c.waitFor(again2, /preview/);
    expect(page).toMatch(/id="same-file">This exact file \(same SHA-256\) was run before: <a href="\/jobs\/[^"]+">excel-de.csv<\/a> started/);
    expect(page).toMatch(/id="already">8</);
    expect(history).toMatch(/downloaded/);
  });

  it('with --approval the uploader cannot approve; a second person can, and only then is anything sent', async () => {
    const dir = tempDir();
    const users = await usersFile(dir, { alice: 'alice-password', bob: 'bob-password' });
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url, '--users', users, '--approval']);
    const alice = new Client(s.url);
    await alice.login('alice', 'alice-password');
    const id = await alice.upload('refunds.csv', refunds(3));
    await alice.waitFor(id, /preview/);
    await alice.post(`/jobs/${id}/confirm`);
    await alice.waitFor(id, /waiting for approval/);
    const self = await alice.post(`/jobs/${id}/approve`);
    expect(self.status).toBe(403);
    expect(await self.text()).toContain('cannot approve it');
    expect(await sim.transactions()).toHaveLength(0);

    const bob = new Client(s.url);
    await bob.login('bob', 'bob-password');
    expect((await bob.post(`/jobs/${id}/approve`)).status).toBe(303);
    await bob.waitFor(id, /finished/);
    expect((await sim.transactions()).filter((t) => t.paymentType === 'RF')).toHaveLength(3);
    const history = await bob.text('/history');
    expect(history).toMatch(/<td>alice<\/td><td>bob<\/td>/);
    expect(history).toContain('approval refused');
  });

  it('lapses an approval not given within --approval-expires', async () => {
    const dir = tempDir();
    const users = await usersFile(dir, { alice: 'alice-password', bob: 'bob-password' });
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url, '--users', users, '--approval', '--approval-expires', '1ms']);
    const alice = new Client(s.url);
    await alice.login('alice', 'alice-password');
    const id = await alice.upload('refunds.csv', refunds(1));
    await alice.waitFor(id, /preview/);
    await alice.post(`/jobs/${id}/confirm`);
    const bob = new Client(s.url);
    await bob.login('bob', 'bob-password');
    expect((await bob.post(`/jobs/${id}/approve`)).status).toBe(409);
    expect(await bob.text(`/jobs/${id}`)).toContain('approval lapsed');
    expect(await sim.transactions()).toHaveLength(0);
  });

  it('Stop mid-run stops as Ctrl-C does; Resume sends the rest, none twice', async () => {
    const sim = await startSim(['--seed', SEED, '--latency', '150']);
    const s = await startServe(['--gateway', sim.url, '--concurrency', '1']);
    const c = new Client(s.url);
    const id = await c.upload('refunds.csv', refunds(30));
    await c.waitFor(id, /preview/);
    await c.post(`/jobs/${id}/confirm`);
    await c.events(id, (p) => typeof p.rows === 'number' && p.rows >= 3);
    expect((await c.post(`/jobs/${id}/stop`)).status).toBe(303);
    await c.waitFor(id, /stopped/);
    const sent = (await sim.transactions()).length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(30);
    await c.post(`/jobs/${id}/resume`);
    await c.waitFor(id, /finished/, 60_000);
    expect((await sim.transactions()).filter((t) => t.paymentType === 'RF')).toHaveLength(30);
  });

  it('a server stopped mid-run leaves the job stopped; a new server resumes it and sends each row once', async () => {
    const sim = await startSim(['--seed', SEED, '--latency', '150']);
    const stateDir = join(tempDir(), 'state');
    // Short lookup timings so that the row in flight at the stop is settled in seconds, not --lookup-interval's 30 s.
    const timings = ['--timeout', '2s', '--settle', '2s', '--lookup-interval', '500ms'];
    const first = await startServe(['--gateway', sim.url, '--concurrency', '1', ...timings], { stateDir });
    let c = new Client(first.url);
    const id = await c.upload('refunds.csv', refunds(20));
    await c.waitFor(id, /preview/);
    await c.post(`/jobs/${id}/confirm`);
    await c.events(id, (p) => typeof p.rows === 'number' && p.rows >= 2);
    await first.stop();
    const sent = (await sim.transactions()).length;
    expect(sent).toBeLessThan(20);
    const second = await startServe(['--gateway', sim.url, '--concurrency', '1', ...timings], { stateDir });
    c = new Client(second.url);
    await c.waitFor(id, /stopped/);
    await c.post(`/jobs/${id}/resume`);
    await c.waitFor(id, /finished/, 60_000);
    expect((await sim.transactions()).filter((t) => t.paymentType === 'RF')).toHaveLength(20);
  });

  it('a web job and a cron payops run on the same partition queue, not overlap', async () => {
    const stateDir = join(tempDir(), 'state');
    // The cron run holds the partition once its lock file is there.
    const lock = () => readdirSync(stateDir).filter((d) => d !== 'serve').some((d) => existsSync(join(stateDir, d, 'lock')));
    const waiting = await webJobBehindCron({ state: { dir: stateDir }, cronRows: 15, held: lock });
    expect(waiting).toMatch(/holds this partition: pid \d+/);
  });
});

describe('payops serve: what the preview and the run say', () => {
  it('names the file and the date of rows already done earlier', async () => {
    const sim = await startSim(['--seed', SEED]);
    const stateDir = join(tempDir(), 'state');
    const cronDir = tempDir();
    writeFileSync(join(cronDir, 'march.csv'), refunds(3));
    expect((await runCli(['run', join(cronDir, 'march.csv'), '--gateway', sim.url, '--state-dir', stateDir])).code).toBe(0);
    const s = await startServe(['--gateway', sim.url], { stateDir });
    const c = new Client(s.url);
    const id = await c.upload('march.csv', refunds(3));
    const page = await c.waitFor(id, /preview/);
    expect(page).toMatch(/id="already">3</);
    const doneBy = /<table id="done-by">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    expect(doneBy).toContain('march.csv');
    expect(doneBy).toContain(new Date().toISOString().slice(0, 10));
  });

  it('reads the sheet chosen in the Sheet field (--sheet)', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Notizen').addRow(['nur eine Notiz']);
    const sheet = wb.addWorksheet('Erstattungen');
    sheet.addRow(['Vorgang', 'Zahlungs-ID', 'Betrag', 'Currency']);
    for (let i = 0; i < 3; i++) sheet.addRow(['refund', '8ac7a4a18d6b4ea5a1b2c3d4e5f60003', 1, 'EUR']);
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url]);
    const c = new Client(s.url);
    const id = await c.upload('zwei-blaetter.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
    let page = await c.waitFor(id, /preview/);
    expect(page).toContain('id="preview-error"');
    await c.post(`/jobs/${id}/options`, { sheet: 'Erstattungen', header_0: 'Vorgang', map_0: 'operation', header_1: 'Zahlungs-ID', map_1: 'payment_id', header_2: 'Betrag', map_2: 'amount' });
    page = await c.waitFor(id, /preview/);
    expect(page).toContain('sheet <strong>Erstattungen</strong>');
    expect(page).toMatch(/id="valid">3</);
    await c.post(`/jobs/${id}/confirm`);
    await c.waitFor(id, /finished/);
    expect((await sim.transactions()).filter((t) => t.paymentType === 'RF')).toHaveLength(3);
  });

  it('names the cell of an invalid row', async () => {
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url]);
    const c = new Client(s.url);
    const id = await c.upload('bad.csv', 'Ticket;Operation;Payment ID;Amount;Currency\r\nT-1;refund;8ac7a4a18d6b4ea5a1b2c3d4e5f60003;zwölf;EUR\r\n');
    const page = await c.waitFor(id, /preview/);
    const groups = /<table id="invalid-groups">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    expect(groups).toContain('line 2, amount');
  });

  it('shows rows waiting for a lookup and when the next one is due', async () => {
    // Every send is processed, then its connection closed: the outcome is unknown and the row waits for a lookup.
    const sim = await startSim(['--seed', SEED, '--drop-rate', '1', '--fault-seed', '7']);
    const s = await startServe(['--gateway', sim.url, '--concurrency', '1', '--timeout', '1s', '--settle', '30s']);
    const c = new Client(s.url);
    const id = await c.upload('one.csv', refunds(1));
    await c.waitFor(id, /preview/);
    await c.post(`/jobs/${id}/confirm`);
    const p = await c.events(id, (e) => Boolean((e.waiting as { lookups?: number } | undefined)?.lookups));
    expect(p.waiting).toMatchObject({ lookups: 1 });
    expect(String((p.waiting as { nextIn?: string }).nextIn)).toMatch(/^\d+s$/);
    await c.post(`/jobs/${id}/stop`);
    await c.waitFor(id, /stopped/);
  });

  it('without --allow-card-data refuses a card-number upload and deletes it; with it, deletes the upload once the job has finished', async () => {
    const cards = 'operation,amount,currency,card_number,card_holder,card_expiry_month,card_expiry_year,payment_brand\r\ncredit,1.00,EUR,4200000000000000,Jane Doe,12,2030,VISA\r\n';
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url]);
    const c = new Client(s.url);
    const id = await c.upload('cards.csv', cards);
    const page = await c.waitFor(id, /refused/);
    expect(page).toContain('does not accept card numbers');
    expect(existsSync(join(s.stateDir, 'serve', 'jobs', id, 'cards.csv'))).toBe(false);
    expect(await sim.transactions()).toHaveLength(0);

    const allowed = await startServe(['--gateway', sim.url, '--allow-card-data']);
    const a = new Client(allowed.url);
    const id2 = await a.upload('cards.csv', cards);
    await a.waitFor(id2, /preview/);
    // Kept encrypted (test/serve/card-data.test.ts): never the clear file.
    expect(existsSync(join(allowed.stateDir, 'serve', 'jobs', id2, 'cards.csv.sealed'))).toBe(true);
    expect(existsSync(join(allowed.stateDir, 'serve', 'jobs', id2, 'cards.csv'))).toBe(false);
    await a.post(`/jobs/${id2}/confirm`);
    await a.waitFor(id2, /finished/);
    const dir = join(allowed.stateDir, 'serve', 'jobs', id2);
    expect(existsSync(join(dir, 'cards.csv.sealed'))).toBe(false);
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'latin1'), f).not.toContain('4200000000000000');
    expect(await a.text('/history')).toContain('upload deleted');
  });
});
