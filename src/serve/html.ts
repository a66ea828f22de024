/**
 * HTML for the web page. Every value that reaches a page goes through
 * {@link esc} (or {@link html}'s interpolation, which calls it): nothing a
 * user, a file or the gateway wrote is ever markup.
 */

/** The one escape function: text → safe in element content and in quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Markup that is already safe (built by {@link html}). */
export class Safe {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template: interpolated values are escaped unless they are {@link Safe} (or arrays of them). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Safe {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Safe(out);
}

function render(v: unknown): string {
  if (v instanceof Safe) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === undefined || v === null || v === false) return '';
  return esc(v);
}

export interface PageContext {
  title: string;
  environment: 'sim' | 'test' | 'live' | string;
  gatewayLabel: string;
  user: string | undefined;
  csrfFree?: boolean;
}

const CSS = `
*{box-sizing:border-box}body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#fff;border-bottom:1px solid #d8dce3}
header nav a{margin-right:1rem}header .who{margin-left:auto;color:#4a5568}
.env{padding:.5rem 1.2rem;font-weight:600}
.env-sim{background:#e6f0ff;color:#173b76}.env-test{background:#fff6d6;color:#5c4500}
.env-live{background:#b00020;color:#fff;font-size:1.15rem;letter-spacing:.02em}
main{max-width:72rem;margin:1.2rem auto;padding:0 1.2rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.card{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:1rem 1.2rem;margin-bottom:1rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e6eb;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#0b6b2f}.bad{color:#a1001a}.muted{color:#5a6473}.big{font-size:1.6rem;font-weight:700}
.banner{border-radius:8px;padding:.8rem 1rem;margin-bottom:1rem;font-weight:600}
.banner-safe{background:#e7f6ec;border:1px solid #a6d9b7;color:#0b4d23}.banner-warn{background:#fff4e0;border:1px solid #f0c27a;color:#6b4200}
.banner-error{background:#fde8ea;border:1px solid #f1a7b0;color:#7a0012}
button,.button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #1f4fbf;background:#1f4fbf;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#1f4fbf}button.danger{background:#b00020;border-color:#b00020}
input[type=text],input[type=password],select{font:inherit;padding:.35rem .5rem;border:1px solid #b7bec9;border-radius:4px}
label{display:inline-block;margin:.2rem 1rem .2rem 0}
#drop{border:2px dashed #8a96a8;border-radius:10px;padding:2.5rem;text-align:center;background:#fff}
#drop.over{background:#eef4ff;border-color:#1f4fbf}
progress{width:100%;height:1.2rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.8rem}
.stat{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:.6rem .8rem}.stat .label{color:#5a6473;font-size:.85rem}
code{background:#eef0f3;padding:0 .25rem;border-radius:3px;word-break:break-all}
`;

export function envBanner(kind: string, label: string): Safe {
  if (kind === 'live')
    return html`<div class="env env-live" role="alert">LIVE — real money. This page sends operations to the production gateway (${label}).</div>`;
  if (kind === 'test') return html`<div class="env env-test">TEST gateway (${label}) — no real money moves.</div>`;
  return html`<div class="env env-sim">SIMULATOR (${label}) — nothing reaches a real gateway.</div>`;
}

export function page(ctx: PageContext, body: Safe, opts: { script?: string } = {}): string {
  const nav = ctx.user
    ? html`<nav><a href="/">Upload</a><a href="/history">History</a></nav><span class="who">Signed in as <strong>${ctx.user}</strong>${
        ctx.csrfFree ? '' : html` <form method="post" action="/logout" style="display:inline"><button class="secondary" type="submit">Sign out</button></form>`
      }</span>`
    : html``;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(ctx.title)} · payops</title><style>${CSS}</style></head><body>
<header><strong>payops</strong>${nav.value}</header>
${envBanner(ctx.environment, ctx.gatewayLabel).value}
<main>${body.value}</main>${opts.script ? `<script>${opts.script}</script>` : ''}</body></html>`;
}

/** 1234.5 → "1,234.50" (two decimals unless the value has more). */
export function money(value: string | number): string {
  const s = typeof value === 'number' ? value.toFixed(2) : value;
  const [i, f] = s.split('.');
  const neg = i!.startsWith('-');
  const digits = neg ? i!.slice(1) : i!;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}${f !== undefined ? '.' + f : ''}`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** An ISO time as people read it: `2026-12-01 20:25:51 UTC`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}
