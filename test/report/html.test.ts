/**
 * The rendered page: every value escaped, no card number, self-contained
 * (no script, no external reference), charts labelled, A4 print rules.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/html.js';
import { buildFromResultsFile } from '../../src/report/results-reader.js';
import { RunMetrics } from '../../src/report/metrics.js';
import { barChart } from '../../src/report/svg.js';
import { escapeHtml, html } from '../../src/report/escape.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/every-status.results.csv');
const META = { version: '0.0.0-test', generatedAt: '2026-12-01T12:00:00.000Z' };

/** Every tag of the page (escaped text holds no `<`, so each match is a real tag). */
function tags(page: string): { name: string; attributes: string[] }[] {
  return [...page.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)].map((m) => ({
    name: m[1]!.toLowerCase(),
    attributes: [...m[2]!.matchAll(/([^\s=>]+)(?:="[^"]*")?/g)].map((a) => a[1]!.toLowerCase()),
  }));
}

describe('the report page', async () => {
  const page = renderReport(await buildFromResultsFile(FIXTURE, META));

  it('shows markup from a description and from a user cell as text', () => {
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    const all = tags(page);
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((t) => t.attributes.some((a) => a.startsWith('on')))).toEqual([]);
    // The user's reference cell and comment cell, and the gateway's description, escaped.
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('cannot refund &lt;script&gt;alert(&quot;desc&quot;)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('never shows a card number whole', () => {
    expect(page).not.toContain('4111111111111111');
    expect(page).toContain('411111******1111');
  });

  it('is self-contained: no script, no external resource, a policy that forbids both', () => {
    const names = new Set(tags(page).map((t) => t.name));
    for (const forbidden of ['script', 'img', 'link', 'iframe', 'object', 'embed', 'a', 'form', 'base']) expect(names.has(forbidden), forbidden).toBe(false);
    expect(tags(page).filter((t) => t.attributes.some((a) => a === 'src' || a === 'href' || a === 'xlink:href'))).toEqual([]);
    expect(page).not.toMatch(/url\((?!#)/);
    expect(page).not.toMatch(/@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('shows the sections in the order of the issue', () => {
    const order = ['class="env', 'id="status"', 'id="amounts"', 'id="attention"', 'id="failures"', 'id="failed-rows"'].map((s) => page.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('says the environment was not recorded when only a results file is known', () => {
    expect(page).toContain('data-env="unknown"');
    expect(page).toContain('Environment not recorded');
  });

  it('labels its charts and does not tell status by colour alone', () => {
    const svg = page.slice(page.indexOf('<svg'), page.indexOf('</svg>'));
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(/<title id="chart-status-t">Rows by status \(20 rows\)<\/title>/);
    expect(svg).toContain('<desc id="chart-status-d">succeeded: 8, review: 1, pending: 1, unknown: 2, rejected: 3, failed: 1, invalid: 4</desc>');
    // Each bar has its label and number as text, and its own pattern.
    for (const s of ['succeeded', 'review', 'pending', 'unknown', 'rejected', 'failed', 'invalid']) expect(svg).toContain(`>${s}</text>`);
    expect(new Set(svg.match(/<pattern id="chart-status-p\d+"[^>]*>.*?<\/pattern>/g)!.map((p) => p.replace(/id="[^"]*"/, ''))).size).toBe(7);
  });

  it('prints on A4', () => {
    expect(page).toMatch(/@page \{ size: A4;/);
    expect(page).toContain('@media print');
  });

  it('shows the environment of a run impossible to miss, live in its own words', async () => {
    const live = renderReport(await buildFromResultsFile(FIXTURE, { ...META, environment: { kind: 'live', gateway: 'https://eu-prod.oppwa.com' } }));
    expect(live).toContain('class="env env-live"');
    expect(live).toContain('LIVE gateway');
    expect(live).toContain('Real payments');
  });
});

describe('escaping and charts', () => {
  it('escapes every interpolated value, including attribute quotes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    const v = '"><script>x</script>';
    expect(html`<td title="${v}">${v}</td>`.value).toBe('<td title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">&quot;&gt;&lt;script&gt;x&lt;/script&gt;</td>');
  });

  it('escapes chart titles and labels', () => {
    const svg = barChart({ id: 'x"y', title: '<b>t</b>', description: 'd&' }, [{ label: '<i>', value: 1 }]).value;
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('<i>');
    expect(svg).toContain('&lt;b&gt;t&lt;/b&gt;');
    expect(svg).toContain('id="x-y-t"');
  });

  it('shows the run\'s throughput and latency when the report comes from a run', async () => {
    let now = 0;
    const metrics = new RunMetrics({ clock: () => now });
    for (let i = 1; i <= 100; i++) {
      now = i * 10;
      metrics.exchange(i, 'answered');
      metrics.row();
    }
    const model = await buildFromResultsFile(FIXTURE, META);
    model.meta.metrics = metrics.snapshot();
    const page = renderReport(model);
    expect(page).toContain('id="metrics"');
    expect(page).toContain('<title id="chart-throughput-t">Throughput over the run (rows finished per second)</title>');
    expect(page).toContain('<td class="num" data-latency="p50">50 ms</td>');
    expect(page).toContain('<td class="num" data-latency="p99">99 ms</td>');
    expect(page).toContain('<td class="num" data-latency="max">100 ms</td>');
    expect(page.indexOf('id="metrics"')).toBeLessThan(page.indexOf('id="failed-rows"'));
    expect(page.indexOf('id="metrics"')).toBeGreaterThan(page.indexOf('id="failures"'));
  });
});
