/** `payops sim`: flags and their defaults, the first stdout line, clean shutdown on a signal. */
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { runSim, simCommand, normaliseSimOptions as simOptionsFrom, type SimArgs } from '../../src/cli/sim.js';
import { parseDuration, parseLatency } from '../../src/sim/options.js';
import { startSimulator } from '../../src/sim/server.js';
import { agent, ENTITY, TOKEN } from './helpers.js';
import { request } from 'undici';

async function parse(args: string[]): Promise<SimArgs> {
  let captured: SimArgs | undefined;
  await yargs(['sim', ...args])
    .command({ ...simCommand, handler: (a) => void (captured = a as unknown as SimArgs) })
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .parseAsync();
  return captured!;
}

describe('flags', () => {
  it('has the documented defaults', async () => {
    const o = simOptionsFrom(await parse([]));
    expect(o).toMatchObject({ host: '127.0.0.1', port: 0, token: 'sim-token', singleCapture: false, noPartialReversal: false, forceCodes: {}, stallMs: 65000, retryAfterSeconds: 1 });
    expect(o.seed).toBeUndefined();
    expect(o.latency).toBeUndefined();
    expect(o.failRate).toBeUndefined();
    expect(typeof o.faultSeed).toBe('number');
  });

  it('turns every flag into its option', async () => {
    const o = simOptionsFrom(
      await parse([
        '--host', '0.0.0.0', '--port', '8090', '--token', 't0k', '--seed', 'p.csv', '--single-capture', '--no-partial-reversal',
        '--force-code', '13.13=800.100.151', '--force-code', '9=000.200.000', '--latency', '20-200', '--fail-rate', '0.1',
        '--drop-rate', '0.2', '--throttle-rate', '0.3', '--stall-rate', '0.4', '--stall-ms', '2s', '--fault-seed', '42', '--retry-after', '3',
        '--mode', 'live', '--per-id-throttle', '--throttle-window', '2s', '--query-limit', '3', '--post-limit', '5', '--duplicate-check',
        '--query-lag', '5m', '--no-reports', 'ff80808167b2d5d40167c2fd1c6e12ab', '--reversal-window', '1d', '--refund-window', '180d', '--capture-window', '7d',
      ]),
    );
    expect(o).toEqual({
      host: '0.0.0.0', port: 8090, token: 't0k', seed: 'p.csv', singleCapture: true, noPartialReversal: true,
      forceCodes: { '13.13': '800.100.151', '9': '000.200.000' }, latency: [20, 200], failRate: 0.1, dropRate: 0.2,
      throttleRate: 0.3, stallRate: 0.4, stallMs: 2000, faultSeed: 42, retryAfterSeconds: 3,
      mode: 'live', perIdThrottle: { windowMs: 2000, queryLimit: 3, postLimit: 5 }, duplicateCheck: true, queryLagMs: 300_000,
      noReports: ['ff80808167b2d5d40167c2fd1c6e12ab'], reversalWindowMs: 86_400_000, refundWindowMs: 180 * 86_400_000, captureWindowMs: 7 * 86_400_000,
    });
    // --per-id-throttle alone: the gateway's window (60 s) and limits (2 and 200)
    expect(simOptionsFrom(await parse(['--per-id-throttle'])).perIdThrottle).toEqual({ windowMs: 60_000 });
    expect(simOptionsFrom(await parse([])).perIdThrottle).toBeUndefined();
  });

  it('documents every flag and its default in --help', async () => {
    const help = await (simCommand.builder as (y: ReturnType<typeof yargs>) => ReturnType<typeof yargs>)(yargs([])).getHelp();
    for (const flag of ['--host', '--port', '--token', '--seed', '--single-capture', '--partial-reversal', '--force-code', '--latency', '--fail-rate', '--drop-rate', '--throttle-rate', '--stall-rate', '--stall-ms', '--fault-seed', '--retry-after', '--mode', '--per-id-throttle', '--throttle-window', '--query-limit', '--post-limit', '--duplicate-check', '--query-lag', '--no-reports', '--reversal-window', '--refund-window', '--capture-window']) {
      expect(help).toContain(flag);
    }
    expect(help).toContain('"127.0.0.1"');
    expect(help).toContain('"sim-token"');
    expect(help).toContain('"65000"');
    expect(help).toContain('--no-partial-reversal');
  });

  it('accepts durations as 250ms, 60s, 5m or plain ms, and latency as one value or a range', () => {
    expect(parseDuration('--stall-ms', '250ms')).toBe(250);
    expect(parseDuration('--stall-ms', '60s')).toBe(60_000);
    expect(parseDuration('--stall-ms', '5m')).toBe(300_000);
    expect(parseDuration('--stall-ms', '1500')).toBe(1500);
    expect(() => parseDuration('--stall-ms', 'soon')).toThrow(UsageError);
    expect(parseLatency('50')).toEqual([50, 50]);
    expect(parseLatency('1s-2s')).toEqual([1000, 2000]);
    expect(() => parseLatency('200-20')).toThrow(/minimum above its maximum/);
  });

  it('refuses bad values with a UsageError saying what to write', async () => {
    await expect(async () => simOptionsFrom(await parse(['--fail-rate', '1.5']))).rejects.toThrow(/--fail-rate "1.5" is not a probability/);
    await expect(async () => simOptionsFrom(await parse(['--force-code', '13.13']))).rejects.toThrow(/not AMOUNT=CODE/);
    await expect(async () => simOptionsFrom(await parse(['--fault-seed', '-1']))).rejects.toThrow(UsageError);
    await expect(async () => simOptionsFrom(await parse(['--per-id-throttle', '--query-limit', '0']))).rejects.toThrow(/--query-limit "0" is not a whole number above 0/);
    await expect(async () => simOptionsFrom(await parse(['--per-id-throttle', '--throttle-window', 'a minute']))).rejects.toThrow(/--throttle-window "a minute" is not a duration/);
    await expect(async () => simOptionsFrom(await parse(['--reversal-window', 'soon']))).rejects.toThrow(/--reversal-window "soon" is not a duration/);
    await expect(async () => simOptionsFrom(await parse(['--mode', 'test']))).rejects.toThrow(/Choices/);
    await expect(startSimulator({ noReports: ['abc'] })).rejects.toThrow(/no-reports entity "abc" is not 32 hexadecimal characters/);
  });
});

describe('running', () => {
  it('prints the base URL first, then the token and entity, serves, and closes on SIGTERM', async () => {
    const lines: string[] = [];
    const signals = new EventEmitter();
    let printed!: () => void;
    const started = new Promise<void>((r) => (printed = r));
    const seed = fileURLToPath(new URL('../../fixtures/sim/seed.csv', import.meta.url));
    const done = runSim(await parse(['--seed', seed]), {
      out: (l) => {
        lines.push(l);
        if (lines.length === 2) printed();
      },
      signals,
    });
    await started;
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toContain('token sim-token');
    expect(lines[1]).toContain(`default entity ${ENTITY}`);
    const res = await request(`${lines[0]}/v1/payments/8ac7a4a1000000000000000000000001`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `entityId=${ENTITY}&paymentType=CP&amount=1.00&currency=EUR`,
      dispatcher: agent,
    });
    expect(((await res.body.json()) as { result: { code: string } }).result.code).toBe('000.100.110');
    signals.emit('SIGTERM');
    await done;
    await expect(request(`${lines[0]}/__sim/transactions`)).rejects.toThrow();
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('serves with the gateway rules its flags ask for, and says which', async () => {
    const lines: string[] = [];
    const signals = new EventEmitter();
    let printed!: () => void;
    const started = new Promise<void>((r) => (printed = r));
    const seed = fileURLToPath(new URL('../../fixtures/sim/seed-state.csv', import.meta.url));
    const done = runSim(await parse(['--seed', seed, '--mode', 'live', '--per-id-throttle', '--query-limit', '1', '--reversal-window', '1d', '--no-reports', 'ff80808167b2d5d40167c2fd1c6e12ab']), {
      out: (l) => {
        lines.push(l);
        if (lines.length === 2) printed();
      },
      signals,
    });
    await started;
    expect(lines[1]).toContain('rules: mode live, per-id throttle 1/200 per 1m, no reports for ff80808167b2d5d40167c2fd1c6e12ab, reversal window 1d');
    const call = async (path: string, body?: string) => {
      const res = await request(`${lines[0]}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
        ...(body === undefined ? {} : { body }),
        dispatcher: agent,
      });
      return { status: res.statusCode, code: ((await res.body.json()) as { result: { code: string } }).result.code };
    };
    const old = 'a0000000000000000000000000000001'; // created 2020-01-01
    expect(await call(`/v1/payments/${old}`, `entityId=${ENTITY}&paymentType=RV`)).toEqual({ status: 400, code: '700.300.700' });
    expect(await call(`/v1/payments/${old}`, `entityId=${ENTITY}&paymentType=CP&amount=1.00&currency=EUR`)).toEqual({ status: 200, code: '000.000.000' });
    expect(await call(`/v1/query/${old}?entityId=${ENTITY}`)).toEqual({ status: 200, code: '000.000.000' });
    expect(await call(`/v1/query/${old}?entityId=${ENTITY}`)).toEqual({ status: 429, code: '800.120.100' });
    signals.emit('SIGTERM');
    await done;
  });

  it('prints the fault seed so a faulty run can be repeated', async () => {
    const lines: string[] = [];
    const signals = new EventEmitter();
    let printed!: () => void;
    const started = new Promise<void>((r) => (printed = r));
    const done = runSim(await parse(['--drop-rate', '0.1', '--fault-seed', '77']), { out: (l) => (lines.push(l), lines.length === 2 && printed()), signals });
    await started;
    expect(lines[1]).toContain('--fault-seed 77');
    signals.emit('SIGINT');
    await done;
  });

  it('fails with a UsageError for a bad seed file, before printing anything', async () => {
    const lines: string[] = [];
    const bad = fileURLToPath(new URL('../../fixtures/sim/seed-missing-column.csv', import.meta.url));
    await expect(runSim(await parse(['--seed', bad]), { out: (l) => lines.push(l), signals: new EventEmitter() })).rejects.toThrow(UsageError);
    expect(lines).toEqual([]);
  });
});
