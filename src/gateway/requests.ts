/**
 * Where each operation's request is built: method, path and the
 * form-urlencoded body the gateway expects (SPEC §1). The only code that
 * knows the wire names of the parameters.
 */
import type { Operation } from '../rows/types.js';

export interface GatewayRequest {
  method: 'POST' | 'GET';
  path: string;
  /** application/x-www-form-urlencoded body, or undefined for GET. */
  body?: string;
}

export interface RequestContext {
  /** The entity the row runs under (its own or the default), 32 lower-case hex. */
  entityId: string;
  merchantTransactionId: string;
  /** `testMode=EXTERNAL|INTERNAL`, only when asked for and never to a live host. */
  testMode?: 'EXTERNAL' | 'INTERNAL';
}

function form(params: Array<[string, string | undefined]>): string {
  const out: string[] = [];
  for (const [k, v] of params) {
    if (v === undefined) continue;
    out.push(`${k}=${encodeURIComponent(v)}`);
  }
  return out.join('&');
}

/** The request for one operation. */
export function buildOperationRequest(op: Operation, ctx: RequestContext): GatewayRequest {
  const common: Array<[string, string | undefined]> = [
    ['entityId', ctx.entityId],
    ['paymentType', op.type],
    ['amount', op.amount],
    ['currency', op.currency],
    ['merchantTransactionId', ctx.merchantTransactionId],
    ['testMode', ctx.testMode],
  ];
  if (op.type === 'CD') {
    if (op.registrationId) {
      return { method: 'POST', path: `/v1/registrations/${op.registrationId}/payments`, body: form(common) };
    }
    const card = op.card;
    return {
      method: 'POST',
      path: '/v1/payments',
      body: form([
        ...common,
        ['paymentBrand', card?.brand],
        ['card.number', card?.number],
        ['card.holder', card?.holder],
        ['card.expiryMonth', card?.expiryMonth],
        ['card.expiryYear', card?.expiryYear],
      ]),
    };
  }
  return { method: 'POST', path: `/v1/payments/${op.paymentId}`, body: form(common) };
}

/** A lookup of the transactions sent under one merchant transaction id (SPEC §4). */
export function buildLookupRequest(merchantTransactionId: string, entityId: string): GatewayRequest {
  return {
    method: 'GET',
    path: `/v1/query?${form([['entityId', entityId], ['merchantTransactionId', merchantTransactionId]])}`,
  };
}
