/**
 * `payops serve --allow-card-data` over real HTTP against `payops sim`: the
 * upload is kept encrypted, so no card number is ever on disk in clear (every
 * file under the state directory is scanned, the page's database included),
 * the children read it through a FIFO, and a restart (which loses the keys)
 * makes a stopped card job say it must be uploaded again.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../e2e/harness.js';
import { Client, ROOT, runCli, SEED, startServe, startSim, tempDir } from './harness.js';

const CARD = '4200000000000000';
const OTHER_CARD = '4111111111111111';

/** `n` credits by card, 1.00, 2.00, … EUR, on two card numbers. */
function credits(n: number): string {
  const lines = ['operation,amount,currency,card_number,card_holder,card_expiry_month,card_expiry_year,payment_brand'];
  for (let i = 1; i <= n; i++) lines.push(`credit,${i}.00,EUR,${i % 2 ? CARD : OTHER_CARD},Jane Doe,12,2030,VISA`);
  return lines.join('\r\n') + '\r\n';
}

/** Every regular file under `dir` (the page's database and its WAL, the journal, the jobs' folders). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** No file under the state directory holds a card number in clear. */
function expectNoCardNumbers(stateDir: string): void {
  const files = filesUnder(stateDir);
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    const text = readFileSync(f).toString('latin1');
    expect(text, f).not.toContain(CARD);
    expect(text, f).not.toContain(OTHER_CARD);
  }
}

/** Results without what differs between two state directories: time, the gateway's ids, and the ids derived with each one's card key. */
function stable(csv: Buffer): string[][] {
  const [head, ...rows] = parseCsv(csv.toString('latin1'), ',').rows;
  const drop = new Set(['processed_at', 'new_payment_id', 'merchant_transaction_id'].map((c) => head!.indexOf(c)));
  return [head!, ...rows.map((r) => r.map((c, i) => (drop.has(i) ? '' : c)))];
}

describe('payops serve --allow-card-data: uploads encrypted at rest', () => {
  it('no card number is ever on disk — during the preview, mid-run and after — and the outputs are what payops run writes', async () => {
    const file = credits(12);
    const sim = await startSim(['--seed', SEED, '--latency', '150']);
    const s = await startServe(['--gateway', sim.url, '--allow-card-data', '--concurrency', '1']);
    const c = new Client(s.url);
    const id = await c.upload('cards.csv', file);
    const dir = join(s.stateDir, 'serve', 'jobs', id);
    expectNoCardNumbers(s.stateDir); // the preview's children are reading it now
    let page = await c.waitFor(id, /preview/);
    expectNoCardNumbers(s.stateDir);
    expect(existsSync(join(dir, 'cards.csv'))).toBe(false);
    expect(lstatSync(join(dir, 'cards.csv.sealed')).mode & 0o777).toBe(0o600);
    // What payops read through the FIFO is the clear file: its rows, its header and its SHA-256.
    expect(page).toMatch(/id="valid">12</);
    expect(page).toContain(createHash('sha256').update(file).digest('hex'));
    expect(page).toContain('<td>card_number</td>');
    expect(page).not.toContain(CARD);

    await c.post(`/jobs/${id}/confirm`);
    const mid = await c.events(id, (p) => typeof p.rows === 'number' && p.rows >= 3);
    expect(mid.total).toBe(12);
    expectNoCardNumbers(s.stateDir);
    await c.waitFor(id, /finished/, 60_000);
    expectNoCardNumbers(s.stateDir);
    expect(existsSync(join(dir, 'cards.csv.sealed'))).toBe(false);
    expect((await sim.transactions()).filter((t) => t.paymentType === 'CD')).toHaveLength(12);

    // The outputs have the names and the content payops run gives a clear file (card numbers masked).
    page = await c.text(`/jobs/${id}`);
    expect(page).toContain('Download results (cards.results.csv)');
    const results = Buffer.from(await (await c.request(`/jobs/${id}/download/results`)).arrayBuffer());
    expect(results.equals(readFileSync(join(dir, 'cards.results.csv')))).toBe(true);
    expect(results.toString()).toContain('420000******0000');
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    const sim2 = await startSim(['--seed', SEED]);
    const cli = tempDir();
    writeFileSync(join(cli, 'cards.csv'), file);
    const r = await runCli(['run', join(cli, 'cards.csv'), '--gateway', sim2.url, '--allow-card-data', '--state-dir', join(cli, 'state')]);
    expect(r.code).toBe(0);
    expect(stable(results)).toEqual(stable(readFileSync(join(cli, 'cards.results.csv'))));
  }, 120_000);

  it('after a restart a stopped card job says to upload the file again; uploaded again, nothing is sent twice', async () => {
    const file = credits(20);
    const sim = await startSim(['--seed', SEED, '--latency', '150']);
    const stateDir = join(tempDir(), 'state');
    const timings = ['--timeout', '2s', '--settle', '2s', '--lookup-interval', '500ms'];
    const first = await startServe(['--gateway', sim.url, '--allow-card-data', '--concurrency', '1', ...timings], { stateDir });
    let c = new Client(first.url);
    const id = await c.upload('cards.csv', file);
    await c.waitFor(id, /preview/);
    await c.post(`/jobs/${id}/confirm`);
    await c.events(id, (p) => typeof p.rows === 'number' && p.rows >= 3);
    await first.stop();
    const sent = (await sim.transactions()).filter((t) => t.paymentType === 'CD').length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(20);

    const second = await startServe(['--gateway', sim.url, '--allow-card-data', '--concurrency', '1', ...timings], { stateDir });
    c = new Client(second.url);
    const page = await c.waitFor(id, /^stopped — upload the file again to continue$/);
    expect(page).toContain('This job held card numbers; its encrypted upload cannot be read after the server restarted');
    expect(page).toContain('upload the file again — rows already done are recognised and not sent twice');
    expect(page).toContain('id="upload-again"');
    expect(page).not.toContain('id="resume"');
    const resume = await c.post(`/jobs/${id}/resume`);
    expect(resume.status).toBe(410);
    expect(await resume.text()).toContain('cannot be read after the server restarted');
    expect(existsSync(join(stateDir, 'serve', 'jobs', id, 'cards.csv.sealed'))).toBe(false);
    expect(await c.text('/history')).toContain('encrypted upload unreadable after a restart of the server');
    expectNoCardNumbers(stateDir);

    // Uploaded again: the rows the first job did are recognised, by the same file name, and not sent again.
    const again = await c.upload('cards.csv', file);
    const preview = await c.waitFor(again, /preview/);
    const already = Number(/id="already">(\d+)</.exec(preview)?.[1]);
    expect(already).toBeGreaterThan(0);
    expect(/<table id="done-by">[\s\S]*?<\/table>/.exec(preview)?.[0] ?? '').toContain('cards.csv');
    await c.post(`/jobs/${again}/confirm`);
    await c.waitFor(again, /finished/, 60_000);
    const cd = (await sim.transactions()).filter((t) => t.paymentType === 'CD');
    expect(cd).toHaveLength(20);
    expect(new Set(cd.map((t) => t.amount)).size).toBe(20);
    expectNoCardNumbers(stateDir);
  }, 120_000);

  it('a job not yet started when the server restarted is refused (nothing sent); a workbook is not taken', async () => {
    const sim = await startSim(['--seed', SEED]);
    const stateDir = join(tempDir(), 'state');
    const first = await startServe(['--gateway', sim.url, '--allow-card-data'], { stateDir });
    let c = new Client(first.url);
    const id = await c.upload('cards.csv', credits(2));
    await c.waitFor(id, /preview/);
    await first.stop();
    const second = await startServe(['--gateway', sim.url, '--allow-card-data'], { stateDir });
    c = new Client(second.url);
    const page = await c.waitFor(id, /refused/);
    expect(page).toContain('This job held card numbers; its encrypted upload cannot be read after the server restarted');
    expect(page).toContain('nothing was sent; upload the file again');
    expect(await sim.transactions()).toHaveLength(0);

    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Gutschriften').addRow(['operation', 'amount', 'currency']);
    const fd = new FormData();
    fd.append('file', new Blob([Buffer.from(await wb.xlsx.writeBuffer())]), 'cards.xlsx');
    const res = await c.request('/upload', { method: 'POST', body: fd, headers: { accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('payops reads an Excel workbook only from a file, so workbooks are not taken here. Save the sheet as CSV');
    expect(readdirSync(join(stateDir, 'serve', 'jobs'))).toEqual([id]);
  });
});
