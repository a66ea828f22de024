/**
 * Where each operation's request is built: method, path and the
 * form-urlencoded body the gateway expects (docs/operations.md#requests). The only code that
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

/** `body` with `&name=value` added (form-urlencoded), or unchanged when the value is absent. */
function param(body: string, name: string, value: string | undefined): string {
  if (value === undefined) return body;
  return `${body}${body ? '&' : ''}${name}=${encodeURIComponent(value)}`;
}

/** The request for one operation. */
export function buildOperationRequest(op: Operation, ctx: RequestContext): GatewayRequest {
  let common = param('', 'entityId', ctx.entityId);
  common = param(common, 'paymentType', op.type);
  common = param(common, 'amount', op.amount);
  common = param(common, 'currency', op.currency);
  common = param(common, 'merchantTransactionId', ctx.merchantTransactionId);
  common = param(common, 'testMode', ctx.testMode);
  if (op.type === 'CD') {
    if (op.registrationId) {
      return { method: 'POST', path: `/v1/registrations/${op.registrationId}/payments`, body: common };
    }
    const card = op.card;
    let body = param(common, 'paymentBrand', card?.brand);
    body = param(body, 'card.number', card?.number);
    body = param(body, 'card.holder', card?.holder);
    body = param(body, 'card.expiryMonth', card?.expiryMonth);
    body = param(body, 'card.expiryYear', card?.expiryYear);
    return { method: 'POST', path: '/v1/payments', body };
  }
  return { method: 'POST', path: `/v1/payments/${op.paymentId}`, body: common };
}

/** A lookup of the transactions sent under one merchant transaction id (docs/exactly-once.md#lookups). */
export function buildLookupRequest(merchantTransactionId: string, entityId: string): GatewayRequest {
  return {
    method: 'GET',
    path: `/v1/query?${param(param('', 'entityId', entityId), 'merchantTransactionId', merchantTransactionId)}`,
  };
}
