/**
 * How a cell's value is quoted in a message: in double quotes, control
 * characters escaped, long values shortened, and any card number masked —
 * every message about a cell goes through here.
 */
import { maskCardNumbersThoroughly } from './card-mask.js';

/** Longest value shown in full in a message (characters). */
export const SHOWN_MAX = 60;

/** `"value"` for a message: masked, escaped, at most SHOWN_MAX characters (then `…`). */
export function showValue(value: string): string {
  const text = typeof value === 'string' ? value : String(value);
  // Only the start is shown; masking a bounded prefix keeps huge cells cheap
  // (a card number is at most 19 digits plus separators, well inside it).
  const masked = maskCardNumbersThoroughly(text.length > SHOWN_MAX * 4 ? text.slice(0, SHOWN_MAX * 4) : text);
  const chars = Array.from(masked);
  const cut = chars.length > SHOWN_MAX || masked.length < text.length ? chars.slice(0, SHOWN_MAX - 1).join('') + '…' : masked;
  return JSON.stringify(cut);
}

const NAMED: Readonly<Record<string, string>> = {
  ' ': 'a space',
  '\u00A0': 'a no-break space (U+00A0)',
  '\u202F': 'a narrow no-break space (U+202F)',
  '\u2009': 'a thin space (U+2009)',
  '\t': 'a tab',
  '\r': 'a carriage return',
  '\n': 'a line break',
  "'": 'an apostrophe',
  '\u2019': 'a typographic apostrophe (U+2019)',
};

/** A single character named for a message: `"x"`, or `a no-break space (U+00A0)` for invisible ones. */
export function describeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const cp = c.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) {
    return `the control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  if (/\s/u.test(c)) return `a space character (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
  return JSON.stringify(c);
}
