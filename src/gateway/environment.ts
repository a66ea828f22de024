/**
 * Which gateway a run talks to, and what kind it is. The environment decides
 * the state partition (docs/state.md#partitions) and whether `--live` is needed.
 */
import { hostname, networkInterfaces } from 'node:os';
import { UsageError } from '../errors.js';

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

/**
 * Whether a host (as the WHATWG parser writes it: lower case, IPv4 dotted,
 * IPv6 bracketed and compressed) is this machine: loopback (localhost,
 * *.localhost, 127/8, [::1]), the unspecified addresses `payops sim --host
 * 0.0.0.0|::` prints (0.0.0.0 and [::] reach this machine), an IPv4-mapped
 * IPv6 spelling of any of these ([::ffff:7f00:1]), the machine's host name,
 * or one of its interface addresses. They all reach one server, so they
 * must share one state partition: a second spelling with a partition of its
 * own would send the whole file again.
 */
export function isThisMachine(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || host === '::1' || host === '[::]' || host === '0.0.0.0') return true;
  if (/^127\./.test(host)) return true;
  const mapped = mappedIpv4(host);
  if (mapped !== undefined) return isThisMachine(mapped);
  return ownNames().has(host);
}

/** `[::ffff:7f00:1]` → `127.0.0.1`; undefined for anything else. */
function mappedIpv4(host: string): string | undefined {
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (!m) return undefined;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The machine's host name and interface addresses, spelt as the URL parser spells hosts. */
function ownNames(): Set<string> {
  const out = new Set<string>();
  const add = (h: string) => {
    try {
      out.add(new URL(`http://${h}/`).hostname.replace(/\.$/, ''));
    } catch {
      // Not a host a URL can name (an IPv6 address with a zone): no gateway URL spells it.
    }
  };
  const name = hostname().toLowerCase();
  if (name) add(name);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) add(a.family === 'IPv6' ? `[${a.address}]` : a.address);
  }
  return out;
}

/**
 * Classify a base URL. A host on this machine ({@link isThisMachine}) is a
 * simulator (or a proxy in front of one gateway: one partition either way); a host whose first
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
  // spelling of this machine (localhost, 127.0.0.1, [::1], 127.1, 0.0.0.0,
  // [::], [::ffff:127.0.0.1], its host name and addresses): the WHATWG parser
  // has already lower-cased the name and written IPv4/IPv6 addresses in their
  // canonical form, and the port is explicit.
  const local = isThisMachine(host);
  const partitionHost = LIVE_HOSTS.has(host) ? 'eu-prod.oppwa.com' : local ? 'localhost' : host;
  const partition = `${url.protocol.replace(':', '')}://${partitionHost}:${port}`;
  const baseUrl = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  let kind: GatewayKind;
  if (local) kind = 'sim';
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
