/**
 * The finance web page in a real browser (Debian's headless Chromium through
 * playwright-core): `payops serve` (built CLI) against `payops sim`, the whole
 * flow as a finance user clicks it. Screenshots go to $PAYOPS_SCREENSHOTS
 * (docs/images when the README's pictures are refreshed), else a temp dir.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium } from '../helpers/chromium.js';
import { ROOT, runCli, startServe, startSim, tempDir, usersFile } from '../serve/harness.js';

const chromium = findChromium();
const missing = chromium.skip || undefined;
const SEED = join(ROOT, 'samples/payments.csv');
const EXCEL = join(ROOT, 'samples/excel-de.xlsx');
const shots = process.env.PAYOPS_SCREENSHOTS ?? tempDir();
mkdirSync(shots, { recursive: true });

let browser: Browser;
beforeAll(async () => {
  if (!missing) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

function refunds(dir: string, n: number): string {
  const lines = ['Ticket;Operation;Payment ID;Amount;Currency'];
  for (let i = 1; i <= n; i++) lines.push(`T-${i};refund;8ac7a4a18d6b4ea5a1b2c3d4e5f60003;1.00;EUR`);
  const path = join(dir, `refunds-${n}.csv`);
  writeFileSync(path, lines.join('\r\n') + '\r\n');
  return path;
}

async function signIn(page: Page, base: string, name: string): Promise<void> {
  await page.goto(base + '/');
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', `${name}-password`);
  await Promise.all([page.waitForURL(base + '/'), page.click('button[type=submit]')]);
}

async function upload(page: Page, file: string): Promise<string> {
  await page.setInputFiles('#file', file);
  await Promise.all([page.waitForURL(/\/jobs\//), page.click('#upbtn')]);
  return page.url().split('/').pop()!;
}

/** Drag and drop a file onto the upload area, as from a file manager. */
async function drop(page: Page, file: string): Promise<string> {
  const dt = await page.evaluateHandle(
    ({ b64, name }) => {
      const t = new DataTransfer();
      t.items.add(new File([Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))], name, { type: 'text/csv' }));
      return t;
    },
    { b64: readFileSync(file).toString('base64'), name: basename(file) },
  );
  await Promise.all([page.waitForURL(/\/jobs\//), page.dispatchEvent('#drop', 'drop', { dataTransfer: dt })]);
  return page.url().split('/').pop()!;
}

/** samples/excel-de.xlsx with German headers (Zahlungs-ID, Betrag) and its amounts written as text with a decimal comma. */
async function germanWorkbook(dir: string): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(EXCEL);
  const sheet = wb.worksheets[0]!;
  const head = sheet.getRow(1);
  head.getCell(3).value = 'Zahlungs-ID';
  head.getCell(4).value = 'Betrag';
  sheet.eachRow((row, i) => {
    const cell = row.getCell(4);
    if (i > 1 && typeof cell.value === 'number') cell.value = cell.value.toFixed(2).replace('.', ',');
  });
  const path = join(dir, 'de-betrag.xlsx');
  await wb.xlsx.writeFile(path);
  return path;
}

/** Every row's cell values of a workbook's first sheet, as exceljs reads them back. */
async function cells(path: string): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const out: unknown[][] = [];
  wb.worksheets[0]!.eachRow({ includeEmpty: true }, (row) => out.push((row.values as unknown[]).slice(1)));
  return out;
}

const count = async (page: Page, id: string) => Number(await page.textContent(`#${id}`));

describe.skipIf(missing !== undefined)(`payops serve in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('the German Excel sample with own headers: map Betrag and Zahlungs-ID, decimal comma, confirm, progress, report, download both files, re-upload the failed rows', async () => {
    const dir = tempDir();
    // samples/excel-de.xlsx already uses payops' names: this copy has German headers and amounts written 40,00.
    const GERMAN = await germanWorkbook(dir);
    const users = await usersFile(dir, { alice: 'alice-password' });
    const sim = await startSim(['--seed', SEED, '--latency', '250']);
    const s = await startServe(['--gateway', sim.url, '--users', users, '--concurrency', '1']);
    const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(s.url + '/');
    await page.screenshot({ path: join(shots, 'serve-login.png') });
    await signIn(page, s.url, 'alice');
    await page.screenshot({ path: join(shots, 'serve-upload.png') });

    const id = await upload(page, GERMAN);
    // payops does not know "Zahlungs-ID" or "Betrag": the preview says so and offers the mapping.
    await expect.poll(() => page.textContent('#preview-error')).toContain('missing column');
    expect(await page.textContent('#detected')).toContain('sheet excel-de');
    expect(await page.getAttribute('#sheet', 'placeholder')).toContain('excel-de');
    await page.selectOption('select[data-header="Zahlungs-ID"]', 'payment_id');
    await page.selectOption('select[data-header="Betrag"]', 'amount');
    await Promise.all([page.waitForURL(s.url + `/jobs/${id}`), page.click('#apply')]);
    expect(await page.inputValue('select[data-header="Betrag"]')).toBe('amount');
    expect(await count(page, 'invalid')).toBe(8);
    expect(await page.textContent('#invalid-groups')).toContain('run with --decimal-comma');
    // Each invalid row names its cell in the workbook (Betrag is column D).
    expect(await page.textContent('#invalid-groups')).toContain('D2');

    await page.check('#decimal_comma');
    await Promise.all([page.waitForURL(s.url + `/jobs/${id}`), page.click('#apply')]);
    expect(await page.isChecked('#decimal_comma')).toBe(true);
    expect(await count(page, 'valid')).toBe(9);
    expect(await count(page, 'invalid')).toBe(1);
    expect(await page.textContent('#totals')).toContain('1,259.49');
    await page.screenshot({ path: join(shots, 'serve-preview.png'), fullPage: true });
    expect(await sim.transactions()).toHaveLength(0);

    await page.click('#confirm');
    // Live progress over server-sent events: the row counter moves without a reload.
    await expect.poll(async () => Number(await page.textContent('#done')), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.waitForSelector('#dl-results', { timeout: 30_000 });
    // The report payops run wrote is shown in the page, and can be downloaded.
    expect(await page.frameLocator('#report').locator('h1').textContent()).toContain('Report: de-betrag.xlsx');
    // The report's frame is drawn only inside the viewport (a sandboxed frame is its own process): a tall
    // viewport scrolled to the results, not a full-page shot.
    await page.setViewportSize({ width: 1200, height: 1700 });
    await page.locator('#results').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('results')!.scrollIntoView());
    await page.screenshot({ path: join(shots, 'serve-results.png') });
    await page.setViewportSize({ width: 1200, height: 900 });

    const [results] = await Promise.all([page.waitForEvent('download'), page.click('#dl-results')]);
    const [failed] = await Promise.all([page.waitForEvent('download'), page.click('#dl-failed')]);
    const [report] = await Promise.all([page.waitForEvent('download'), page.click('#dl-report')]);
    expect(results.suggestedFilename()).toBe('de-betrag.results.xlsx');
    expect(failed.suggestedFilename()).toBe('de-betrag.failed.xlsx');
    expect(report.suggestedFilename()).toBe('report.html');
    const jobDir = join(s.stateDir, 'serve', 'jobs', id);
    // The downloads are the files payops run wrote for the job, byte for byte.
    expect(readFileSync(await results.path()).equals(readFileSync(join(jobDir, 'de-betrag.results.xlsx')))).toBe(true);
    expect(readFileSync(await failed.path()).equals(readFileSync(join(jobDir, 'de-betrag.failed.xlsx')))).toBe(true);
    expect(readFileSync(await report.path(), 'utf8')).toContain('<h1>Report: de-betrag.xlsx</h1>');
    // And what payops run writes from the terminal for the same file and options: the same cells. (The
    // .xlsx zips differ in their timestamps; the results' new_payment_id and processed_at are the gateway's.)
    const cli = tempDir();
    writeFileSync(join(cli, 'de-betrag.xlsx'), readFileSync(GERMAN));
    const sim2 = await startSim(['--seed', SEED]);
    const r = await runCli(['run', join(cli, 'de-betrag.xlsx'), '--gateway', sim2.url, '--decimal-comma', '--column', 'payment_id=Zahlungs-ID', '--column', 'amount=Betrag', '--state-dir', join(cli, 'state')]);
    expect(r.code, r.stderr).toBe(1);
    expect(await cells(await failed.path())).toEqual(await cells(join(cli, 'de-betrag.failed.xlsx')));
    const gatewaysOwn = (rows: unknown[][]) => {
      const [head, ...rest] = rows;
      const drop = ['new_payment_id', 'processed_at'].map((h) => head!.indexOf(h));
      return [head, ...rest.map((row) => row.map((v, i) => (drop.includes(i) ? '…' : v)))];
    };
    expect(gatewaysOwn(await cells(await results.path()))).toEqual(gatewaysOwn(await cells(join(cli, 'de-betrag.results.xlsx'))));

    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith(id)), page.click('#rerun-failed')]);
    await expect.poll(() => page.textContent('main')).toContain('de-betrag.failed.xlsx');
    // The new job keeps the mapping and the decimal comma: the failed rows read as before.
    const failedRows = (await cells(join(cli, 'de-betrag.failed.xlsx'))).length - 1;
    expect(await count(page, 'rows')).toBe(failedRows);
    expect(await page.inputValue('select[data-header="Betrag"]')).toBe('amount');

    await page.goto(s.url + '/history');
    expect(await page.textContent('#audit')).toContain('downloaded');
    await page.screenshot({ path: join(shots, 'serve-history.png'), fullPage: true });
    await ctx.close();
  });

  it('with --approval the uploader is refused and a second person approves', async () => {
    const dir = tempDir();
    const users = await usersFile(dir, { alice: 'alice-password', bob: 'bob-password' });
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url, '--users', users, '--approval']);
    const a = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(a, s.url, 'alice');
    const id = await drop(a, refunds(dir, 3));
    expect(await a.textContent('main')).toContain('refunds-3.csv');
    await a.waitForSelector('#confirm');
    await a.click('#confirm');
    await a.waitForSelector('#approve');
    await a.click('#approve');
    await expect.poll(() => a.textContent('body')).toContain('you cannot approve it');
    expect(await sim.transactions()).toHaveLength(0);

    const b = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(b, s.url, 'bob');
    await b.goto(`${s.url}/jobs/${id}`);
    await b.screenshot({ path: join(shots, 'serve-approval.png'), fullPage: true });
    await b.click('#approve');
    await b.waitForSelector('#dl-results', { timeout: 30_000 });
    expect((await sim.transactions()).filter((t) => t.paymentType === 'RF')).toHaveLength(3);
  });

  it('closing and reopening the page mid-run changes nothing; Stop, then Resume, sends each row once', async () => {
    const dir = tempDir();
    const sim = await startSim(['--seed', SEED, '--latency', '200']);
    const s = await startServe(['--gateway', sim.url, '--concurrency', '1']);
    const ctx = await browser.newContext();
    let page = await ctx.newPage();
    await page.goto(s.url + '/');
    const id = await upload(page, refunds(dir, 40));
    await page.click('#confirm');
    await expect.poll(async () => Number(await page.textContent('#done')), { timeout: 20_000 }).toBeGreaterThan(1);
    await page.close();
    const before = (await sim.transactions()).length;
    page = await ctx.newPage();
    await page.goto(`${s.url}/jobs/${id}`);
    expect(await page.textContent('#jobstate')).toBe('running');
    await expect.poll(async () => (await sim.transactions()).length).toBeGreaterThan(before);
    await expect.poll(async () => Number(await page.textContent('#done')), { timeout: 20_000 }).toBeGreaterThan(before);
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.screenshot({ path: join(shots, 'serve-run.png') });

    await page.click('#stop');
    await page.waitForSelector('#resume', { timeout: 30_000 });
    const stopped = (await sim.transactions()).length;
    expect(stopped).toBeLessThan(40);
    await page.click('#resume');
    await page.waitForSelector('#dl-results', { timeout: 60_000 });
    expect((await sim.transactions()).filter((t) => t.paymentType === 'RF')).toHaveLength(40);
  });

  it('shows a live gateway in red, in words, on every page', async () => {
    // Nothing is uploaded: the page is only looked at, no request reaches the gateway.
    const s = await startServe(['--gateway', 'live', '--live'], { env: { OPPWA_ACCESS_TOKEN: 'not-a-real-token' } });
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 500 } })).newPage();
    for (const path of ['/', '/history']) {
      await page.goto(s.url + path);
      const banner = page.locator('.env-live');
      expect(await banner.textContent()).toContain('LIVE — real money');
      expect(await banner.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(176, 0, 32)');
    }
    await page.goto(s.url + '/');
    await page.screenshot({ path: join(shots, 'serve-live.png') });
    expect(await page.content()).not.toContain('not-a-real-token');
  });

  it('refuses a request from another origin and a request without a session', async () => {
    const dir = tempDir();
    const users = await usersFile(dir, { alice: 'alice-password' });
    const sim = await startSim(['--seed', SEED]);
    const s = await startServe(['--gateway', sim.url, '--users', users]);
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signIn(page, s.url, 'alice');
    const id = await upload(page, refunds(dir, 2));
    await page.waitForSelector('#confirm');

    // Another site (the simulator's origin) submits a form to the page: refused.
    await page.goto(sim.url + '/__sim/transactions');
    await page.evaluate((action) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = action;
      document.body.appendChild(f);
      f.submit();
    }, `${s.url}/jobs/${id}/confirm`);
    await page.waitForURL(`${s.url}/jobs/${id}/confirm`);
    expect(await page.textContent('body')).toContain('refused');
    expect(await sim.transactions()).toHaveLength(0);

    // A browser without a session is sent to sign in, and cannot post.
    const anon = await (await browser.newContext()).newPage();
    await anon.goto(`${s.url}/jobs/${id}`);
    expect(new URL(anon.url()).pathname).toBe('/login');
    const status = await anon.evaluate(async (u) => (await fetch(u, { method: 'POST' })).status, `${s.url}/jobs/${id}/confirm`);
    expect(status).toBe(401);
    await page.goto(`${s.url}/jobs/${id}`);
    expect(await page.textContent('#jobstate')).toContain('preview');
  });
});
