/**
 * The bundled ISO 4217 table of active currencies (Table A.1 "List One",
 * currencies only) with their minor units.
 * Kept by hand: the npm packages that carry it lag the amendments (ZWG, XCG)
 * or bundle names and countries payops does not need; the table is a page.
 *
 * Reflects ISO 4217 as amended up to and including Amendment 180, as in
 * force on 2026-11-24:
 *  - ZWG (Zimbabwe Gold) added by Amendment 177 (2024); ZWL withdrawn 2024;
 *  - XCG (Caribbean guilder) replaced ANG in Curaçao and Sint Maarten
 *    (circulating from 2025-03-31; ANG withdrawn 2026-03-31);
 *  - BGN withdrawn: Bulgaria adopted the euro on 2026-01-01 (Amendment 180);
 *  - HRK withdrawn 2023-01-01 (Croatia adopted the euro);
 *  - SLE is the leone since the 2022 redenomination (SLL withdrawn);
 *  - CUC withdrawn; VED (2021) and VES both listed for Venezuela;
 *  - XAD (Arab Accounting Dinar, Amendment 179) is a funds code: not listed.
 * Funds codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW, XAD), the test
 * code XTS, XXX (no currency), precious metals (XAU, XAG, XPD, XPT),
 * bond-market units (XBA–XBD), XDR, XSU and XUA are deliberately absent: a
 * payment cannot be made in them.
 *
 * When ISO publishes an amendment, update the table, the comment above and
 * ISO4217_AS_OF together.
 */
import { fail, ok, type Parsed } from './parsed.js';
import { showValue } from './show-value.js';

/** The date the table below was last checked against ISO 4217 (YYYY-MM-DD). */
export const ISO4217_AS_OF = '2026-11-24';
/** The last ISO 4217 amendment the table includes. */
export const ISO4217_AMENDMENT = 180;

/** Active currency code → minor units (number of decimals). */
const ACTIVE: Readonly<Record<string, number>> = Object.freeze({
  AED: 2, AFN: 2, ALL: 2, AMD: 2, AOA: 2, ARS: 2, AUD: 2, AWG: 2, AZN: 2,
  BAM: 2, BBD: 2, BDT: 2, BHD: 3, BIF: 0, BMD: 2, BND: 2, BOB: 2, BRL: 2, BSD: 2, BTN: 2, BWP: 2, BYN: 2, BZD: 2,
  CAD: 2, CDF: 2, CHF: 2, CLP: 0, CNY: 2, COP: 2, CRC: 2, CUP: 2, CVE: 2, CZK: 2,
  DJF: 0, DKK: 2, DOP: 2, DZD: 2,
  EGP: 2, ERN: 2, ETB: 2, EUR: 2,
  FJD: 2, FKP: 2,
  GBP: 2, GEL: 2, GHS: 2, GIP: 2, GMD: 2, GNF: 0, GTQ: 2, GYD: 2,
  HKD: 2, HNL: 2, HTG: 2, HUF: 2,
  IDR: 2, ILS: 2, INR: 2, IQD: 3, IRR: 2, ISK: 0,
  JMD: 2, JOD: 3, JPY: 0,
  KES: 2, KGS: 2, KHR: 2, KMF: 0, KPW: 2, KRW: 0, KWD: 3, KYD: 2, KZT: 2,
  LAK: 2, LBP: 2, LKR: 2, LRD: 2, LSL: 2, LYD: 3,
  MAD: 2, MDL: 2, MGA: 2, MKD: 2, MMK: 2, MNT: 2, MOP: 2, MRU: 2, MUR: 2, MVR: 2, MWK: 2, MXN: 2, MYR: 2, MZN: 2,
  NAD: 2, NGN: 2, NIO: 2, NOK: 2, NPR: 2, NZD: 2,
  OMR: 3,
  PAB: 2, PEN: 2, PGK: 2, PHP: 2, PKR: 2, PLN: 2, PYG: 0,
  QAR: 2,
  RON: 2, RSD: 2, RUB: 2, RWF: 0,
  SAR: 2, SBD: 2, SCR: 2, SDG: 2, SEK: 2, SGD: 2, SHP: 2, SLE: 2, SOS: 2, SRD: 2, SSP: 2, STN: 2, SVC: 2, SYP: 2, SZL: 2,
  THB: 2, TJS: 2, TMT: 2, TND: 3, TOP: 2, TRY: 2, TTD: 2, TWD: 2, TZS: 2,
  UAH: 2, UGX: 0, USD: 2, UYU: 2, UZS: 2,
  VED: 2, VES: 2, VND: 0, VUV: 0,
  WST: 2,
  XAF: 0, XCD: 2, XCG: 2, XOF: 0, XPF: 0,
  YER: 2,
  ZAR: 2, ZMW: 2, ZWG: 2,
});

/** Codes that look like currencies but are not valid for a payment, with the reason. */
const NOT_A_CURRENCY: Readonly<Record<string, string>> = Object.freeze({
  BOV: 'a funds code (Bolivian Mvdol), not a currency',
  CHE: 'a funds code (WIR euro), not a currency',
  CHW: 'a funds code (WIR franc), not a currency',
  CLF: 'a funds code (Chilean Unidad de Fomento), not a currency',
  COU: 'a funds code (Colombian Unidad de Valor Real), not a currency',
  MXV: 'a funds code (Mexican Unidad de Inversion), not a currency',
  USN: 'a funds code (US dollar next day), not a currency',
  UYI: 'a funds code (Uruguay peso en unidades indexadas), not a currency',
  UYW: 'a funds code (Uruguayan unidad previsional), not a currency',
  XAD: 'a funds code (Arab Accounting Dinar), not a currency',
  XTS: 'the ISO 4217 code reserved for testing, not a currency',
  XXX: 'the ISO 4217 code for "no currency"',
  XAU: 'a precious metal (gold), not a currency',
  XAG: 'a precious metal (silver), not a currency',
  XPD: 'a precious metal (palladium), not a currency',
  XPT: 'a precious metal (platinum), not a currency',
  XBA: 'a bond-market unit, not a currency',
  XBB: 'a bond-market unit, not a currency',
  XBC: 'a bond-market unit, not a currency',
  XBD: 'a bond-market unit, not a currency',
  XDR: 'the IMF special drawing right, not a currency',
  XSU: 'the SUCRE unit of account, not a currency',
  XUA: 'the ADB unit of account, not a currency',
});

/** Withdrawn codes users still meet, with what replaced them. */
const WITHDRAWN: Readonly<Record<string, { replacedBy: string; note: string }>> = Object.freeze({
  ANG: { replacedBy: 'XCG', note: 'withdrawn on 2026-03-31 (Curaçao and Sint Maarten now use the Caribbean guilder)' },
  BGN: { replacedBy: 'EUR', note: 'withdrawn (Bulgaria adopted the euro on 2026-01-01)' },
  HRK: { replacedBy: 'EUR', note: 'withdrawn (Croatia adopted the euro on 2023-01-01)' },
  ZWL: { replacedBy: 'ZWG', note: 'withdrawn in 2024 (replaced by Zimbabwe Gold)' },
  SLL: { replacedBy: 'SLE', note: 'withdrawn after the 2022 redenomination of the leone (1 SLE = 1000 SLL)' },
  CUC: { replacedBy: 'CUP', note: 'withdrawn (Cuba unified its currency)' },
  VEF: { replacedBy: 'VES', note: 'withdrawn in 2018' },
  MRO: { replacedBy: 'MRU', note: 'withdrawn in 2018' },
  STD: { replacedBy: 'STN', note: 'withdrawn in 2018' },
  BYR: { replacedBy: 'BYN', note: 'withdrawn in 2016' },
  LTL: { replacedBy: 'EUR', note: 'withdrawn (Lithuania adopted the euro in 2015)' },
  LVL: { replacedBy: 'EUR', note: 'withdrawn (Latvia adopted the euro in 2014)' },
  EEK: { replacedBy: 'EUR', note: 'withdrawn (Estonia adopted the euro in 2011)' },
  USS: { replacedBy: 'USD', note: 'withdrawn (it was a funds code, US dollar same day)' },
});

/** Currency symbols people type instead of the code, and the code they mean when it is unambiguous. */
const SYMBOLS: Readonly<Record<string, string>> = Object.freeze({ '€': 'EUR', '£': 'GBP', '₹': 'INR', '₺': 'TRY', '₽': 'RUB' });

/** Every active code, sorted. */
export const ACTIVE_CURRENCY_CODES: readonly string[] = Object.freeze(Object.keys(ACTIVE).sort());

function has(table: Readonly<Record<string, unknown>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** True when `code` (either case) is an active ISO 4217 currency in the bundled table. */
export function isActiveCurrency(code: string): boolean {
  return typeof code === 'string' && /^[A-Za-z]{3}$/.test(code) && has(ACTIVE, code.toUpperCase());
}

/** The ISO 4217 minor units of an active currency (either case), or undefined when it is not one. */
export function minorUnits(code: string): number | undefined {
  if (!isActiveCurrency(code)) return undefined;
  return ACTIVE[code.toUpperCase()];
}

const ALLOWED = 'must be an active ISO 4217 currency code such as EUR, USD, GBP, CHF';

/**
 * Read a `currency` cell (already cleaned): an active code, either case → upper-case.
 * The message names the value, why it is not valid and what is allowed.
 */
export function parseCurrency(raw: string): Parsed<string> {
  const value = typeof raw === 'string' ? raw.trim() : '';
  if (value === '') return fail(`currency is empty: ${ALLOWED}`);
  // Only messages need the value shown (masked, quoted): build it only for them.
  const shown = { toString: () => showValue(value) };
  if (!/^[A-Za-z]{3}$/.test(value)) {
    const meant = has(SYMBOLS, value) ? SYMBOLS[value] : undefined;
    if (meant) return fail(`currency ${shown} is a symbol: write the code ${meant}`);
    return fail(`currency ${shown}: ${ALLOWED} (three letters)`);
  }
  const code = value.toUpperCase();
  if (has(ACTIVE, code)) return ok(code);
  const withdrawn = has(WITHDRAWN, code) ? WITHDRAWN[code] : undefined;
  if (withdrawn) return fail(`currency ${shown} is ${withdrawn.note}: use ${withdrawn.replacedBy}`);
  const reason = has(NOT_A_CURRENCY, code) ? NOT_A_CURRENCY[code] : undefined;
  if (reason) return fail(`currency ${shown} is ${reason}: ${ALLOWED}`);
  return fail(`currency ${shown} is not an active ISO 4217 currency (table as of ${ISO4217_AS_OF}): ${ALLOWED}`);
}
