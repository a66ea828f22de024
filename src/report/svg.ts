/**
 * Small charts drawn as inline SVG, shared by the report and the web page.
 * Each chart is an image with a title and a description (role="img",
 * aria-labelledby), every bar carries its label and its number as text, and
 * each series has its own fill pattern as well as its colour, so no figure is
 * told by colour alone and a chart stays readable printed in grey. No script,
 * no external reference: the ids are prefixed with the chart's own id.
 */
import { html, raw, type Html } from './escape.js';

/** A look for a bar: a colour and a pattern. */
export interface Tone {
  color: string;
  pattern: 'solid' | 'diagonal' | 'dots' | 'cross' | 'horizontal' | 'vertical' | 'back-diagonal';
}

export const STATUS_TONES: Readonly<Record<string, Tone>> = {
  succeeded: { color: '#1a7f37', pattern: 'solid' },
  review: { color: '#9a6700', pattern: 'diagonal' },
  pending: { color: '#0969da', pattern: 'dots' },
  unknown: { color: '#8250df', pattern: 'cross' },
  rejected: { color: '#cf222e', pattern: 'back-diagonal' },
  failed: { color: '#82071e', pattern: 'horizontal' },
  invalid: { color: '#57606a', pattern: 'vertical' },
};

const NEUTRAL: Tone = { color: '#0969da', pattern: 'solid' };

function patternDef(id: string, tone: Tone): string {
  const c = tone.color;
  const bg = `<rect width="8" height="8" fill="${c}" fill-opacity="0.35"/>`;
  switch (tone.pattern) {
    case 'solid':
      return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="${c}"/></pattern>`;
    case 'diagonal':
      return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${bg}<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="${c}" stroke-width="2"/></pattern>`;
    case 'back-diagonal':
      return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${bg}<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="${c}" stroke-width="2"/></pattern>`;
    case 'dots':
      return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${bg}<circle cx="4" cy="4" r="2" fill="${c}"/></pattern>`;
    case 'cross':
      return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${bg}<path d="M0,0 l8,8 M8,0 l-8,8" stroke="${c}" stroke-width="1.5"/></pattern>`;
    case 'horizontal':
      return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${bg}<path d="M0,2 h8 M0,6 h8" stroke="${c}" stroke-width="2"/></pattern>`;
    case 'vertical':
      return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${bg}<path d="M2,0 v8 M6,0 v8" stroke="${c}" stroke-width="2"/></pattern>`;
  }
}

export interface Bar {
  label: string;
  value: number;
  /** The number as shown (default: the value). */
  valueText?: string;
  tone?: Tone;
}

export interface ChartText {
  /** A unique id in the page (letters, digits, dashes). */
  id: string;
  title: string;
  /** What the chart shows, for a screen reader (the numbers are also in the bars' text). */
  description: string;
}

function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, '-');
}

/** A horizontal bar chart: one row per bar, its label left, its number right of the bar. */
export function barChart(text: ChartText, bars: readonly Bar[], opts: { width?: number; labelWidth?: number } = {}): Html {
  const id = safeId(text.id);
  const width = opts.width ?? 640;
  const labelWidth = opts.labelWidth ?? 110;
  const valueWidth = 90;
  const rowH = 26;
  const top = 30;
  const height = top + rowH * bars.length + 8;
  const plot = width - labelWidth - valueWidth;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const defs: string[] = [];
  const rows = bars.map((b, i) => {
    const tone = b.tone ?? NEUTRAL;
    const pid = `${id}-p${i}`;
    defs.push(patternDef(pid, tone));
    const w = max > 0 ? Math.max(b.value > 0 ? 2 : 0, (b.value / max) * plot) : 0;
    const y = top + i * rowH;
    return html`<g><text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end" class="chart-label">${b.label}</text><rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="url(#${pid})" stroke="${tone.color}" stroke-width="1"/><text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 17}" class="chart-value">${b.valueText ?? String(b.value)}</text></g>`;
  });
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet"><title id="${id}-t">${text.title}</title><desc id="${id}-d">${text.description}</desc><defs>${raw(defs.join(''))}</defs><text x="0" y="16" class="chart-title">${text.title}</text>${rows}</svg>`;
}

export interface ColumnSeries {
  values: readonly number[];
  /** Label under the first and last column, e.g. "0 s" and "42 s". */
  startLabel: string;
  endLabel: string;
  /** What the vertical axis counts, e.g. "rows/s". */
  unit: string;
  /** How to show a value on the axis. */
  format?: (v: number) => string;
}

/** A column chart over time (throughput): columns, a labelled top of the axis, start and end labels. */
export function columnChart(text: ChartText, series: ColumnSeries, opts: { width?: number; height?: number } = {}): Html {
  const id = safeId(text.id);
  const width = opts.width ?? 640;
  const height = opts.height ?? 180;
  const left = 64;
  const top = 30;
  const bottom = 28;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const fmt = series.format ?? ((v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1)));
  const max = Math.max(0, ...series.values);
  const n = series.values.length;
  const colW = n > 0 ? plotW / n : plotW;
  const cols = series.values.map((v, i) => {
    const h = max > 0 ? (v / max) * plotH : 0;
    return html`<rect x="${(left + i * colW + 1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, colW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="url(#${id}-p)" stroke="${NEUTRAL.color}" stroke-width="0.5"><title>${fmt(v)} ${series.unit}</title></rect>`;
  });
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet"><title id="${id}-t">${text.title}</title><desc id="${id}-d">${text.description}</desc><defs>${raw(patternDef(`${id}-p`, NEUTRAL))}</defs><text x="0" y="16" class="chart-title">${text.title}</text><line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" class="chart-axis"/><line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" class="chart-axis"/><text x="${left - 6}" y="${top + 10}" text-anchor="end" class="chart-label">${fmt(max)}</text><text x="${left - 6}" y="${top + plotH}" text-anchor="end" class="chart-label">0</text><text x="${left - 6}" y="${top + plotH / 2 + 4}" text-anchor="end" class="chart-label">${series.unit}</text>${cols}<text x="${left}" y="${height - 8}" class="chart-label">${series.startLabel}</text><text x="${left + plotW}" y="${height - 8}" text-anchor="end" class="chart-label">${series.endLabel}</text></svg>`;
}

function share(n: number, total: number): string {
  if (total === 0) return '0%';
  const p = (n / total) * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** Rows by status as a bar chart, each bar with its count and share (the report's; the web page's progress can use it too). */
export function statusChart(counts: readonly { status: string; rows: number }[], opts: { id?: string; title?: string } = {}): Html {
  const total = counts.reduce((n, c) => n + c.rows, 0);
  return barChart(
    {
      id: opts.id ?? 'chart-status',
      title: opts.title ?? `Rows by status (${total.toLocaleString('en-US')} rows)`,
      description: counts.map((c) => `${c.status}: ${c.rows}`).join(', '),
    },
    counts.map((c) => ({
      label: c.status,
      value: c.rows,
      valueText: `${c.rows.toLocaleString('en-US')} (${share(c.rows, total)})`,
      ...(STATUS_TONES[c.status] ? { tone: STATUS_TONES[c.status]! } : {}),
    })),
  );
}
