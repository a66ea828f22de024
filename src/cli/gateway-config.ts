/**
 * Which gateway, which token, which entity: flag over environment (docs/commands.md#gateway).
 * The token is read from OPPWA_ACCESS_TOKEN or --token-file, never from a
 * flag value, and never printed.
 */
import { readFileSync } from 'node:fs';
import { classifyGatewayUrl, type GatewayEnvironment, resolveGateway } from '../gateway/environment.js';
import { DEFAULT_SIM_ENTITY, DEFAULT_SIM_TOKEN } from '../sim/defaults.js';
import type { RunningSimulator } from '../sim/server.js';
import { UsageError } from '../errors.js';

export interface GatewayConfig {
  env: GatewayEnvironment;
  token: string;
  defaultEntityId: string | undefined;
  testMode?: 'EXTERNAL' | 'INTERNAL';
  /** The in-process simulator of `--gateway sim`, closed by the caller. */
  sim?: RunningSimulator;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

export function readEntity(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): string | undefined {
  const raw = (argv['entity-id'] as string | undefined) ?? env.OPPWA_ENTITY_ID;
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim();
  if (!HEX32.test(v)) throw new UsageError(`entity id "${v}" (--entity-id / OPPWA_ENTITY_ID) must be 32 hexadecimal characters`);
  return v.toLowerCase();
}

/**
 * A token goes into an HTTP header: a control character (CR, LF, tab…) or a
 * character above U+00FF cannot be sent, and undici throws before the request
 * leaves. That is a configuration error, found before any row, and the
 * message never shows the token.
 */
function checkToken(token: string, where: string): string {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c > 0xff) {
      const what = c === 0x0d || c === 0x0a ? 'a line break' : c > 0xff ? 'a character that is not Latin-1' : 'a control character';
      throw new UsageError(`the access token from ${where} has ${what} at position ${i + 1}; it cannot be sent in an HTTP header. Copy the token again (without quotes or line breaks)`);
    }
  }
  return token;
}

function readToken(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  if (argv.token !== undefined) {
    throw new UsageError(
      'the access token is never taken from a flag (it would show in ps and the shell history): set OPPWA_ACCESS_TOKEN or use --token-file FILE',
    );
  }
  const file = argv['token-file'] as string | undefined;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const token = text.trim();
    if (!token) throw new UsageError(`--token-file ${file} is empty`);
    return checkToken(token, `--token-file ${file}`);
  }
  const token = env.OPPWA_ACCESS_TOKEN?.trim();
  if (!token) throw new UsageError('no access token: set OPPWA_ACCESS_TOKEN or use --token-file FILE');
  return checkToken(token, 'OPPWA_ACCESS_TOKEN');
}

export async function resolveGatewayConfig(argv: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  const gateway = (argv.gateway as string | undefined) ?? env.OPPWA_BASE_URL;
  if (!gateway) throw new UsageError('no gateway: pass --gateway test|live|sim|URL or set OPPWA_BASE_URL');
  const testMode = argv['test-mode'] as 'EXTERNAL' | 'INTERNAL' | undefined;
  if (gateway === 'sim') {
    if (argv.token !== undefined) readToken(argv, env);
    const seed = argv['sim-seed'] as string | undefined;
    // Loaded only when asked for: the server is not needed by any other command.
    const { startSimulator } = await import('../sim/server.js');
    const sim = await startSimulator(seed ? { seed } : {});
    const simEnv = classifyGatewayUrl(sim.url);
    return {
      env: { ...simEnv, label: `sim (in-process simulator at ${sim.url})` },
      token: DEFAULT_SIM_TOKEN,
      defaultEntityId: readEntity(argv, env) ?? DEFAULT_SIM_ENTITY,
      sim,
      ...(testMode ? { testMode } : {}),
    };
  }
  if (argv['sim-seed'] !== undefined) throw new UsageError('--sim-seed only goes with --gateway sim');
  const gw = resolveGateway(gateway);
  if (gw.kind === 'live' && !argv.live) {
    throw new UsageError(`${gw.baseUrl} is a live host: real money moves. Add --live to confirm, or use --gateway test to rehearse`);
  }
  if (gw.kind === 'live' && testMode) throw new UsageError('--test-mode is never sent to a live host; remove it');
  return {
    env: gw,
    token: readToken(argv, env),
    defaultEntityId: readEntity(argv, env),
    ...(testMode ? { testMode } : {}),
  };
}
