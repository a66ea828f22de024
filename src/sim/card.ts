/** Card checks for credits and payments with card data. The full number is never kept. */

export function luhnValid(digits: string): boolean {
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

/** Number prefixes of the brands the simulator knows; other brands accept any number. */
const BRAND_PREFIX: Record<string, RegExp> = {
  VISA: /^4/,
  VISAELECTRON: /^4/,
  VPAY: /^4/,
  MASTER: /^(5[1-5]|2[2-7])/,
  MAESTRO: /^(5[06-9]|6)/,
  AMEX: /^3[47]/,
  DINERS: /^3(0[0-5]|[689])/,
  DISCOVER: /^6(011|5)/,
  JCB: /^35/,
};

export function brandMatches(brand: string, digits: string): boolean {
  const re = BRAND_PREFIX[brand];
  return re === undefined || re.test(digits);
}

/** The expiry is not past when its month is this month or later (UTC). */
export function expiryNotPast(month: string, year: string, now: Date = new Date()): boolean {
  const y = Number(year);
  const m = Number(month);
  const cy = now.getUTCFullYear();
  return y > cy || (y === cy && m >= now.getUTCMonth() + 1);
}

/** 411111******1111: what may be shown of a card number. */
export function maskCardNumber(digits: string): string {
  if (digits.length < 12) return '*'.repeat(digits.length);
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}
