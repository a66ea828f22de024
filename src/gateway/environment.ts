/**
 * Which gateway a run talks to, and what kind it is. The environment decides
 * the state partition (docs/state.md#partitions) and whether `--live` is needed.
 */
import { UsageError } from '../cli/errors.js';

export type GatewayKind = 'sim' | 'test' | 'live';

export interface GatewayEnvironment {
  kind: GatewayKind;
  /** Base URL without a trailing slash, e.g. https://eu-test.oppwa.com. */
  baseUrl: string;
  /** Scheme, host and port that partition the state; prod aliases are one. */
  partition: string;
  /** How the environment line names it. */
  label: string;
}

export const NAMED_GATEWAYS: Readonly<Record<'test' | 'live', string>> = {
  test: 'https://eu-test.oppwa.com',
  live: 'https://eu-prod.oppwa.com',
};

/** Hosts of the production gateway; they share one state partition. */
const LIVE_HOSTS = new Set(['oppwa.com', 'eu-prod.oppwa.com']);

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
}

/**
 * Classify a base URL. A host on loopback is a simulator; a host whose first
 * label has `test` as a dash-separated word (`test.…`, `eu-test.oppwa.com`)
 * is a test host; any other host is treated as live, so that a white-label
 * production host (`testbank-pay.com`) is never mistaken for a rehearsal.
 */
export function classifyGatewayUrl(raw: string): GatewayEnvironment {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--gateway "${raw}" is not a URL; use test, live, sim, or a URL such as https://eu-test.oppwa.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--gateway "${raw}": only http and https URLs are supported`);
  }
  // `eu-prod.oppwa.com.` (a fully qualified name) is the same host.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  // One host, one partition: the production aliases are one, and so is every
  // spelling of this machine (localhost, 127.0.0.1, [::1], 127.1…): the WHATWG
  // parser has already lower-cased the name and written IPv4/IPv6 addresses
  // in their canonical form, and the port is explicit.
  const partitionHost = LIVE_HOSTS.has(host) ? 'eu-prod.oppwa.com' : isLoopback(host) ? 'localhost' : host;
  const partition = `${url.protocol.replace(':', '')}://${partitionHost}:${port}`;
  const baseUrl = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  let kind: GatewayKind;
  if (isLoopback(host)) kind = 'sim';
  else if (/(^|-)test(-|$)/.test(host.split('.')[0] ?? '')) kind = 'test';
  else kind = 'live';
  return { kind, baseUrl, partition, label: `${kind} ${baseUrl}` };
}

/** Resolve `--gateway test|live|URL` (not `sim`, which the caller starts in-process). */
export function resolveGateway(value: string): GatewayEnvironment {
  if (value === 'test' || value === 'live') {
    const env = classifyGatewayUrl(NAMED_GATEWAYS[value]);
    return env;
  }
  return classifyGatewayUrl(value);
}
