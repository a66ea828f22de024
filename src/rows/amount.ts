/**
 * Reading an `amount` cell (docs/input.md#amounts).
 *
 * Digits with an optional decimal part; no sign, currency symbol or
 * parentheses. The decimal separator is `.`, or `,` with `--decimal-comma`.
 * Thousands groups of exactly 3 digits may be separated by the other one of
 * `,`/`.`, a no-break space (U+00A0, U+202F), a thin space (U+2009) or `'`,
 * one kind per value. Without `--decimal-comma`, a comma followed by 1 or 2
 * final digits (`12,50`) is ambiguous. At most min(minor units, 2)
 * significant decimals; nothing is rounded. The value is returned with
 * exactly two decimals, as the gateway takes it.
 */
import { minorUnits } from './currencies.js';
import { trimCell } from './cells.js';
import { maskCardNumbersThoroughly } from './card-mask.js';
import { describeChar, showValue } from './show-value.js';

export interface AmountOptions {
  /** `--decimal-comma`: `,` is the decimal separator and `.` may separate thousands. */
  decimalComma: boolean;
}

export type AmountResult = { ok: true; value: string } | { ok: false; message: string };

/** Most digits before the decimal separator (leading zeros not counted). */
export const MAX_INTEGER_DIGITS = 12;

const SPACE_SEPARATORS = ['\u00A0', '\u202F', '\u2009'];

/** The thousands separators allowed with the given decimal separator. */
export function thousandsSeparators(decimalComma: boolean): string[] {
  return [decimalComma ? '.' : ',', ...SPACE_SEPARATORS, "'"];
}

function separatorsText(decimalComma: boolean): string {
  const other = decimalComma ? '"."' : '","';
  return `${other}, a no-break or thin space, or "'"`;
}

/**
 * The amount rewritten with `to` as the decimal separator, when the part
 * before the last `from` is a plain or correctly grouped integer; else undefined.
 */
function suggest(s: string, from: string, to: string): string | undefined {
  const cut = s.lastIndexOf(from);
  const head = s.slice(0, cut);
  const kinds = [...new Set(head.replace(/\d/g, ''))];
  if (head === '' || kinds.length > 1) return undefined;
  if (kinds.length === 1) {
    const groups = head.split(kinds[0]!);
    if (!/^\d{1,3}$/.test(groups[0]!) || !groups.slice(1).every((g) => /^\d{3}$/.test(g))) return undefined;
  }
  return maskCardNumbersThoroughly(head.replace(/\D/g, '') + to + s.slice(cut + 1));
}

function bad(message: string): AmountResult {
  return { ok: false, message };
}

/**
 * Parse an amount cell. `currency` (either case; undefined or not active =
 * unknown) decides how many decimals are allowed: min(its minor units, 2),
 * 2 when unknown. Never throws.
 */
export function parseAmount(raw: string, currency: string | undefined, opts: AmountOptions): AmountResult {
  try {
    const s = typeof raw === 'string' ? trimCell(raw) : '';
    const decimalComma = Boolean(opts?.decimalComma);
    const value = plainAmount(s, currency, decimalComma);
    return value !== undefined ? { ok: true, value } : parse(s, currency, decimalComma);
  } catch {
    return bad(`amount ${showValue(String(raw))} could not be read: write digits with an optional decimal part, e.g. 12.50`);
  }
}

const PLAIN_DOT = /^(\d{1,12})(?:\.(\d{1,2}))?$/;
const PLAIN_COMMA = /^(\d{1,12})(?:,(\d{1,2}))?$/;

/**
 * The common case, taken without the full grammar: up to 12 digits and up to
 * 2 decimals, no thousands separator, more than zero and within the
 * currency's decimals. Undefined for anything else, which `parse` then reads
 * (and explains); where both apply they give the same value (a test checks).
 */
function plainAmount(s: string, currency: string | undefined, decimalComma: boolean): string | undefined {
  const m = (decimalComma ? PLAIN_COMMA : PLAIN_DOT).exec(s);
  if (!m) return undefined;
  const digits = m[1]!;
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  const int = i ? digits.slice(i) : digits;
  let frac = m[2] ?? '';
  if (frac.endsWith('0')) frac = frac === '00' || frac === '0' ? '' : frac.slice(0, -1);
  if (int === '0' && frac === '') return undefined; // zero: `parse` says why
  if (frac !== '' && currency !== undefined) {
    const units = minorUnits(currency);
    if (frac.length > Math.min(units ?? 2, 2)) return undefined;
  }
  return `${int}.${frac.padEnd(2, '0')}`;
}

/** The full grammar of docs/input.md#amounts, with a message for every way an amount can be wrong. Exported for tests. */
export function parseAmountInFull(raw: string, currency: string | undefined, opts: AmountOptions): AmountResult {
  return parse(trimCell(raw), currency, Boolean(opts.decimalComma));
}

function parse(s: string, currency: string | undefined, decimalComma: boolean): AmountResult {
  const dec = decimalComma ? ',' : '.';
  const example = decimalComma ? '1234,50' : '1234.50';
  const shape = `write digits with an optional decimal part, e.g. ${example}`;
  if (s === '') return bad(`amount is empty: ${shape}`);
  // Only messages need the value shown (masked, quoted): build it only for them.
  const shown = { toString: () => showValue(s) };

  if (/[()]/.test(s)) {
    return bad(`amount ${shown} has parentheses: ${shape}, without parentheses or sign (the operation says which way the money goes)`);
  }
  if (/^\d+(?:[.,]\d+)?[eE][+-]?\d+$/.test(s)) {
    return bad(
      `amount ${shown} is in scientific notation (as Excel shows large numbers): ${shape}, with every digit written out`,
    );
  }
  const sign = /[+\-\u2212\u2010-\u2015]/.exec(s);
  if (sign) {
    return bad(
      `amount ${shown} has a sign (${JSON.stringify(sign[0])}): amounts are written without a sign, as digits with an optional decimal part, e.g. ${example}; the operation says which way the money goes`,
    );
  }
  const symbol = /\p{Sc}/u.exec(s);
  if (symbol) {
    return bad(`amount ${shown} contains the currency symbol ${JSON.stringify(symbol[0])}: ${shape}, and put the currency code in the currency column`);
  }
  const letters = /\p{L}+/u.exec(s);
  if (letters) {
    const word = letters[0];
    if (/^[A-Za-z]{3}$/.test(word)) {
      return bad(`amount ${shown} contains ${JSON.stringify(word)}: ${shape}, and put the currency code in the currency column`);
    }
    return bad(`amount ${shown} contains letters (${JSON.stringify(word)}): ${shape}`);
  }
  const seps = thousandsSeparators(decimalComma);
  for (const c of s) {
    if ((c >= '0' && c <= '9') || c === dec || seps.includes(c)) continue;
    return bad(
      `amount ${shown} contains ${describeChar(c)}: ${shape}; thousands may be separated by ${separatorsText(decimalComma)}`,
    );
  }

  // Decimal separator ambiguity (SPEC: `12,50` without --decimal-comma).
  if (!decimalComma && /,\d{1,2}$/.test(s)) {
    const use = suggest(s, ',', '.') ?? `"." as the decimal separator (12.50)`;
    return bad(`amount ${shown} is ambiguous: use ${use}, or run with --decimal-comma if commas are decimal separators`);
  }
  if (decimalComma && /\.\d{1,2}$/.test(s)) {
    const use = suggest(s, '.', ',') ?? `"," as the decimal separator (12,50)`;
    return bad(
      `amount ${shown} uses "." as the decimal separator, but with --decimal-comma the decimal separator is "," and "." only separates thousands: use ${use}, or run without --decimal-comma`,
    );
  }

  const parts = s.split(dec);
  if (parts.length > 2) {
    const allGroups = parts.slice(1).every((p) => /^\d{3}$/.test(p));
    const hint = allGroups
      ? decimalComma
        ? '; if "," separates thousands here, run without --decimal-comma'
        : '; if "." separates thousands here, run with --decimal-comma'
      : '';
    return bad(`amount ${shown} has more than one decimal separator ${JSON.stringify(dec)}: ${shape}${hint}`);
  }
  const intRaw = parts[0] ?? '';
  const fracRaw = parts[1];

  if (fracRaw !== undefined) {
    if (fracRaw === '') return bad(`amount ${shown} ends with the decimal separator: ${shape}`);
    const stray = /\D/.exec(fracRaw);
    if (stray) {
      return bad(
        `amount ${shown} has ${describeChar(stray[0])} after the decimal separator ${JSON.stringify(dec)}: ` +
          `thousands separators go before it; ${shape}`,
      );
    }
  }
  if (intRaw === '') {
    return bad(`amount ${shown} has no digit before the decimal separator: write ${maskCardNumbersThoroughly(`0${dec}${fracRaw ?? ''}`)}`);
  }

  // Thousands groups: one separator kind; first group 1–3 digits, then groups of exactly 3.
  const kinds = [...new Set(intRaw.replace(/\d/g, ''))];
  let intDigits = intRaw;
  if (kinds.length > 1) {
    return bad(
      `amount ${shown} mixes thousands separators (${kinds.map(describeChar).join(' and ')}): use one kind, or none, e.g. ${example}`,
    );
  }
  if (kinds.length === 1) {
    const sep = kinds[0]!;
    const groups = intRaw.split(sep);
    const okGroups = /^\d{1,3}$/.test(groups[0] ?? '') && groups.slice(1).every((g) => /^\d{3}$/.test(g));
    if (!okGroups) {
      return bad(
        `amount ${shown}: digits separated by ${describeChar(sep)} must form thousands groups of exactly 3 digits (1${sep}234${sep}567); ${shape}`,
      );
    }
    intDigits = groups.join('');
  }

  const intSig = intDigits.replace(/^0+/, '');
  if (intSig.length > MAX_INTEGER_DIGITS) {
    return bad(
      `amount ${shown} has ${intSig.length} digits before the decimal separator: at most ${MAX_INTEGER_DIGITS} are allowed`,
    );
  }

  const frac = fracRaw ?? '';
  const fracSig = frac.replace(/0+$/, '');
  const units = currency === undefined ? undefined : minorUnits(currency);
  const maxDecimals = Math.min(units ?? 2, 2);
  if (fracSig.length > maxDecimals) {
    const code = units === undefined ? undefined : currency!.toUpperCase();
    const groupHint =
      !decimalComma && frac.length === 3 && kinds.length === 0 && intSig.length <= 3
        ? '; if "." separates thousands here, run with --decimal-comma'
        : '';
    if (maxDecimals === 0) {
      return bad(
        `amount ${shown} has decimals, but ${code} has no minor unit: write a whole number (nothing is rounded)${groupHint}`,
      );
    }
    const why =
      code === undefined
        ? `at most ${maxDecimals} are allowed`
        : units! > 2
          ? `at most ${maxDecimals} are allowed (${code} has ${units} minor units, but the gateway takes 2 decimals)`
          : `at most ${maxDecimals} are allowed for ${code}`;
    return bad(`amount ${shown} has ${fracSig.length} decimal places: ${why}; nothing is rounded${groupHint}`);
  }

  if (intSig === '' && fracSig === '') return bad(`amount ${shown} is zero: the amount must be more than 0`);

  return { ok: true, value: `${intSig === '' ? '0' : intSig}.${fracSig.padEnd(2, '0')}` };
}
