/**
 * HTML escaping for the report and the web page: one tagged template, `html`,
 * escapes every interpolated value unless it is already {@link Html} (made by
 * `html` itself or by {@link raw} for markup this code writes). A value can
 * therefore reach a page only escaped: `<script>` and `"><img onerror=…>` in a
 * description or a user's cell show as text.
 */
import { maskCardNumbersForOutput } from '../rows/card-mask.js';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text (or an attribute value) escaped for HTML and SVG. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Markup written by this code, not escaped again. Never pass it a value from a file. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/**
 * Free text from a file (a description, an error, a user's cell): card
 * numbers masked again (the results file has them masked already; this is
 * the backstop), then escaped by `html`.
 */
export function freeText(value: string): string {
  return maskCardNumbersForOutput(value);
}

type Value = Html | string | number | bigint | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(v);
}

/** `html\`<td>${value}</td>\``: the values escaped, the literal parts kept. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}
