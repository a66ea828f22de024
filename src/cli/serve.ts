/**
 * `payops serve`: the finance web page (upload, preview, confirm, approve,
 * run, download, history). Jobs are `payops run` child processes with the
 * same gateway and state options; see src/serve/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { serve as serveHttp } from '@hono/node-server';
import { UsageError } from '../errors.js';
import { resolveGateway } from '../gateway/environment.js';
import { defaultStateDir, partitionSlug } from '../plan/state-dir.js';
import { createApp, applyRetention, type Auth } from '../serve/app.js';
import { cliSupports, type GatewaySettings } from '../serve/child.js';
import { Store } from '../serve/store.js';
import { readUsers } from '../serve/users.js';

/** `7d`, `12h`, `30m`, `45s` or milliseconds. */
export function parseLongDuration(value: unknown, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(String(value).trim());
  if (!m) throw new UsageError(`${flag} "${String(value)}" is not a duration; use e.g. 7d, 12h or 30m`);
  const f = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms').toLowerCase() as 'ms'];
  return Math.round(Number(m[1]) * f);
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

const RUN_FLAGS = ['concurrency', 'rate', 'timeout', 'max-attempts', 'max-outage', 'settle', 'lookup-interval', 'test-mode', 'batch-id'] as const;

export const serveCommand: CommandModule = {
  command: 'serve',
  describe: 'serve the finance web page: upload, preview, confirm, run, download',
  builder: (y: Argv) =>
    y.options({
      host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on' },
      port: { type: 'number', default: 8080, describe: 'port to listen on (0 = any free port)' },
      gateway: { type: 'string', describe: 'gateway for the jobs: test, live, sim or a URL [default: $OPPWA_BASE_URL]' },
      'sim-seed': { type: 'string', describe: 'with --gateway sim: CSV of payments to seed each job\'s simulator with' },
      'state-dir': { type: 'string', describe: 'the state directory (journal, and the page\'s own serve/ database)' },
      'state-url': { type: 'string', describe: 'a state store URL, passed to payops run (where supported)' },
      'entity-id': { type: 'string', describe: 'default entity id [default: $OPPWA_ENTITY_ID]' },
      'token-file': { type: 'string', describe: 'file holding the access token [default: $OPPWA_ACCESS_TOKEN]' },
      users: { type: 'string', describe: 'users file (payops user add NAME --users FILE)' },
      'trust-proxy-header': { type: 'string', describe: 'take the user name from this header set by a reverse proxy (e.g. X-Forwarded-User)' },
      'trusted-proxy': { type: 'array', string: true, describe: 'address of the reverse proxy whose header is trusted (repeatable)' },
      approval: { type: 'boolean', default: false, describe: 'a second, different person must approve a job before it is sent' },
      'approval-above': { type: 'string', describe: 'with --approval: only jobs whose total in a currency is above AMOUNT' },
      'approval-expires': { type: 'string', default: '7d', describe: 'an approval not given in this time lapses' },
      retention: { type: 'string', default: '30d', describe: 'delete stored uploads and their outputs after this long' },
      'max-upload': { type: 'string', default: '200MB', describe: 'largest upload accepted (e.g. 50MB)' },
      'allow-card-data': { type: 'boolean', default: false, describe: 'accept card numbers for credits by card' },
      concurrency: { type: 'number', describe: 'passed to payops run' },
      rate: { type: 'number', describe: 'passed to payops run' },
      timeout: { type: 'string', describe: 'passed to payops run' },
      'max-attempts': { type: 'number', describe: 'passed to payops run' },
      'max-outage': { type: 'string', describe: 'passed to payops run' },
      settle: { type: 'string', describe: 'passed to payops run' },
      'lookup-interval': { type: 'string', describe: 'passed to payops run' },
      'test-mode': { type: 'string', choices: ['EXTERNAL', 'INTERNAL'], describe: 'passed to payops run' },
      'batch-id': { type: 'string', describe: 'passed to payops run' },
      live: { type: 'boolean', default: false, describe: 'confirm that a live (production) gateway is meant' },
    }),
  handler: async (argv) => {
    await serveMain(argv as Record<string, unknown>);
  },
};

function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`--max-upload "${v}" is not a size; use e.g. 50MB`);
  return Math.round(Number(m[1]) * { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(m[2] ?? 'b').toLowerCase() as 'b']);
}

export async function serveMain(argv: Record<string, unknown>): Promise<void> {
  const host = String(argv.host);
  const gatewayArg = (argv.gateway as string | undefined) ?? process.env.OPPWA_BASE_URL;
  if (!gatewayArg) throw new UsageError('name the gateway for the jobs: --gateway test|live|sim|URL (or set OPPWA_BASE_URL)');
  const users = argv.users as string | undefined;
  const proxyHeader = argv['trust-proxy-header'] as string | undefined;
  const trusted = ((argv['trusted-proxy'] as string[] | undefined) ?? []).map(String);
  if (proxyHeader && trusted.length === 0) throw new UsageError('--trust-proxy-header needs --trusted-proxy ADDRESS (the proxy that sets it)');
  if (trusted.some((a) => isIP(a) === 0)) throw new UsageError('--trusted-proxy takes an IP address');
  if (users && proxyHeader) throw new UsageError('choose --users or --trust-proxy-header, not both');
  if (!isLoopbackHost(host) && !users && !proxyHeader) {
    throw new UsageError(`refusing to serve on ${host} without --users FILE or --trust-proxy-header: anyone who reaches it could send payments. Use --host 127.0.0.1, or say who may sign in`);
  }
  let auth: Auth = { kind: 'local' };
  if (users) {
    const map = readUsers(users);
    if (map.size === 0) throw new UsageError(`${users} has nobody in it: add people with payops user add NAME --users ${users}`);
    auth = { kind: 'users', users: map };
  } else if (proxyHeader) auth = { kind: 'proxy', header: proxyHeader.toLowerCase(), trusted };
  if (argv.approval && auth.kind === 'local') throw new UsageError('--approval needs people: add --users FILE or --trust-proxy-header');
  if (argv['approval-above'] !== undefined && !/^\d+(\.\d+)?$/.test(String(argv['approval-above']))) throw new UsageError('--approval-above takes an amount such as 10000 or 2500.50');

  let token: string | undefined = process.env.OPPWA_ACCESS_TOKEN;
  if (argv['token-file']) token = readFileSync(String(argv['token-file']), 'utf8').trim();
  const isSim = gatewayArg === 'sim';
  if (!isSim && !token) throw new UsageError('no access token: set OPPWA_ACCESS_TOKEN or pass --token-file (it stays on the server)');
  const env = isSim ? { kind: 'sim', baseUrl: 'in-process simulator', partition: 'sim', label: 'in-process simulator, a fresh one per job' } : resolveGateway(gatewayArg);
  if (env.kind === 'live' && !argv.live) throw new UsageError('--gateway is the live (production) host: add --live to say so');

  // Uploads, results and the page's database are for this user only (the children inherit it).
  process.umask(0o077);
  const stateDir = (argv['state-dir'] as string | undefined) ?? (argv['state-url'] ? undefined : defaultStateDir());
  const dataDir = join(stateDir ?? defaultStateDir(), 'serve');
  mkdirSync(join(dataDir, 'jobs'), { recursive: true, mode: 0o700 });
  const store = new Store(join(dataDir, 'serve.sqlite'));
  const runFlags: string[] = [];
  for (const f of RUN_FLAGS) if (argv[f] !== undefined) runFlags.push(`--${f}`, String(argv[f]));
  const gateway: GatewaySettings = {
    gateway: gatewayArg,
    allowCardData: Boolean(argv['allow-card-data']),
    sheetSupported: await cliSupports('run', '--sheet'),
    runFlags,
    ...(argv['sim-seed'] ? { simSeed: String(argv['sim-seed']) } : {}),
    ...(stateDir && !argv['state-url'] ? { stateDir } : {}),
    ...(argv['state-url'] ? { stateUrl: String(argv['state-url']) } : {}),
    ...(argv['entity-id'] ?? process.env.OPPWA_ENTITY_ID ? { entityId: String(argv['entity-id'] ?? process.env.OPPWA_ENTITY_ID) } : {}),
  };
  const retentionMs = parseLongDuration(argv.retention, '--retention');
  const { app, runner } = createApp({
    store,
    dataDir,
    gateway,
    token,
    environment: { kind: env.kind, label: env.kind === 'sim' && !isSim ? `simulator at ${env.baseUrl}` : isSim ? env.label : env.baseUrl, partition: env.partition },
    lockPath: isSim || !stateDir || argv['state-url'] ? undefined : join(stateDir, partitionSlug(env.partition), 'lock'),
    auth,
    approval: Boolean(argv.approval),
    approvalAbove: argv['approval-above'] as string | undefined,
    approvalExpiresMs: parseLongDuration(argv['approval-expires'], '--approval-expires'),
    maxUploadBytes: parseSize(String(argv['max-upload'])),
    columnsSupported: await cliSupports('run', '--column'),
  });
  applyRetention(store, retentionMs);
  const retention = setInterval(() => applyRetention(store, retentionMs), 3600_000);
  retention.unref();
  const server = serveHttp({ fetch: app.fetch, hostname: host, port: Number(argv.port) });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) => reject(new UsageError(`cannot listen on ${host}:${String(argv.port)}: ${err.message}`)));
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : Number(argv.port);
  const shown = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`http://${shown}:${port}/\n`);
  process.stderr.write(`payops: serving the web page for gateway ${env.kind} (${env.kind === 'live' ? 'LIVE' : env.baseUrl}); state in ${stateDir ?? String(argv['state-url'])}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write('payops: stopping the web page; running jobs are stopped as by Ctrl-C (Resume continues)\n');
      runner.close();
      server.close();
      void runner.waitIdle().then(() => {
        store.close();
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.exitCode = 0;
}
