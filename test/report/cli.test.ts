/**
 * `payops run … --report` and `payops report <results>`: the built CLI
 * against `payops sim` over loopback, on a file that comes out with every
 * status. The figures in both reports must be the results file's (counted
 * here independently) and the summary's, and the two reports must agree.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv, runCli, startSim } from '../e2e/harness.js';
import { CARD, figuresOf, money, runEveryStatus, XSS_CELL, type EveryStatusRun } from './helpers.js';

/** The text of a section of a report page. */
function section(page: string, id: string): string {
  const start = page.indexOf(`<section id="${id}"`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('</section>', start));
}

function statusCounts(page: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of section(page, 'status').matchAll(/<tr data-status="(\w+)">.*?<td class="num" data-rows>([\d,]+)<\/td>/g)) {
    out[m[1]!] = Number(m[2]!.replace(/,/g, ''));
  }
  return out;
}

function amounts(page: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of section(page, 'amounts').matchAll(/<tr data-op="(\w+)" data-currency="(\w+)">.*?<td class="num" data-amount>([\d,.]+)<\/td>/g)) {
    out[`${m[1]} ${m[2]}`] = m[3]!.replace(/,/g, '');
  }
  return out;
}

describe('payops run --report and payops report', () => {
  let r: EveryStatusRun;
  let runPage: string;
  let filePage: string;
  beforeAll(async () => {
    r = await runEveryStatus();
    runPage = readFileSync(r.report, 'utf8');
    const rep = await runCli(['report', r.results, '--summary-json', r.summary, '-o', join(r.dir, 'afterwards.html')]);
    expect(rep.code, rep.stderr).toBe(0);
    filePage = readFileSync(join(r.dir, 'afterwards.html'), 'utf8');
  });

  it('the run comes out with every status (the test covers them all)', () => {
    expect(r.run.code, r.run.stderr).toBe(1);
    const f = figuresOf(r.results);
    for (const s of ['succeeded', 'review', 'pending', 'unknown', 'rejected', 'failed', 'invalid']) expect(f.byStatus[s], s).toBeGreaterThan(0);
    expect(readFileSync(r.results, 'utf8')).toMatch(/found by lookup/);
  });

  it('both reports count the rows by status as the results file and the summary do', () => {
    const f = figuresOf(r.results);
    const summary = JSON.parse(readFileSync(r.summary, 'utf8')) as { by_status: Record<string, number> };
    for (const page of [runPage, filePage]) {
      const got = statusCounts(page);
      for (const [s, n] of Object.entries(got)) {
        expect(n, s).toBe(f.byStatus[s] ?? 0);
        expect(n, s).toBe(summary.by_status[s] ?? 0);
      }
      expect(Object.keys(got)).toHaveLength(7);
    }
  });

  it('both reports sum the amounts as the results file and the summary do', () => {
    const f = figuresOf(r.results);
    const summary = JSON.parse(readFileSync(r.summary, 'utf8')) as { amounts_succeeded: Record<string, Record<string, string>>; full_reversals_succeeded: number };
    const want = Object.fromEntries(Object.entries(f.amounts).map(([k, c]) => [k, money(c)]));
    const fromSummary = Object.fromEntries(Object.entries(summary.amounts_succeeded).flatMap(([op, byCur]) => Object.entries(byCur).map(([cur, v]) => [`${op} ${cur}`, v])));
    expect(want).toEqual(fromSummary);
    expect(amounts(runPage)).toEqual(want);
    expect(amounts(filePage)).toEqual(want);
    expect(summary.full_reversals_succeeded).toBe(1);
    expect(section(runPage, 'amounts')).toContain('the whole amount of each payment');
  });

  it('the report of the run and the report made afterwards show the same rows', () => {
    for (const id of ['status', 'amounts', 'attention', 'failures', 'failed-rows']) expect(section(filePage, id), id).toBe(section(runPage, id));
  });

  it('both show the environment, the input SHA-256 and the payops version', () => {
    const sha = (JSON.parse(readFileSync(r.summary, 'utf8')) as { input_sha256: string }).input_sha256;
    const version = (JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;
    for (const page of [runPage, filePage]) {
      expect(page).toContain('class="env env-sim"');
      expect(page).toContain(`<code>${sha}</code>`);
      expect(page).toContain(`<dt>payops version</dt><dd>${version}</dd>`);
    }
    expect(runPage).toContain('<dt>Input</dt><dd>refunds.csv</dd>');
  });

  it('only the report of the run has throughput and latency', () => {
    const m = section(runPage, 'metrics');
    for (const p of ['p50', 'p90', 'p99', 'max']) expect(m).toMatch(new RegExp(`data-latency="${p}">[\\d.]+ m?s<`));
    expect(m).toContain('<title id="chart-throughput-t">');
    expect(filePage).not.toContain('id="metrics"');
    // Every row that was sent counts its sends; rows found by lookup add their lookups.
    const rows = readCsv(r.results);
    const sends = rows.reduce((n, row) => n + Number(row.attempts), 0);
    const said = /([\d,]+) requests? to the gateway \(([\d,]+) lookups?\)/.exec(m);
    expect(said, m).not.toBeNull();
    expect(Number(said![1]!.replace(/,/g, ''))).toBeGreaterThanOrEqual(sends + Number(said![2]!.replace(/,/g, '')));
    expect(Number(said![2])).toBeGreaterThan(0);
  });

  it('escapes the user\'s cells and never shows the card number', () => {
    for (const page of [runPage, filePage]) {
      expect(page).not.toMatch(/<script|<img/i);
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page).toContain(XSS_CELL.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
      expect(page).not.toContain(CARD);
      expect(page).not.toContain('sim-token');
    }
  });

  it('names the failed-rows file under the failed rows', () => {
    expect(section(runPage, 'failed-rows')).toContain('refunds.failed.csv');
  });

  it('writes <results stem>.report.html beside the results file by default', async () => {
    const rep = await runCli(['report', r.results, '--quiet']);
    expect(rep.code, rep.stderr).toBe(0);
    expect(existsSync(join(r.dir, 'refunds.report.html'))).toBe(true);
    expect(readFileSync(join(r.dir, 'refunds.report.html'), 'utf8')).toContain('Environment not recorded');
  });

  it('refuses a file that is not a results file, naming what is missing', async () => {
    const rep = await runCli(['report', r.input, '-o', join(r.dir, 'x.html')]);
    expect(rep.code).toBe(2);
    expect(rep.stderr).toMatch(/is not a payops results file: it has no line, status, result_code/);
    expect(existsSync(join(r.dir, 'x.html'))).toBe(false);
  });

  it('refuses --report naming the results file, before anything is sent', async () => {
    const input = join(r.dir, 'again.csv');
    writeFileSync(input, 'operation,payment_id,amount,currency\nrefund,aaaaaaaaaaaaaaaaaaaaaaaaaaaa0001,1.00,EUR\n');
    const rep = await runCli(['run', input, '--gateway', 'sim', '--report', join(r.dir, 'again.results.csv')]);
    expect(rep.code).toBe(2);
    expect(rep.stderr).toContain('the --out and the --report are both');
    const dry = await runCli(['run', input, '--gateway', 'sim', '--dry-run', '--report', join(r.dir, 'dry.html')]);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain('--dry-run sends nothing');
  });

  it('writes the report of a run that stopped early, saying so', async () => {
    const input = join(r.dir, 'down.csv');
    writeFileSync(input, 'operation,payment_id,amount,currency\nrefund,aaaaaaaaaaaaaaaaaaaaaaaaaaaa0001,1.00,EUR\nrefund,aaaaaaaaaaaaaaaaaaaaaaaaaaaa0001,2.00,EUR\n');
    const report = join(r.dir, 'down.html');
    // Nothing listens on port 1: every request is refused, and --max-outage stops the run.
    const run = await runCli(['run', input, '--gateway', 'http://127.0.0.1:1', '--state-dir', join(r.dir, 'state-down'), '--max-outage', '300ms', '--report', report]);
    expect(run.code, run.stderr).toBe(3);
    const page = readFileSync(report, 'utf8');
    expect(page).toMatch(/<dt>Stopped early<\/dt><dd>no successful exchange with the gateway/);
    expect(statusCounts(page).failed).toBe(2);
    expect(section(page, 'metrics')).toMatch(/[1-9]\d* requests? could not be sent, 0 answers lost/);
  });

  it('refuses a report in a folder that does not exist before anything is sent', async () => {
    const sim = await startSim();
    const input = join(r.dir, 'nofolder.csv');
    writeFileSync(input, 'operation,payment_id,amount,currency\nrefund,aaaaaaaaaaaaaaaaaaaaaaaaaaaa0001,1.00,EUR\n');
    const run = await runCli(['run', input, '--gateway', sim.url, '--state-dir', join(r.dir, 'state-nofolder'), '--report', join(r.dir, 'no', 'such', 'report.html')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('its folder does not exist');
    expect(await sim.transactions()).toEqual([]);
    await sim.stop();
  });
});
