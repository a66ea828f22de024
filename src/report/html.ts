/**
 * The report as one self-contained HTML file: inline CSS and SVG, no script,
 * no external reference, so it opens offline from an email attachment or a
 * shared folder, and prints on A4. Every value is escaped (escape.ts); free
 * text is card-masked once more on the way out.
 *
 * `renderReportBody` is the report without the page around it, for the web
 * page to embed (with `REPORT_CSS`).
 */
import { formatDuration } from '../output/format.js';
import { freeText, html, raw, type Html } from './escape.js';
import { throughputSeries } from './metrics.js';
import {
  ATTENTION,
  ATTENTION_ORDER,
  type AttentionItem,
  type ReportModel,
  type ReportRow,
} from './model.js';
import { barChart, columnChart, statusChart } from './svg.js';

export const REPORT_CSS = `
:root { color-scheme: light; }
.payops-report { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: #1f2328; max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem 2rem; }
.payops-report h1 { font-size: 1.5rem; margin: .5rem 0 .75rem; overflow-wrap: anywhere; }
.payops-report h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid #d0d7de; }
.payops-report h3 { font-size: 1rem; margin: 1rem 0 .35rem; }
.payops-report p { margin: .35rem 0; }
.payops-report .env { border: 4px solid; border-radius: 6px; padding: .6rem .9rem; font-weight: 700; font-size: 1.2rem; letter-spacing: .02em; }
.payops-report .env small { display: block; font-weight: 400; font-size: .85rem; letter-spacing: 0; }
.payops-report .env-live { background: #ffebe9; border-color: #cf222e; color: #82071e; }
.payops-report .env-test { background: #fff8c5; border-color: #9a6700; color: #633c01; }
.payops-report .env-sim { background: #ddf4ff; border-color: #0969da; color: #0a3069; }
.payops-report .env-unknown { background: #f6f8fa; border-color: #57606a; border-style: dashed; color: #24292f; }
.payops-report dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .75rem 0; }
.payops-report dl.meta dt { font-weight: 600; }
.payops-report dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.payops-report code, .payops-report .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; overflow-wrap: anywhere; }
.payops-report table { border-collapse: collapse; width: auto; max-width: 100%; margin: .4rem 0 .6rem; font-variant-numeric: tabular-nums; }
.payops-report table.wide { width: 100%; }
.payops-report caption { text-align: left; font-weight: 600; padding: .2rem 0; white-space: nowrap; }
.payops-report th, .payops-report td { border: 1px solid #d0d7de; padding: .25rem .45rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.payops-report thead th { background: #f6f8fa; }
.payops-report td.num, .payops-report th.num { text-align: right; white-space: nowrap; }
.payops-report .status { display: inline-block; padding: 0 .4rem; border-radius: 1rem; border: 1px solid currentColor; font-weight: 600; white-space: nowrap; }
.payops-report .s-succeeded { color: #116329; } .payops-report .s-review { color: #7d4e00; } .payops-report .s-pending { color: #0550ae; }
.payops-report .s-unknown { color: #6639ba; } .payops-report .s-rejected { color: #a40e26; } .payops-report .s-failed { color: #82071e; }
.payops-report .s-invalid { color: #424a53; }
.payops-report .todo { background: #fff8c5; border-left: 4px solid #9a6700; padding: .35rem .6rem; }
.payops-report .ok { background: #dafbe1; border-left: 4px solid #1a7f37; padding: .35rem .6rem; }
.payops-report .note { color: #57606a; font-size: .9em; }
.payops-report .chart { max-width: 40rem; display: block; margin: .3rem 0; }
.payops-report .chart-title { font-weight: 700; font-size: 14px; fill: #1f2328; }
.payops-report .chart-label { font-size: 12px; fill: #1f2328; }
.payops-report .chart-value { font-size: 12px; font-weight: 600; fill: #1f2328; }
.payops-report .chart-axis { stroke: #57606a; stroke-width: 1; }
.payops-report .figures { display: block; }
.payops-report thead th { white-space: nowrap; }
.payops-report td.nowrap { white-space: nowrap; }
.payops-report td.user { min-width: 6rem; }
.payops-report td.reason { min-width: 14rem; }
.payops-report td.id code { font-size: .78em; }
.payops-report td.ids { min-width: 15.5rem; }
.payops-report td.ids code { font-size: .78em; overflow-wrap: normal; }
.payops-report footer { margin-top: 2rem; color: #57606a; font-size: .85em; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  .payops-report { font-size: 9.5pt; max-width: none; padding: 0; }
  .payops-report * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .payops-report h2 { break-after: avoid; page-break-after: avoid; }
  .payops-report thead { display: table-header-group; }
  .payops-report tr, .payops-report .chart, .payops-report .env, .payops-report dl.meta { break-inside: avoid; page-break-inside: avoid; }
  .payops-report .chart { max-width: 16cm; }
}
`;

const ENV_TEXT = {
  live: { head: 'LIVE gateway', sub: 'Real payments: every row marked succeeded moved real money.' },
  test: { head: 'TEST gateway', sub: 'A rehearsal on the test host: no real money moved.' },
  sim: { head: 'SIMULATOR', sub: 'The built-in simulator: nothing left this machine, no money moved.' },
} as const;

function when(iso: string | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** "1234567.50" → "1,234,567.50". */
export function groupThousands(amount: string): string {
  const [int, frac] = amount.split('.');
  const grouped = (int ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function statusBadge(status: string): Html {
  const cls = /^[a-z]+$/.test(status) ? `status s-${status}` : 'status';
  return html`<span class="${cls}">${status || '(none)'}</span>`;
}

function share(n: number, total: number): string {
  if (total === 0) return '0%';
  const p = (n / total) * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

function lineList(lines: readonly number[], rows: number): string {
  const shown = [...lines].sort((a, b) => a - b).join(', ');
  return rows > lines.length ? `${shown}, … (${rows - lines.length} more)` : shown;
}

function header(m: ReportModel): Html {
  const meta = m.meta;
  const env = meta.environment;
  const envBlock = env
    ? html`<div class="env env-${env.kind}" role="note" aria-label="Environment"><span data-env="${env.kind}">${ENV_TEXT[env.kind].head}</span> <span class="mono">${env.gateway}</span><small>${ENV_TEXT[env.kind].sub}</small></div>`
    : html`<div class="env env-unknown" role="note" aria-label="Environment"><span data-env="unknown">Environment not recorded</span><small>A results file does not say which gateway it ran against. Pass --summary-json with the summary the run wrote to show it.</small></div>`;
  const title = meta.input?.name ?? meta.resultsFile?.name ?? 'payops run';
  const items: Html[] = [];
  const item = (term: string, value: Html | string) => items.push(html`<dt>${term}</dt><dd>${value}</dd>`);
  const notRecorded = meta.origin === 'run' ? 'not recorded' : 'not recorded in the results file (pass --summary-json)';
  item('Input', meta.input?.name !== undefined ? freeText(meta.input.name) : notRecorded);
  item('Input SHA-256', meta.input?.sha256 ? html`<code>${meta.input.sha256}</code>` : notRecorded);
  if (meta.resultsFile) {
    item('Results file', freeText(meta.resultsFile.name));
    item('Results file SHA-256', html`<code>${meta.resultsFile.sha256}</code>`);
  }
  if (meta.origin === 'run') {
    item('Started', when(meta.startedAt) || 'not recorded');
  } else {
    item('Rows processed', m.firstProcessedAt ? `${when(m.firstProcessedAt)} to ${when(m.lastProcessedAt)}` : 'no row was processed');
  }
  item('Took', meta.elapsedMs !== undefined ? formatDuration(meta.elapsedMs) : notRecorded);
  if (meta.stopped) item('Stopped early', freeText(meta.stopped));
  item('payops version', meta.version);
  item('Report made', when(meta.generatedAt));
  return html`<header>${envBlock}<h1>Report: ${freeText(title)}</h1><dl class="meta">${items}</dl></header>`;
}

function statusSection(m: ReportModel): Html {
  const present = m.byStatus;
  const chart = statusChart(present);
  const rows = present.map(
    (s) =>
      html`<tr data-status="${s.status}"><th scope="row">${statusBadge(s.status)}</th><td class="num" data-rows>${s.rows.toLocaleString('en-US')}</td><td class="num">${share(s.rows, m.rows)}</td><td>${s.meaning}</td></tr>`,
  );
  const notes: Html[] = [];
  if (m.alreadyDone > 0) notes.push(html`<p class="note">${plural(m.alreadyDone, 'row was', 'rows were')} done by an earlier run; they are counted with that run's status and were not sent again.</p>`);
  if (m.otherStatus > 0) notes.push(html`<p class="note">${plural(m.otherStatus, 'row has', 'rows have')} a status payops does not write (the file was edited?).</p>`);
  return html`<section id="status" aria-labelledby="h-status"><h2 id="h-status">Rows by status</h2><div class="figures">${chart}<table><caption>Rows by status</caption><thead><tr><th scope="col">Status</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Share</th><th scope="col">Meaning</th></tr></thead><tbody>${rows}</tbody><tfoot><tr><th scope="row">total</th><td class="num" data-total>${m.rows.toLocaleString('en-US')}</td><td class="num">100%</td><td></td></tr></tfoot></table></div>${notes}</section>`;
}

function amountsSection(m: ReportModel): Html {
  const earlier = m.alreadyDone > 0 ? ' Rows done by an earlier run are not counted again.' : '';
  const intro = html`<p class="note">Operations the gateway executed in this run (status succeeded or review), summed exactly per operation and currency.${earlier}</p>`;
  if (m.amounts.length === 0 && m.fullReversals === 0) {
    return html`<section id="amounts" aria-labelledby="h-amounts"><h2 id="h-amounts">Amounts succeeded</h2>${intro}<p>No operation with an amount succeeded.</p></section>`;
  }
  const rows = m.amounts.map(
    (a) =>
      html`<tr data-op="${a.operation}" data-currency="${a.currency}"><th scope="row">${a.operationName} <span class="mono">${a.operation}</span></th><td>${a.currency}</td><td class="num">${a.rows.toLocaleString('en-US')}</td><td class="num" data-amount>${groupThousands(a.amount)}</td></tr>`,
  );
  const full =
    m.fullReversals > 0
      ? html`<tr data-op="RV" data-currency=""><th scope="row">reversal <span class="mono">RV</span></th><td>full</td><td class="num">${m.fullReversals.toLocaleString('en-US')}</td><td class="num">the whole amount of each payment</td></tr>`
      : '';
  return html`<section id="amounts" aria-labelledby="h-amounts"><h2 id="h-amounts">Amounts succeeded</h2>${intro}<table><caption>Amounts succeeded per operation and currency</caption><thead><tr><th scope="col">Operation</th><th scope="col">Currency</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Amount</th></tr></thead><tbody>${rows}${full}</tbody></table></section>`;
}

function userHeads(m: ReportModel): Html[] {
  return m.meta.userColumns.map((c) => html`<th scope="col">${freeText(c)}</th>`);
}

function userCells(row: ReportRow): Html[] {
  return row.userCells.map((c) => html`<td class="user">${freeText(c)}</td>`);
}

function ids(row: ReportRow): Html {
  const parts: Html[] = [];
  if (row.paymentId) parts.push(html`<div>payment <code>${row.paymentId}</code></div>`);
  if (row.merchantTransactionId) parts.push(html`<div>merchant tx <code>${freeText(row.merchantTransactionId)}</code></div>`);
  if (row.newPaymentId) parts.push(html`<div>new payment <code>${row.newPaymentId}</code></div>`);
  return html`${parts}`;
}

function amountOf(row: ReportRow): string {
  if (row.amount) return `${groupThousands(row.amount)} ${row.currency}`;
  return row.operation === 'RV' ? 'full' : '';
}

function attentionSection(m: ReportModel): Html {
  const a = m.attention;
  if (a.total === 0) {
    return html`<section id="attention" aria-labelledby="h-attention"><h2 id="h-attention">Needs a person</h2><p class="ok">Nothing needs a person: no row is in review, unknown, pending or found by lookup, and none asks for manual action.</p></section>`;
  }
  const groups: Html[] = [];
  for (const kind of ATTENTION_ORDER) {
    const n = a.byKind[kind];
    if (n === 0) continue;
    const items = a.items.filter((i: AttentionItem) => i.kind === kind);
    const rows = items.map(
      ({ row }) =>
        html`<tr><td class="num">${row.line}</td><td>${statusBadge(row.status)}</td><td class="nowrap">${row.operation}</td><td class="num">${amountOf(row)}</td><td class="ids">${ids(row)}</td><td class="reason"><code>${row.resultCode}</code> ${freeText(row.resultDescription)}${row.error ? html`<div class="note">${freeText(row.error)}</div>` : ''}${row.note ? html`<div class="note">${freeText(row.note)}</div>` : ''}</td>${userCells(row)}</tr>`,
    );
    const more = n > items.length ? html`<p class="note">${plural(n - items.length, 'more row')} of this kind are not listed here; they are in the results file.</p>` : '';
    groups.push(
      html`<div class="attention-group" data-kind="${kind}"><h3>${ATTENTION[kind].title}: ${plural(n, 'row')}</h3><p class="todo"><strong>What to do:</strong> ${ATTENTION[kind].todo}</p><table class="wide"><caption>${ATTENTION[kind].title}</caption><thead><tr><th scope="col" class="num">Line</th><th scope="col">Status</th><th scope="col">Op</th><th scope="col" class="num">Amount</th><th scope="col">Ids</th><th scope="col">Gateway said</th>${userHeads(m)}</tr></thead><tbody>${rows}</tbody></table>${more}</div>`,
    );
  }
  return html`<section id="attention" aria-labelledby="h-attention"><h2 id="h-attention">Needs a person: ${plural(a.total, 'row')}</h2>${groups}</section>`;
}

function failuresSection(m: ReportModel): Html {
  const parts: Html[] = [];
  if (m.failures.length === 0) parts.push(html`<p>No row was rejected or failed.</p>`);
  else {
    const rows = m.failures.map(
      (g) =>
        html`<tr data-code="${g.resultCode}"><td>${g.resultCode ? html`<code>${g.resultCode}</code>` : 'no result code'}</td><td>${statusBadge(g.status)}</td><td>${freeText(g.description)}</td><td class="num" data-rows>${g.rows.toLocaleString('en-US')}</td><td>${lineList(g.lines, g.rows)}</td></tr>`,
    );
    parts.push(
      html`<table class="wide"><caption>Rejected and failed rows by result code</caption><thead><tr><th scope="col">Result code</th><th scope="col">Status</th><th scope="col">Gateway's description</th><th scope="col" class="num">Rows</th><th scope="col">Lines</th></tr></thead><tbody>${rows}</tbody></table>`,
    );
  }
  let invalid: Html;
  if (m.invalid.length === 0) invalid = html`<p>No row was invalid.</p>`;
  else {
    const rows = m.invalid.map(
      (g) =>
        html`<tr><td class="num" data-rows>${g.rows.toLocaleString('en-US')}</td><td>${freeText(g.problem)}</td><td>${g.fix ? freeText(g.fix) : '—'}</td><td>${lineList(g.lines, g.rows)}</td></tr>`,
    );
    invalid = html`<p class="note">Nothing was sent for these rows. Fix them in the failed-rows file (or the input) and run it again. A row can have more than one reason.</p><table class="wide"><caption>Invalid rows by reason</caption><thead><tr><th scope="col" class="num">Rows</th><th scope="col">Problem (first row's words)</th><th scope="col">How to fix</th><th scope="col">Lines</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  return html`<section id="failures" aria-labelledby="h-failures"><h2 id="h-failures">Failures</h2><h3>By result code</h3>${parts}<h3>Invalid rows by reason</h3>${invalid}</section>`;
}

/** Rows per second as people read it: 2,704.9. */
function rate(v: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
}

function metricsSection(m: ReportModel): Html {
  const snap = m.meta.metrics;
  if (!snap) return html``;
  const series = throughputSeries(snap);
  const total = snap.rowsPerBin.reduce((a, b) => a + b, 0);
  const avg = snap.elapsedMs > 0 ? total / (snap.elapsedMs / 1000) : 0;
  const peak = Math.max(0, ...series.rowsPerSecond);
  const throughput =
    series.rowsPerSecond.length > 0
      ? columnChart(
          {
            id: 'chart-throughput',
            title: 'Throughput over the run (rows finished per second)',
            description: `${series.rowsPerSecond.length} slices of ${ms(series.sliceMs)}; average ${rate(avg)} rows/s, peak ${rate(peak)} rows/s.`,
          },
          { values: series.rowsPerSecond, startLabel: '0 s', endLabel: formatDuration(snap.elapsedMs), unit: 'rows/s' },
        )
      : html`<p>No row finished.</p>`;
  const lat = snap.latency;
  const latency = lat
    ? barChart(
        {
          id: 'chart-latency',
          title: 'Request latency',
          description: `p50 ${ms(lat.p50)}, p90 ${ms(lat.p90)}, p99 ${ms(lat.p99)}, max ${ms(lat.max)} over ${snap.requests} requests.`,
        },
        (['p50', 'p90', 'p99', 'max'] as const).map((k) => ({ label: k, value: lat[k], valueText: ms(lat[k]) })),
        { labelWidth: 60 },
      )
    : html`<p>No request was sent.</p>`;
  const latRows = lat
    ? (['p50', 'p90', 'p99', 'max'] as const).map((k) => html`<tr><th scope="row">${k}</th><td class="num" data-latency="${k}">${ms(lat[k])}</td></tr>`)
    : [];
  return html`<section id="metrics" aria-labelledby="h-metrics"><h2 id="h-metrics">The run</h2><p>${plural(total, 'row')} finished in ${formatDuration(snap.elapsedMs)}: on average ${rate(avg)} rows/s, at best ${rate(peak)} rows/s. ${plural(snap.requests, 'request')} to the gateway (${plural(snap.lookups, 'lookup')}); ${plural(snap.byKind['not-sent'], 'request')} could not be sent, ${plural(snap.byKind.lost, 'answer')} lost.</p>${throughput}<div class="figures">${latency}<table><caption>Request latency percentiles</caption><thead><tr><th scope="col">Percentile</th><th scope="col" class="num">Latency</th></tr></thead><tbody>${latRows}</tbody></table></div><p class="note">Latency is the time from sending a request to receiving the whole answer (percentiles exact to 1%).</p></section>`;
}

function failedRowsSection(m: ReportModel): Html {
  const f = m.failedRows;
  if (f.total === 0) {
    return html`<section id="failed-rows" aria-labelledby="h-failed"><h2 id="h-failed">Failed rows</h2><p class="ok">No row is in the failed-rows file.</p></section>`;
  }
  const rows = f.shown.map(
    (row) =>
      html`<tr><td class="num">${row.line}</td><td>${statusBadge(row.status)}</td><td class="nowrap">${row.operation}</td><td class="num">${amountOf(row)}</td><td class="id">${row.paymentId ? html`<code>${row.paymentId}</code>` : ''}</td><td class="reason">${row.resultCode ? html`<code>${row.resultCode}</code> ` : ''}${freeText(row.error || row.resultDescription || row.note)}</td>${userCells(row)}</tr>`,
  );
  const file = m.meta.failedFile ? html` <span class="mono">${freeText(m.meta.failedFile)}</span>` : '';
  const note =
    f.total > f.shown.length
      ? html`<p class="note" data-more="${f.total - f.shown.length}">The first ${f.shown.length.toLocaleString('en-US')} of ${plural(f.total, 'row')} are shown; ${(f.total - f.shown.length).toLocaleString('en-US')} more are in the failed-rows file${file}.</p>`
      : html`<p class="note">All ${plural(f.total, 'row')} are shown; they are also in the failed-rows file${file}, which payops can run again.</p>`;
  return html`<section id="failed-rows" aria-labelledby="h-failed"><h2 id="h-failed">Failed rows: ${plural(f.total, 'row')}</h2><table class="wide"><caption>Rows to run again (rejected, failed, unknown, invalid)</caption><thead><tr><th scope="col" class="num">Line</th><th scope="col">Status</th><th scope="col">Op</th><th scope="col" class="num">Amount</th><th scope="col">Payment</th><th scope="col">Reason</th>${userHeads(m)}</tr></thead><tbody>${rows}</tbody></table>${note}</section>`;
}

/** The report's content, without <html>/<head> (the web page embeds it next to REPORT_CSS). */
export function renderReportBody(m: ReportModel): Html {
  return html`<article class="payops-report">${header(m)}${statusSection(m)}${amountsSection(m)}${attentionSection(m)}${failuresSection(m)}${metricsSection(m)}${failedRowsSection(m)}<footer>Made by payops ${m.meta.version} on ${when(m.meta.generatedAt)}. Card numbers are masked; no token is ever written.</footer></article>`;
}

/** The whole self-contained page. */
export function renderReport(m: ReportModel): string {
  const title = `payops report: ${m.meta.input?.name ?? m.meta.resultsFile?.name ?? 'run'}${m.meta.environment ? ` (${m.meta.environment.kind})` : ''}`;
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><title>${freeText(title)}</title><style>${raw(REPORT_CSS)}</style></head>
<body>${renderReportBody(m)}</body></html>
`.value;
}
