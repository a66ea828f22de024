import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyResultCode,
  describeResultCode,
  isCredentialsRefused,
} from '../../src/gateway/result-codes.js';
import type { RowStatus } from '../../src/rows/types.js';

/**
 * The table of docs/statuses-and-exit-codes.md#classification, re-implemented here from the SPEC text (not from the
 * source), returning every group a code falls in. The SPEC's groups are
 * meant to be disjoint; the property below holds the code to that.
 */
function specGroups(code: string): RowStatus[] {
  if (!/^\d{3}\.\d{3}\.\d{3}$/.test(code)) return ['unknown']; // no readable result.code
  const groups: RowStatus[] = [];
  if (/^(000\.000\.|000\.100\.1|000\.[36]|000\.400\.[1][12]0)/.test(code)) groups.push('succeeded');
  if (/^(000\.400\.0[^3]|000\.400\.100)/.test(code)) groups.push('review');
  if (/^(000\.200)/.test(code) || /^(800\.400\.5|100\.400\.500)/.test(code)) groups.push('pending');
  if (
    /^(000\.400\.030|900\.[1234]00)/.test(code) ||
    ['800.600.100', '800.700.100', '800.110.100', '999.999.999'].includes(code)
  ) {
    groups.push('unknown');
  }
  return groups.length ? groups : ['rejected'];
}

const cases: Array<[string, RowStatus, string]> = [
  // succeeded
  ['000.000.000', 'succeeded', 'transaction succeeded'],
  ['000.000.100', 'succeeded', 'successful request'],
  ['000.100.110', 'succeeded', 'integrator test mode'],
  ['000.100.112', 'succeeded', 'connector test mode'],
  ['000.300.000', 'succeeded', 'two-step transaction succeeded'],
  ['000.600.000', 'succeeded', 'succeeded due to external update'],
  ['000.400.110', 'succeeded', 'authentication successful (frictionless)'],
  ['000.400.120', 'succeeded', 'authentication successful (data only)'],
  // review
  ['000.400.000', 'review', 'fraud suspicion'],
  ['000.400.010', 'review', 'AVS return code'],
  ['000.400.020', 'review', 'CVV return code'],
  ['000.400.040', 'review', 'amount mismatch'],
  ['000.400.090', 'review', 'external risk check'],
  ['000.400.100', 'review', 'risk after payment rejected'],
  // pending
  ['000.200.000', 'pending', 'transaction pending'],
  ['000.200.100', 'pending', 'checkout created'],
  ['800.400.500', 'pending', 'waiting for non-instant payment'],
  ['800.400.501', 'pending', '800.400.5 is a prefix'],
  ['100.400.500', 'pending', 'waiting for external risk'],
  // unknown: may have executed
  ['000.400.030', 'unknown', 'partially failed, reverse manually'],
  ['900.100.100', 'unknown', 'communication error with connector'],
  ['900.100.300', 'unknown', 'timeout, uncertain result'],
  ['900.200.100', 'unknown', 'contract/protocol mismatch'],
  ['900.300.600', 'unknown', '900.300 matches 900.[1234]00'],
  ['900.400.100', 'unknown', 'unexpected exception'],
  ['800.600.100', 'unknown', 'already being processed'],
  ['800.700.100', 'unknown', 'same session being processed'],
  ['800.110.100', 'unknown', 'duplicate transaction'],
  ['999.999.999', 'unknown', 'undefined connector error'],
  // rejected: any other code
  ['700.400.200', 'rejected', 'cannot refund'],
  ['700.400.580', 'rejected', 'cannot find transaction'],
  ['700.400.400', 'rejected', 'cannot chargeback'],
  ['700.400.402', 'rejected', 'chargeback only internally'],
  ['700.400.510', 'rejected', 'capture needs a successful PA'],
  ['700.400.520', 'rejected', 'refund needs a successful CP, DB, RB or RC'],
  ['700.400.530', 'rejected', 'reversal needs a successful CP, DB, RB or PA'],
  ['700.400.560', 'rejected', 'receipt needs a successful PA, CP, DB or RB'],
  ['700.400.700', 'rejected', "another entity's payment"],
  ['700.100.600', 'rejected', 'mode mismatch'],
  ['700.300.400', 'rejected', 'capture cut off'],
  ['700.300.600', 'rejected', 'chargebacked'],
  ['700.300.700', 'rejected', 'reversal no longer possible'],
  ['700.100.100', 'rejected', 'reference id not existing'],
  ['800.100.151', 'rejected', 'declined (invalid card)'],
  ['100.100.101', 'rejected', 'invalid creditcard'],
  ['200.300.404', 'rejected', 'invalid or missing parameter'],
  ['800.900.300', 'rejected', 'invalid authentication information'],
  ['800.120.100', 'rejected', 'rejected by throttling'],
  ['000.400.031', 'rejected', 'not review (000.400.0[^3]), not 000.400.030, not succeeded'],
  ['000.400.130', 'rejected', 'not 000.400.[1][12]0 nor 000.400.100'],
  ['000.100.200', 'rejected', '000.100.1 only'],
  ['900.500.100', 'rejected', '900.[1234]00 only'],
  ['900.110.100', 'rejected', '900.1 then 10, not 900.100'],
  ['800.600.101', 'rejected', 'the unknown 800.x codes are exact'],
  ['800.400.400', 'rejected', 'pending is 800.400.5 only'],
  ['100.400.501', 'rejected', 'pending 100.400.500 is exact'],
];

describe('classifyResultCode: SPEC §1 groups', () => {
  it.each(cases)('%s → %s (%s)', (code, status) => {
    expect(classifyResultCode(code)).toBe(status);
    expect(specGroups(code)).toEqual([status]); // the table above is itself the SPEC's
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['empty', ''],
    ['garbage', 'OK'],
    ['two groups', '000.000'],
    ['four groups', '000.000.000.000'],
    ['leading space', ' 000.000.000'],
    ['trailing space', '000.000.000 '],
    ['trailing newline', '000.000.000\n'],
    ['commas', '000,000,000'],
    ['letters', '000.000.00a'],
    ['full-width digits', '０００.０００.０００'],
  ])('a missing or malformed code (%s) is unknown: it may have executed', (_name, code) => {
    expect(classifyResultCode(code as string | undefined | null)).toBe('unknown');
  });
});

/** Codes biased towards the interesting prefixes, so every group is drawn often. */
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: n, maxLength: n });
const wellFormedCode = fc.oneof(
  fc.tuple(digits(3), digits(3), digits(3)).map(([a, b, c]) => `${a}.${b}.${c}`),
  fc
    .tuple(
      fc.constantFrom('000.000.', '000.100.1', '000.3', '000.6', '000.400.0', '000.400.1', '000.200', '800.400.5', '100.400.5', '900.1', '900.3', '900.5', '800.600.1', '800.110.1', '999.999.99', '000.400.03'),
      digits(11),
    )
    .map(([prefix, rest]) => {
      const chars = (prefix + rest.slice(prefix.length)).split('');
      // Put the dots back where a code has them.
      chars[3] = '.';
      chars[7] = '.';
      return chars.join('').replace(/[^0-9.]/g, '0');
    }),
);

describe('classifyResultCode: properties', () => {
  it('every ddd.ddd.ddd falls in exactly one SPEC group, and the code says which', () => {
    fc.assert(
      fc.property(wellFormedCode, (code) => {
        expect(code).toMatch(/^\d{3}\.\d{3}\.\d{3}$/);
        const groups = specGroups(code);
        expect(groups).toHaveLength(1);
        expect(classifyResultCode(code)).toBe(groups[0]);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws, whatever it is given, and always answers one of the five statuses', () => {
    const statuses = new Set(['succeeded', 'review', 'pending', 'unknown', 'rejected']);
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), wellFormedCode), (value) => {
        const s = classifyResultCode(value as string);
        expect(statuses.has(s)).toBe(true);
        if (typeof value !== 'string' || !/^\d{3}\.\d{3}\.\d{3}$/.test(value)) expect(s).toBe('unknown');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isCredentialsRefused: 800.900.3xx', () => {
  it.each([
    ['800.900.300', true],
    ['800.900.301', true],
    ['800.900.399', true],
    ['800.900.200', false],
    ['800.900.30', false],
    ['800.900.3000', false],
    ['000.000.000', false],
    [undefined, false],
  ])('%s → %s', (code, refused) => {
    expect(isCredentialsRefused(code)).toBe(refused);
  });
});

describe('describeResultCode', () => {
  it("gives the gateway's own text for a listed code and a generic one otherwise", () => {
    expect(describeResultCode('000.100.110')).toBe("Request successfully processed in 'Merchant in Integrator Test Mode'");
    expect(describeResultCode('700.400.580')).toBe('cannot find transaction');
    expect(describeResultCode('123.456.789')).toBe('result 123.456.789');
  });

  it('describes 700.400.400 and 700.400.402 as the chargeback codes they are, not rebill or receipt refusals (issue 14)', () => {
    expect(describeResultCode('700.400.400')).toBe('cannot chargeback (already chargebacked or invalid workflow?)');
    expect(describeResultCode('700.400.402')).toBe('chargeback can only be generated internally by the payment system');
  });

  it("has the gateway's texts for the references that cannot be used", () => {
    expect(describeResultCode('700.400.510')).toBe('capture needs at least one successful transaction of type (PA)');
    expect(describeResultCode('700.400.520')).toBe('refund needs at least one successful transaction of type (CP or DB or RB or RC)');
    expect(describeResultCode('700.400.530')).toBe('reversal needs at least one successful transaction of type (CP or DB or RB or PA)');
    expect(describeResultCode('700.400.700')).toBe('initial and referencing channel-ids do not match');
    expect(describeResultCode('700.300.700')).toBe('referenced tx can not be reversed (reversal not possible anymore)');
  });
});
