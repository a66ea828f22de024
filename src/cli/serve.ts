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
import { parseDuration, PERIOD } from '../time/duration.js';
import * as z from 'zod';
import { flag, last, list, parsedBy, parseOptions, refuse, text } from './options.js';

/** The defaults of `payops serve`'s flags: yargs shows them, the schema applies them. */
const SERVE_DEFAULTS = { host: '127.0.0.1', port: 8080, approvalExpires: '7d', retention: '30d', maxUpload: '200MB' } as const;

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

const RUN_FLAGS = ['concurrency', 'rate', 'timeout', 'max-attempts', 'max-outage', 'settle', 'lookup-interval', 'test-mode', 'batch-id'] as const;

export const serveCommand: CommandModule = {
  command: 'serve',
  describe: 'serve the finance web page: upload, preview, confirm, run, download',
  builder: (y: Argv) =>
    y.options({
      host: { type: 'string', default: SERVE_DEFAULTS.host, describe: 'address to listen on' },
      port: { type: 'number', default: SERVE_DEFAULTS.port, describe: 'port to listen on (0 = any free port)' },
      gateway: { type: 'string', describe: 'gateway for the jobs: test, live, sim or a URL [default: $OPPWA_BASE_URL]' },
      'sim-seed': { type: 'string', describe: 'with --gateway sim: CSV of payments to seed each job\'s simulator with' },
      'state-dir': {
        type: 'string',
        describe: "the state directory (journal, and the page's own serve/ database) [default: $XDG_STATE_HOME/payops, else ~/.local/state/payops]",
      },
      'state-url': { type: 'string', describe: 'a state store URL, passed to payops run (where supported)' },
      'entity-id': { type: 'string', describe: 'default entity id [default: $OPPWA_ENTITY_ID]' },
      'token-file': { type: 'string', describe: 'file holding the access token [default: $OPPWA_ACCESS_TOKEN]' },
      users: { type: 'string', describe: 'users file (payops user add NAME --users FILE)' },
      'trust-proxy-header': { type: 'string', describe: 'take the user name from this header set by a reverse proxy (e.g. X-Forwarded-User)' },
      'trusted-proxy': { type: 'array', string: true, describe: 'address of the reverse proxy whose header is trusted (repeatable)' },
      approval: { type: 'boolean', default: false, describe: 'a second, different person must approve a job before it is sent' },
      'approval-above': { type: 'string', describe: 'with --approval: only jobs whose total in a currency is above AMOUNT' },
      'approval-expires': { type: 'string', default: SERVE_DEFAULTS.approvalExpires, describe: 'an approval not given in this time lapses' },
      retention: { type: 'string', default: SERVE_DEFAULTS.retention, describe: 'delete stored uploads and their outputs after this long' },
      'max-upload': { type: 'string', default: SERVE_DEFAULTS.maxUpload, describe: 'largest upload accepted (e.g. 50MB)' },
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

const passedOn = z.transform(last);
/** The flags passed to each job's `payops run` as given (run checks them). */
const RUN_FLAG_SHAPE = Object.fromEntries(RUN_FLAGS.map((f) => [f, passedOn])) as { [F in (typeof RUN_FLAGS)[number]]: typeof passedOn };

const period = (name: string) => parsedBy((v) => parseDuration(v, `--${name}`, PERIOD));

/** `payops serve`'s flags, checked and defaulted ($OPPWA_BASE_URL and $OPPWA_ENTITY_ID from `env`): the refusals in this order. */
function serveSchema(env: NodeJS.ProcessEnv) {
  return z
    .object({
      gateway: text.transform((v, ctx) => v ?? env.OPPWA_BASE_URL ?? refuse(ctx, 'name the gateway for the jobs: --gateway test|live|sim|URL (or set OPPWA_BASE_URL)')),
      host: text.prefault(SERVE_DEFAULTS.host),
      port: z.transform((v) => Number(last(v))).prefault(SERVE_DEFAULTS.port),
      users: text,
      'trust-proxy-header': text,
      'trusted-proxy': list,
      approval: flag,
      'approval-above': text,
      'approval-expires': period('approval-expires').prefault(SERVE_DEFAULTS.approvalExpires),
      retention: period('retention').prefault(SERVE_DEFAULTS.retention),
      'max-upload': parsedBy((v) => parseSize(String(v))).prefault(SERVE_DEFAULTS.maxUpload),
      'token-file': text,
      'sim-seed': text,
      'state-dir': text,
      'state-url': text,
      'entity-id': text,
      'allow-card-data': flag,
      live: flag,
      ...RUN_FLAG_SHAPE,
    })
    .superRefine((o, ctx) => {
      const proxyHeader = o['trust-proxy-header'];
      const trusted = o['trusted-proxy'];
      if (proxyHeader && trusted.length === 0) return refuse(ctx, '--trust-proxy-header needs --trusted-proxy ADDRESS (the proxy that sets it)');
      if (trusted.some((a) => isIP(a) === 0)) return refuse(ctx, '--trusted-proxy takes an IP address');
      if (o.users && proxyHeader) return refuse(ctx, 'choose --users or --trust-proxy-header, not both');
      if (!isLoopbackHost(o.host!) && !o.users && !proxyHeader) {
        return refuse(
          ctx,
          `refusing to serve on ${o.host!} without --users FILE or --trust-proxy-header: anyone who reaches it could send payments. Use --host 127.0.0.1, or say who may sign in`,
        );
      }
      if (o.approval && !o.users && !proxyHeader) return refuse(ctx, '--approval needs people: add --users FILE or --trust-proxy-header');
      if (o['approval-above'] !== undefined && !/^\d+(\.\d+)?$/.test(o['approval-above'])) return refuse(ctx, '--approval-above takes an amount such as 10000 or 2500.50');
    })
    .transform((o) => {
      const entityId = o['entity-id'] ?? env.OPPWA_ENTITY_ID;
      const runFlags: string[] = [];
      for (const f of RUN_FLAGS) if (o[f] !== undefined) runFlags.push(`--${f}`, String(o[f]));
      return {
        gateway: o.gateway,
        host: o.host!,
        port: o.port,
        users: o.users,
        proxyHeader: o['trust-proxy-header'],
        trusted: o['trusted-proxy'],
        approval: o.approval,
        approvalAbove: o['approval-above'],
        approvalExpiresMs: o['approval-expires'],
        retentionMs: o.retention,
        maxUploadBytes: o['max-upload'],
        tokenFile: o['token-file'],
        simSeed: o['sim-seed'] || undefined,
        stateDir: o['state-dir'] ?? (o['state-url'] ? undefined : defaultStateDir()),
        stateUrl: o['state-url'] || undefined,
        entityId: entityId ? entityId : undefined,
        allowCardData: o['allow-card-data'],
        live: o.live,
        runFlags,
      };
    });
}

export type ServeOptions = z.output<ReturnType<typeof serveSchema>>;

/** argv as yargs hands it over → the one options object `payops serve` reads. */
export function normaliseServeOptions(argv: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): ServeOptions {
  return parseOptions(serveSchema(env), argv);
}

export async function serveMain(argv: Record<string, unknown>): Promise<void> {
  const o = normaliseServeOptions(argv);
  const { host, users, proxyHeader, trusted, stateDir } = o;
  const gatewayArg = o.gateway;
  let auth: Auth = { kind: 'local' };
  if (users) {
    const map = readUsers(users);
    if (map.size === 0) throw new UsageError(`${users} has nobody in it: add people with payops user add NAME --users ${users}`);
    auth = { kind: 'users', users: map };
  } else if (proxyHeader) auth = { kind: 'proxy', header: proxyHeader.toLowerCase(), trusted };

  let token: string | undefined = process.env.OPPWA_ACCESS_TOKEN;
  if (o.tokenFile) token = readFileSync(o.tokenFile, 'utf8').trim();
  const isSim = gatewayArg === 'sim';
  if (!isSim && !token) throw new UsageError('no access token: set OPPWA_ACCESS_TOKEN or pass --token-file (it stays on the server)');
  const env = isSim ? { kind: 'sim', baseUrl: 'in-process simulator', partition: 'sim', label: 'in-process simulator, a fresh one per job' } : resolveGateway(gatewayArg);
  if (env.kind === 'live' && !o.live) throw new UsageError('--gateway is the live (production) host: add --live to say so');

  // Uploads, results and the page's database are for this user only (the children inherit it).
  process.umask(0o077);
  const dataDir = join(stateDir ?? defaultStateDir(), 'serve');
  mkdirSync(join(dataDir, 'jobs'), { recursive: true, mode: 0o700 });
  const store = new Store(join(dataDir, 'serve.sqlite'));
  const gateway: GatewaySettings = {
    gateway: gatewayArg,
    allowCardData: o.allowCardData,
    sheetSupported: await cliSupports('run', '--sheet'),
    runFlags: o.runFlags,
    ...(o.simSeed ? { simSeed: o.simSeed } : {}),
    ...(stateDir && !o.stateUrl ? { stateDir } : {}),
    ...(o.stateUrl ? { stateUrl: o.stateUrl } : {}),
    ...(o.entityId ? { entityId: o.entityId } : {}),
  };
  const { retentionMs } = o;
  const { app, runner } = createApp({
    store,
    dataDir,
    gateway,
    token,
    environment: { kind: env.kind, label: env.kind === 'sim' && !isSim ? `simulator at ${env.baseUrl}` : isSim ? env.label : env.baseUrl, partition: env.partition },
    lockPath: isSim || !stateDir || o.stateUrl ? undefined : join(stateDir, partitionSlug(env.partition), 'lock'),
    auth,
    approval: o.approval,
    approvalAbove: o.approvalAbove,
    approvalExpiresMs: o.approvalExpiresMs,
    maxUploadBytes: o.maxUploadBytes,
    columnsSupported: await cliSupports('run', '--column'),
  });
  applyRetention(store, retentionMs);
  const retention = setInterval(() => applyRetention(store, retentionMs), 3600_000);
  retention.unref();
  const server = serveHttp({ fetch: app.fetch, hostname: host, port: o.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) => reject(new UsageError(`cannot listen on ${host}:${String(o.port)}: ${err.message}`)));
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`http://${shown}:${port}/\n`);
  process.stderr.write(`payops: serving the web page for gateway ${env.kind} (${env.kind === 'live' ? 'LIVE' : env.baseUrl}); state in ${stateDir ?? String(o.stateUrl)}\n`);
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
