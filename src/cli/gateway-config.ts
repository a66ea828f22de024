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
import type { GatewayOptions } from './options.js';

export interface GatewayConfig {
  env: GatewayEnvironment;
  token: string;
  defaultEntityId: string | undefined;
  testMode?: 'EXTERNAL' | 'INTERNAL';
  /** The in-process simulator of `--gateway sim`, closed by the caller. */
  sim?: RunningSimulator;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** `--entity-id`, else $OPPWA_ENTITY_ID: 32 hexadecimal characters, lower-cased; undefined when neither is given. */
export function readEntity(entityId: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const raw = entityId ?? env.OPPWA_ENTITY_ID;
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

function readToken(g: GatewayOptions, env: NodeJS.ProcessEnv): string {
  if (g.token !== undefined) {
    throw new UsageError(
      'the access token is never taken from a flag (it would show in ps and the shell history): set OPPWA_ACCESS_TOKEN or use --token-file FILE',
    );
  }
  const file = g.tokenFile;
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

export async function resolveGatewayConfig(g: GatewayOptions, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  const gateway = g.gateway ?? env.OPPWA_BASE_URL;
  if (!gateway) throw new UsageError('no gateway: pass --gateway test|live|sim|URL or set OPPWA_BASE_URL');
  const testMode = g.testMode;
  if (gateway === 'sim') {
    if (g.token !== undefined) readToken(g, env);
    const seed = g.simSeed;
    // Loaded only when asked for: the server is not needed by any other command.
    const { startSimulator } = await import('../sim/server.js');
    const sim = await startSimulator(seed ? { seed } : {});
    const simEnv = classifyGatewayUrl(sim.url);
    return {
      env: { ...simEnv, label: `sim (in-process simulator at ${sim.url})` },
      token: DEFAULT_SIM_TOKEN,
      defaultEntityId: readEntity(g.entityId, env) ?? DEFAULT_SIM_ENTITY,
      sim,
      ...(testMode ? { testMode } : {}),
    };
  }
  if (g.simSeed !== undefined) throw new UsageError('--sim-seed only goes with --gateway sim');
  const gw = resolveGateway(gateway);
  if (gw.kind === 'live' && !g.live) {
    throw new UsageError(`${gw.baseUrl} is a live host: real money moves. Add --live to confirm, or use --gateway test to rehearse`);
  }
  if (gw.kind === 'live' && testMode) throw new UsageError('--test-mode is never sent to a live host; remove it');
  return {
    env: gw,
    token: readToken(g, env),
    defaultEntityId: readEntity(g.entityId, env),
    ...(testMode ? { testMode } : {}),
  };
}
