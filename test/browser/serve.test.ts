/**
 * The finance web page in a real browser (Debian's headless Chromium through
 * playwright-core): `payops serve` (built CLI) against `payops sim`, the whole
 * flow as a finance user clicks it. Screenshots go to $PAYOPS_SCREENSHOTS
 * (docs/images when the README's pictures are refreshed), else a temp dir.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium } from '../helpers/chromium.js';
import { ROOT, runCli, startServe, startSim, tempDir, usersFile } from '../serve/harness.js';

const chromium = findChromium();
const missing = chromium.skip || undefined;
const SEED = join(ROOT, 'samples/payments.csv');
const GERMAN = join(ROOT, 'samples/excel-de.csv');
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

const count = async (page: Page, id: string) => Number(await page.textContent(`#${id}`));

describe.skipIf(missing !== undefined)(`payops serve in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('upload the German sample, preview, decimal comma, confirm, progress, download both files, re-upload the failed rows', async () => {
    const dir = tempDir();
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
    await expect.poll(() => page.textContent('#nothing-sent')).toContain('Nothing has been sent yet');
    expect(await count(page, 'invalid')).toBe(8);
    expect(await page.textContent('#invalid-groups')).toContain('run with --decimal-comma');

    await page.check('#decimal_comma');
    await Promise.all([page.waitForURL(s.url + `/jobs/${id}`), page.click('#apply')]);
    expect(await page.isChecked('#decimal_comma')).toBe(true);
    expect(await count(page, 'valid')).toBe(8);
    expect(await count(page, 'invalid')).toBe(2);
    expect(await page.textContent('#totals')).toContain('1,254.49');
    await page.screenshot({ path: join(shots, 'serve-preview.png'), fullPage: true });
    expect(await sim.transactions()).toHaveLength(0);

    await page.click('#confirm');
    // Live progress over server-sent events: the row counter moves without a reload.
    await expect.poll(async () => Number(await page.textContent('#done')), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.waitForSelector('#dl-results', { timeout: 30_000 });
    await page.screenshot({ path: join(shots, 'serve-results.png'), fullPage: true });

    const [results] = await Promise.all([page.waitForEvent('download'), page.click('#dl-results')]);
    const [failed] = await Promise.all([page.waitForEvent('download'), page.click('#dl-failed')]);
    expect(results.suggestedFilename()).toBe('excel-de.results.csv');
    expect(failed.suggestedFilename()).toBe('excel-de.failed.csv');
    const jobDir = join(s.stateDir, 'serve', 'jobs', id);
    expect(readFileSync(await results.path()).equals(readFileSync(join(jobDir, 'excel-de.results.csv')))).toBe(true);
    // The failed-rows file is byte for byte what payops run writes for the same file and options.
    const cli = tempDir();
    writeFileSync(join(cli, 'excel-de.csv'), readFileSync(GERMAN));
    const sim2 = await startSim(['--seed', SEED]);
    const r = await runCli(['run', join(cli, 'excel-de.csv'), '--gateway', sim2.url, '--decimal-comma', '--state-dir', join(cli, 'state')]);
    expect(r.code).toBe(1);
    expect(readFileSync(await failed.path()).equals(readFileSync(join(cli, 'excel-de.failed.csv')))).toBe(true);

    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith(id)), page.click('#rerun-failed')]);
    await expect.poll(() => page.textContent('main')).toContain('excel-de.failed.csv');
    expect(await count(page, 'rows')).toBe(3);

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
