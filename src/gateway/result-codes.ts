/**
 * The gateway's result codes: the one place that knows what a `result.code`
 * means. The batch classifies every response here, and the simulator takes
 * its descriptions from here, so the two can never disagree.
 *
 * Groups follow the gateway's published regular expressions
 * (https://docs.oppwa.com/reference/resultCodes), narrowed as docs/statuses-and-exit-codes.md#classification says.
 */

import type { RowStatus } from '../rows/types.js';

const SUCCEEDED = /^(000\.000\.|000\.100\.1|000\.[36]|000\.400\.[1][12]0)/;
const REVIEW = /^(000\.400\.0[^3]|000\.400\.100)/;
const PENDING = /^(000\.200)/;
const PENDING_LONG = /^(800\.400\.5|100\.400\.500)/;
const UNKNOWN = /^(000\.400\.030|900\.[1234]00)/;
const UNKNOWN_EXACT = new Set(['800.600.100', '800.700.100', '800.110.100', '999.999.999']);

/** A code is well-formed when it looks like `ddd.ddd.ddd`. */
export const RESULT_CODE_SHAPE = /^\d{3}\.\d{3}\.\d{3}$/;

/**
 * Classify a `result.code`. Anything that is not a well-formed code is
 * `unknown`: the request may have executed and we cannot tell.
 */
export function classifyResultCode(code: string | undefined | null): RowStatus {
  if (typeof code !== 'string' || !RESULT_CODE_SHAPE.test(code)) return 'unknown';
  // 000.400.030 matches REVIEW's `000.400.0[^3]`? No: [^3] excludes it. It is
  // "partially failed, reverse manually" and sits in the unknown group.
  if (UNKNOWN.test(code) || UNKNOWN_EXACT.has(code)) return 'unknown';
  if (SUCCEEDED.test(code)) return 'succeeded';
  if (REVIEW.test(code)) return 'review';
  if (PENDING.test(code) || PENDING_LONG.test(code)) return 'pending';
  return 'rejected';
}

/** Codes whose row needs a person to act, whatever the status says. */
export const MANUAL_ACTION_CODE = '000.400.030';

/** The gateway's throttling code (also sent with HTTP 429). */
export const THROTTLED_CODE = '800.120.100';

/** A lookup found nothing for the merchant transaction id. */
export const NOT_FOUND_CODE = '700.400.580';

/** The query API's own top-level success; never a row's outcome. */
export const QUERY_OK_CODE = '000.000.100';

/** Credentials refused: `800.900.3xx`. */
export function isCredentialsRefused(code: string | undefined): boolean {
  return typeof code === 'string' && /^800\.900\.3\d\d$/.test(code);
}

/** Well-known codes with the gateway's own description text. */
export const RESULT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  // successful
  '000.000.000': 'Transaction succeeded',
  '000.000.100': 'successful request',
  '000.100.110': "Request successfully processed in 'Merchant in Integrator Test Mode'",
  '000.100.111': "Request successfully processed in 'Merchant in Validator Test Mode'",
  '000.100.112': "Request successfully processed in 'Merchant in Connector Test Mode'",
  '000.300.000': 'Two-step transaction succeeded',
  '000.600.000': 'transaction succeeded due to external update',
  '000.400.110': 'Authentication successful (frictionless flow)',
  '000.400.120': 'Authentication successful (data only flow)',
  // review
  '000.400.000': 'Transaction succeeded (please review manually due to fraud suspicion)',
  '000.400.010': 'Transaction succeeded (please review manually due to AVS return code)',
  '000.400.020': 'Transaction succeeded (please review manually due to CVV return code)',
  '000.400.040': 'Transaction succeeded (please review manually due to amount mismatch)',
  '000.400.050': 'Transaction succeeded (please review manually because transaction is pending)',
  '000.400.060': "Transaction succeeded (approved at merchant's risk)",
  '000.400.070': 'Transaction succeeded (waiting for external risk review)',
  '000.400.080': 'Transaction succeeded (please review manually because the service was unavailable)',
  '000.400.090': 'Transaction succeeded (please review manually due to external risk check)',
  '000.400.100': 'Transaction succeeded, risk after payment rejected',
  // pending
  '000.200.000': 'transaction pending',
  '000.200.100': 'successfully created checkout',
  '800.400.500': 'Waiting for non-instant payment. Denied for now.',
  '100.400.500': 'waiting for external risk',
  // unknown: may have executed
  '000.400.030': 'Transaction partially failed (please reverse manually due to failed automatic reversal)',
  '900.100.100': 'unexpected communication error with connector/acquirer',
  '900.100.200': 'error response from connector/acquirer',
  '900.100.300': 'timeout, uncertain result',
  '900.100.400': 'timeout at connectors/acquirer side',
  '900.200.100': 'Payment contract/protocol mismatch, please contact support',
  '900.300.600': 'user session timeout',
  '900.400.100': 'unexpected exception',
  '800.600.100': 'transaction is being already processed',
  '800.700.100': 'transaction for the same session is currently being processed, please try again later',
  '800.110.100': 'duplicate transaction',
  '999.999.999': 'UNDEFINED CONNECTOR ERROR',
  // rejected: workflow
  '700.100.100': 'reference id not existing',
  '700.100.200': 'non matching reference amount',
  '700.100.300': 'invalid amount (probably too large)',
  '700.100.400': 'referenced payment method does not match with requested payment method',
  '700.100.500': 'referenced payment currency does not match with requested payment currency',
  '700.100.600': 'referenced mode does not match with requested payment mode',
  '700.100.700': 'referenced transaction is of inappropriate type',
  '700.300.100': 'referenced tx can not be refunded, captured or reversed (invalid type)',
  '700.400.000': 'serious workflow error (call support)',
  '700.400.100': 'cannot capture (PA value exceeded, PA reverted or invalid workflow?)',
  '700.400.101': 'cannot capture (Not supported by authorization system)',
  '700.400.200': 'cannot refund (refund volume exceeded or tx reversed or invalid workflow?)',
  '700.400.300': 'cannot reverse (already refunded|reversed, invalid workflow or amount exceeded)',
  '700.300.200': 'referenced tx was rejected',
  '700.300.300': 'referenced tx can not be refunded, captured or reversed (already refunded, captured or reversed)',
  '700.300.400': 'referenced tx can not be captured (cut off time reached)',
  '700.300.500': 'chargeback error (multiple chargebacks)',
  '700.300.600': 'referenced tx can not be refunded or reversed (was chargebacked)',
  '700.300.700': 'referenced tx can not be reversed (reversal not possible anymore)',
  '700.300.800': 'referenced tx can not be voided',
  // 700.400.400 and 700.400.402 are chargeback codes (the gateway's result-code list), not rebill or receipt refusals.
  '700.400.400': 'cannot chargeback (already chargebacked or invalid workflow?)',
  '700.400.402': 'chargeback can only be generated internally by the payment system',
  '700.400.410': 'cannot reversal chargeback (chargeback is already reversaled or invalid workflow?)',
  '700.400.420': 'cannot reversal chargeback (no chargeback existing or invalid workflow?)',
  '700.400.510': 'capture needs at least one successful transaction of type (PA)',
  '700.400.520': 'refund needs at least one successful transaction of type (CP or DB or RB or RC)',
  '700.400.530': 'reversal needs at least one successful transaction of type (CP or DB or RB or PA)',
  '700.400.540': 'reconceile needs at least one successful transaction of type (CP or DB or RB)',
  '700.400.550': 'chargeback needs at least one successful transaction of type (CP or DB or RB)',
  '700.400.560': 'receipt needs at least one successful transaction of type (PA or CP or DB or RB)',
  '700.400.561': 'receipt on a registration needs a successfull registration in state OPEN',
  '700.400.562': 'receipts are configured to be generated only internally by the payment system',
  '700.400.570': 'cannot reference a waiting/pending transaction',
  '700.400.580': 'cannot find transaction',
  '700.400.700': 'initial and referencing channel-ids do not match',
  // rejected: validation and others
  '200.300.404': 'invalid or missing parameter',
  '100.550.300': 'request contains no amount or too low amount',
  '100.550.310': 'amount exceeds limit for the registered account.',
  '100.100.101': 'invalid creditcard, bank account number or bank name',
  '100.100.303': 'card expired',
  '100.100.700': 'invalid cc number/brand combination',
  '100.396.101': 'Cancelled by user',
  '800.100.151': 'transaction declined (invalid card)',
  '800.100.155': 'transaction declined (amount exceeds credit)',
  '800.100.162': 'transaction declined (limit exceeded)',
  '800.100.402': 'cc/bank account holder not valid',
  '800.120.100': 'Rejected by Throttling.',
  '800.900.300': 'invalid authentication information',
  '800.900.301': 'user authorization failed, user has no sufficient rights to process transaction',
};

/** The gateway's description for a code, or a generic one for codes we do not list. */
export function describeResultCode(code: string): string {
  return RESULT_DESCRIPTIONS[code] ?? `result ${code}`;
}
