/**
 * The rules that stop a run, or an entity, on what the gateway answers
 * (docs/exactly-once.md#stopping): an outage longer than `--max-outage`, a
 * URL that is not a gateway's, refused credentials. Every exchange passes
 * through `observe`.
 */
import { AbortError } from '../errors.js';

/** Answers without the gateway's JSON before the run stops (SPEC said 10; issue 13: stop sooner). */
export const NON_GATEWAY_STOP = 3;

export class StopRules {
  private lastSuccessAt = Date.now();
  private gatewayJsonSeen = false;
  private nonGatewayAnswers = 0;
  /** Entities whose credentials the gateway refused (not the default one: that stops the run). */
  private readonly refusedEntities = new Set<string>();

  constructor(
    private readonly maxOutageMs: number,
    private readonly defaultEntityId: string | undefined,
    /** Stop the run (the first reason wins). */
    private readonly stop: (err: Error) => void,
  ) {}

  /** Every exchange passes here: outage and wrong-URL rules. */
  observe(seen: { exchanged: boolean; foreign: boolean }, httpStatus: number | undefined): void {
    const now = Date.now();
    if (seen.exchanged) {
      this.gatewayJsonSeen = true;
      this.lastSuccessAt = now;
      return;
    }
    if (seen.foreign && !this.gatewayJsonSeen && ++this.nonGatewayAnswers >= NON_GATEWAY_STOP) {
      this.stop(
        new AbortError(
          `the first ${this.nonGatewayAnswers} answers were not the gateway's JSON (last: HTTP ${httpStatus ?? '?'}); check --gateway / OPPWA_BASE_URL`,
        ),
      );
      return;
    }
    if (now - this.lastSuccessAt > this.maxOutageMs) {
      this.stop(
        new AbortError(
          `no successful exchange with the gateway for ${Math.round((now - this.lastSuccessAt) / 1000)}s (--max-outage); ` +
            `what was done is journalled: run the same command again when the gateway is back`,
        ),
      );
    }
  }

  /**
   * No gateway JSON yet in this run, and an answer that is not the gateway's and says the request was not processed
   * (a 4xx page, 501): the request reached some other server, not a gateway.
   */
  isWrongUrl(httpStatus: number | undefined, foreign: boolean): httpStatus is number {
    return httpStatus !== undefined && foreign && !this.gatewayJsonSeen && notProcessedStatus(httpStatus);
  }

  /** The gateway refused the credentials for an entity: the default entity's stop the run, another's stop its rows. */
  credentialsRefused(entity: string, reason: string): void {
    if (entity === this.defaultEntityId || !this.defaultEntityId) {
      this.stop(
        new AbortError(
          `the gateway refused the access token for entity ${entity} (${reason.replace(/^credentials refused \((.*)\)$/, '$1')}); ` +
            `check OPPWA_ACCESS_TOKEN or --token-file, and --entity-id`,
        ),
      );
    } else {
      this.refusedEntities.add(entity);
    }
  }

  isRefused(entity: string): boolean {
    return this.refusedEntities.has(entity);
  }
}

/** HTTP statuses that say the server did not process the request: 4xx (not 401/403/408/429), 501, 505. */
function notProcessedStatus(status: number): boolean {
  if (status === 501 || status === 505) return true;
  return status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}
