/**
 * The report in a real browser: Debian's headless Chromium (playwright-core
 * with executablePath; nothing downloaded) opens the report a run wrote,
 * with JavaScript switched off (the page needs none), and checks that the
 * numbers a person sees are the results file's, that markup from a cell is
 * shown as text, that the charts are images with names, and that it prints
 * on A4. Saves a screenshot (and the PDF) for people to look at.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium } from '../helpers/chromium.js';
import { figuresOf, money, runEveryStatus, XSS_CELL, XSS_REF, type EveryStatusRun } from '../report/helpers.js';

const chromium = findChromium();
/** Where the screenshot and PDF go (kept after the test). */
export const SHOT_DIR = process.env.PAYOPS_SCREENSHOT_DIR ?? join(tmpdir(), 'payops-screenshots');

describe.skipIf(chromium.skip)(`the report in headless Chromium${chromium.skip ? ` (skipped: ${chromium.skip})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let r: EveryStatusRun;
  const dialogs: string[] = [];

  beforeAll(async () => {
    r = await runEveryStatus();
    expect(r.run.code, r.run.stderr).toBe(1);
    browser = await launchChromium();
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1000, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // Nothing may be fetched: the page is self-contained.
    await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(`file://${r.report}`);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the environment first, in words', async () => {
    const env = page.locator('.env').first();
    await expect(env.isVisible()).resolves.toBe(true);
    expect(await env.innerText()).toMatch(/^SIMULATOR http:\/\/127\.0\.0\.1:\d+/);
  });

  it('shows the rows by status as the results file counts them, in the table and in the chart', async () => {
    const f = figuresOf(r.results);
    const cells = await page.locator('#status tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [(tr.querySelector('th') as HTMLElement).innerText.trim(), (tr.querySelector('td') as HTMLElement).innerText.trim()]),
    );
    expect(cells).toHaveLength(7);
    for (const [status, rows] of cells) expect(Number(rows!.replace(/,/g, '')), status).toBe(f.byStatus[status!] ?? 0);
    expect(await page.locator('#status tfoot td[data-total]').innerText()).toBe(String(f.rows));
    const chart = page.getByRole('img', { name: /^Rows by status \(\d+ rows\)/ });
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    const barTexts = await chart.locator('text.chart-value').allTextContents();
    expect(barTexts.map((t) => Number(t.split(' ')[0]))).toEqual(cells.map(([, n]) => Number(n)));
  });

  it('shows the amounts succeeded per operation and currency as the results file sums them', async () => {
    const f = figuresOf(r.results);
    const shown = await page.locator('#amounts tbody tr[data-currency]:not([data-currency=""])').evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-op'), tr.getAttribute('data-currency'), (tr.querySelector('[data-amount]') as HTMLElement).innerText]),
    );
    const got = Object.fromEntries(shown.map(([op, cur, amount]) => [`${op} ${cur}`, amount!.replace(/,/g, '')]));
    expect(got).toEqual(Object.fromEntries(Object.entries(f.amounts).map(([k, c]) => [k, money(c)])));
  });

  it('says how many rows need a person and how many failed, with what to do', async () => {
    const f = figuresOf(r.results);
    expect(await page.locator('#h-attention').innerText()).toBe(`Needs a person: ${f.needsPerson} rows`);
    expect(await page.locator('#h-failed').innerText()).toBe(`Failed rows: ${f.failedRows} rows`);
    const todo = await page.locator('#attention .todo').allInnerTexts();
    expect(todo.length).toBeGreaterThanOrEqual(4);
    for (const t of todo) expect(t).toMatch(/^What to do: /);
    const codes = await page.locator('#failures tr[data-code]').evaluateAll((trs) =>
      trs.filter((tr) => tr.getAttribute('data-code')).map((tr) => [tr.getAttribute('data-code'), (tr.querySelector('[data-rows]') as HTMLElement).innerText]),
    );
    expect(Object.fromEntries(codes.map(([c, n]) => [c, Number(n)]))).toEqual(f.codes);
  });

  it('shows markup from a user cell as text, and nothing runs', async () => {
    await expect(page.getByText(XSS_REF, { exact: true }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByText(XSS_CELL, { exact: true }).first().isVisible()).resolves.toBe(true);
    expect(await page.locator('script, img, iframe, object, embed').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('shows the latency percentiles of the run', async () => {
    for (const p of ['p50', 'p90', 'p99', 'max']) expect(await page.locator(`[data-latency="${p}"]`).innerText()).toMatch(/^[\d.]+ m?s$/);
    await expect(page.getByRole('img', { name: /^Request latency/ }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('img', { name: /^Throughput over the run/ }).isVisible()).resolves.toBe(true);
  });

  it('prints on A4 and saves a screenshot', async () => {
    mkdirSync(SHOT_DIR, { recursive: true });
    const png = join(SHOT_DIR, 'report.png');
    await page.screenshot({ path: png, fullPage: true });
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(join(SHOT_DIR, 'report.pdf'), pdf);
    const text = pdf.toString('latin1');
    const boxes = [...text.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(boxes.length).toBeGreaterThan(1);
    // A4 is 595.28 × 841.89 points.
    for (const [w, h] of boxes) {
      expect(Math.abs(w! - 595.28)).toBeLessThan(2);
      expect(Math.abs(h! - 841.89)).toBeLessThan(2);
    }
    process.stderr.write(`report screenshot: ${png}\n`);
  });
});
