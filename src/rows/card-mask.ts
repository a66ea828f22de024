/**
 * Finding and masking card numbers (docs/security.md#card-data): no
 * output, log line or message may hold a full card number; it appears as
 * first 6 + last 4 (`411111******1111`). Re-exported by `card.ts`.
 */

/** True when a string of digits passes the Luhn check (mod 10). */
export function luhnValid(digits: string): boolean {
  if (typeof digits !== 'string' || !/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The Luhn check digit that completes `partial` (digits only). */
export function luhnCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(partial + String(d))) return String(d);
  return '0'; // unreachable for a digit string
}

/**
 * Mask a card number as first 6 + `*` + last 4: `4111 1111 1111 1111` →
 * `411111******1111`. Anything but digits is dropped first. Fewer than 12
 * digits show only the last 4 (a short number must not come out whole).
 */
export function maskCardNumber(n: string): string {
  const digits = typeof n === 'string' ? n.replace(/\D/g, '') : '';
  if (digits.length >= 12) return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
  const keep = Math.min(4, Math.max(0, digits.length - 4));
  return '*'.repeat(digits.length - keep) + digits.slice(digits.length - keep);
}

/** One card number found in free text: [start, end) in the text, and its digits. */
export interface CardNumberMatch {
  start: number;
  end: number;
  digits: string;
}

/**
 * What may sit between the digit groups of one card number: one to three of
 * space (and the no-break and thin spaces), tab, `-` `.` `/` `_` `|` `:` `'`
 * `*`, `+` and the typographic dashes and apostrophes — `4111.1111.1111.1111`,
 * `4111 - 1111 - …`, `4111  1111…`, `4111'1111…`. Not `,` or `;`: they separate
 * numbers (and CSV cells) rather than group one.
 */
const GAP_CHARS = " \\t\\-./_|:'*+\\u00A0\\u202F\\u2009\\u2010-\\u2015\\u2018\\u2019";
const GROUP_GAP = new RegExp(`^[${GAP_CHARS}]{1,3}$`);
/**
 * Spaces and dashes join any groups; the other separators (`.` `/` `:` …) only
 * groups of 3 to 6 digits, as card numbers are grouped — so the `.00` of an
 * amount written after a card number (`4111111111111111.00`) is not taken
 * for part of it.
 */
const STRONG_GAP = /^[ \-\u00A0\u202F\u2009]{1,3}$/;
const isCardGroup = (g: { text: string }): boolean => g.text.length >= 3 && g.text.length <= 6;
const MIN_DIGITS = 12;
const MAX_DIGITS = 19;

interface DigitGroup {
  start: number;
  end: number;
  text: string;
}

/** Runs of digit groups joined by a short separator ({@link GROUP_GAP}). */
function chains(text: string): DigitGroup[][] {
  const out: DigitGroup[][] = [];
  let current: DigitGroup[] = [];
  for (const m of text.matchAll(/\d+/g)) {
    const g = { start: m.index, end: m.index + m[0].length, text: m[0] };
    const prev = current[current.length - 1];
    const gap = prev && g.start - prev.end <= 3 ? text.slice(prev.end, g.start) : undefined;
    const joins = gap !== undefined && GROUP_GAP.test(gap) && (STRONG_GAP.test(gap) || (isCardGroup(prev!) && isCardGroup(g)));
    if (joins) current.push(g);
    else {
      if (current.length) out.push(current);
      current = [g];
    }
  }
  if (current.length) out.push(current);
  return out;
}

const isWordChar = (c: string): boolean => /[0-9A-Za-z]/.test(c);

/**
 * Card numbers in free text: runs of 12–19 digits, optionally grouped with
 * single spaces or dashes (`4111 1111 1111 1111`, `4111-1111-…`), that pass
 * Luhn and are not glued to a letter or digit (so the digits inside a hex
 * payment id are left alone). Within a longer run (`4111111111111111 2027`)
 * the longest Luhn-valid span of whole groups is taken.
 */
export function findCardNumbers(text: string): CardNumberMatch[] {
  if (typeof text !== 'string') return [];
  const found: CardNumberMatch[] = [];
  for (const chain of chains(text)) {
    let i = 0;
    while (i < chain.length) {
      const first = chain[i]!;
      let best: { j: number; digits: string } | undefined;
      if (i > 0 || !isWordChar(text.charAt(first.start - 1))) {
        let digits = '';
        for (let j = i; j < chain.length; j++) {
          digits += chain[j]!.text;
          if (digits.length > MAX_DIGITS) break;
          const last = j === chain.length - 1;
          const endFree = !last || !isWordChar(text.charAt(chain[j]!.end));
          if (digits.length >= MIN_DIGITS && endFree && luhnValid(digits)) best = { j, digits };
        }
      }
      if (best) {
        found.push({ start: first.start, end: chain[best.j]!.end, digits: best.digits });
        i = best.j + 1;
      } else i++;
    }
  }
  return found;
}

/**
 * Replace every card number found by `findCardNumbers` with its masked form
 * (`411111******1111`). For any text written out: results, logs, notes.
 */
export function maskCardNumbersIn(text: string): string {
  if (typeof text !== 'string') return '';
  const found = findCardNumbers(text);
  if (found.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of found) {
    out += text.slice(at, m.start) + maskCardNumber(m.digits);
    at = m.end;
  }
  return out + text.slice(at);
}

/**
 * Stricter masking for messages: every 12–19 digit stretch that passes Luhn,
 * even inside a longer run of digits or glued to letters (`x4111…`,
 * `94111…`), has all but its first 6 and last 4 digits replaced by `*`,
 * in place. It may hide digits that were not a card; in a message that costs
 * nothing, and a card number can never come through whole.
 */
export function maskCardNumbersThoroughly(text: string): string {
  if (typeof text !== 'string') return '';
  // Digits are single UTF-16 code units, so replacing code units is safe.
  const out = text.split('');
  let changed = false;
  for (const chain of chains(text)) {
    const positions: number[] = [];
    let digits = '';
    for (const g of chain) {
      for (let k = g.start; k < g.end; k++) positions.push(k);
      digits += g.text;
    }
    if (digits.length < MIN_DIGITS) continue;
    for (let i = 0; i + MIN_DIGITS <= digits.length; i++) {
      for (let len = MIN_DIGITS; len <= MAX_DIGITS && i + len <= digits.length; len++) {
        if (!luhnValid(digits.slice(i, i + len))) continue;
        for (let k = i + 6; k < i + len - 4; k++) {
          out[positions[k]!] = '*';
          changed = true;
        }
      }
    }
  }
  return changed ? out.join('') : text;
}

/** A quick test for a chain of at least 12 digits (single gaps allowed), which every card number above needs. */
const HAS_DIGIT_CHAIN = new RegExp(`\\d(?:[${GAP_CHARS}]{0,3}\\d){11}`);

/**
 * For any free text payops writes out — results and failed-rows cells, notes,
 * errors, JSON logs, the summary: every card number {@link findCardNumbers}
 * finds becomes `411111******1111`, and then, as a backstop, a Luhn-valid
 * 12–19 digit stretch glued to letters or inside a longer run of digits is
 * masked in place ({@link maskCardNumbersThoroughly}) — an output must never
 * hold a whole card number, whatever surrounds it. Digit runs that fail Luhn
 * (an order number, a phone number) are left alone.
 */
export function maskCardNumbersForOutput(text: string): string {
  if (typeof text !== 'string') return '';
  if (text.length < MIN_DIGITS || !HAS_DIGIT_CHAIN.test(text)) return text;
  return maskCardNumbersThoroughly(maskCardNumbersIn(text));
}

/**
 * A `card_number` cell as written out: masked (first 6 + last 4) when it
 * holds 12 or more digits, Luhn or not — a mistyped card number is still
 * nearly a card number; otherwise unchanged, so an empty cell stays empty
 * and Excel's `4.11111E+15` or an already masked `411111******1111` stays
 * readable and the user sees why the row was refused.
 */
export function maskCardCell(cell: string): string {
  if (typeof cell !== 'string') return '';
  let digits = 0;
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++digits >= MIN_DIGITS) return maskCardNumber(cell);
  }
  return cell;
}
