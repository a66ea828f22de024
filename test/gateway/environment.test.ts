import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { classifyGatewayUrl, NAMED_GATEWAYS, resolveGateway } from '../../src/gateway/environment.js';

describe('resolveGateway: named gateways (SPEC §5)', () => {
  it('test = https://eu-test.oppwa.com', () => {
    expect(NAMED_GATEWAYS.test).toBe('https://eu-test.oppwa.com');
    expect(resolveGateway('test')).toEqual({
      kind: 'test',
      baseUrl: 'https://eu-test.oppwa.com',
      partition: 'https://eu-test.oppwa.com:443',
      label: 'test https://eu-test.oppwa.com',
    });
  });

  it('live = https://eu-prod.oppwa.com', () => {
    expect(resolveGateway('live')).toEqual({
      kind: 'live',
      baseUrl: 'https://eu-prod.oppwa.com',
      partition: 'https://eu-prod.oppwa.com:443',
      label: 'live https://eu-prod.oppwa.com',
    });
  });

  it('a URL is classified', () => {
    expect(resolveGateway('http://127.0.0.1:41234').kind).toBe('sim');
  });
});

describe('classifyGatewayUrl: kind', () => {
  it.each([
    ['http://127.0.0.1:41234', 'sim'],
    ['http://127.5.6.7:8080/', 'sim'],
    ['http://localhost:3000', 'sim'],
    ['http://[::1]:9000', 'sim'],
    ['https://eu-test.oppwa.com', 'test'],
    ['https://test.oppwa.com', 'test'],
    ['https://EU-TEST.OPPWA.COM/', 'test'],
    ['https://test.payments.example.com', 'test'],
    ['https://eu-prod.oppwa.com', 'live'],
    ['https://oppwa.com', 'live'],
    ['https://payments.example-psp.com', 'live'],
    // "test" elsewhere than the first label does not make a host a rehearsal.
    ['https://api.test.example.com', 'live'],
    ['https://prod.example-test.com', 'live'],
    ['http://192.168.1.10:8080', 'live'],
  ])('%s → %s', (url, kind) => {
    expect(classifyGatewayUrl(url).kind).toBe(kind);
  });
});

describe('classifyGatewayUrl: state partition (scheme, host, port)', () => {
  it('oppwa.com and eu-prod.oppwa.com share one partition, whatever the case, port spelling or path', () => {
    const partitions = new Set(
      [
        'https://eu-prod.oppwa.com',
        'https://oppwa.com',
        'https://OPPWA.com/',
        'https://eu-prod.oppwa.com:443',
        'https://EU-PROD.OPPWA.COM/v1/',
      ].map((u) => classifyGatewayUrl(u).partition),
    );
    expect([...partitions]).toEqual(['https://eu-prod.oppwa.com:443']);
  });

  it('the test host, the simulator and another scheme or port are each their own partition', () => {
    const p = (u: string) => classifyGatewayUrl(u).partition;
    expect(p('https://eu-test.oppwa.com')).toBe('https://eu-test.oppwa.com:443');
    expect(p('https://eu-test.oppwa.com')).not.toBe(p('https://eu-prod.oppwa.com'));
    expect(p('http://127.0.0.1:41234')).toBe('http://localhost:41234');
    expect(p('http://127.0.0.1:41235')).not.toBe(p('http://127.0.0.1:41234'));
    expect(p('http://eu-prod.oppwa.com')).toBe('http://eu-prod.oppwa.com:80');
    expect(p('https://eu-prod.oppwa.com:8443')).toBe('https://eu-prod.oppwa.com:8443');
  });

  // Issue 10 point 8: one gateway, one partition, however its host is spelt.
  it('every spelling of one host is one partition: loopback names, case, default port, trailing dot, IPv4 forms', () => {
    const p = (u: string) => classifyGatewayUrl(u).partition;
    for (const u of ['http://127.0.0.1:41234', 'http://LOCALHOST:41234/', 'http://localhost.:41234', 'http://127.1:41234', 'http://[::1]:41234', 'http://0x7f.0.0.1:41234/v1']) {
      expect(p(u), u).toBe('http://localhost:41234');
    }
    expect(p('https://EU-TEST.oppwa.com.:443/')).toBe(p('https://eu-test.oppwa.com'));
    expect(p('https://Gw.Example.com')).toBe(p('https://gw.example.com:443'));
  });

  it('default ports are written out: 443 for https, 80 for http', () => {
    expect(classifyGatewayUrl('https://gw.example.com').partition).toBe('https://gw.example.com:443');
    expect(classifyGatewayUrl('http://localhost').partition).toBe('http://localhost:80');
    expect(classifyGatewayUrl('http://localhost:80').partition).toBe('http://localhost:80');
  });

  it('the base URL keeps a path and a non-default port, without a trailing slash', () => {
    expect(classifyGatewayUrl('https://gw.example.com:8443/opp/').baseUrl).toBe('https://gw.example.com:8443/opp');
    expect(classifyGatewayUrl('https://eu-test.oppwa.com/').baseUrl).toBe('https://eu-test.oppwa.com');
    expect(classifyGatewayUrl('https://eu-test.oppwa.com:443/').baseUrl).toBe('https://eu-test.oppwa.com');
    expect(classifyGatewayUrl('http://127.0.0.1:41234').label).toBe('sim http://127.0.0.1:41234');
  });
});

describe('classifyGatewayUrl: bad values are usage errors', () => {
  it.each([
    ['not a URL', 'not a URL'],
    ['eu-test.oppwa.com', 'not a URL'],
    ['', 'not a URL'],
    ['ftp://eu-test.oppwa.com', 'only http and https'],
    ['file:///etc/passwd', 'only http and https'],
  ])('%j → UsageError (%s)', (value, message) => {
    expect(() => classifyGatewayUrl(value)).toThrow(UsageError);
    expect(() => classifyGatewayUrl(value)).toThrow(message);
  });

  it('resolveGateway does not start a simulator: "sim" is for the caller', () => {
    expect(() => resolveGateway('sim')).toThrow(UsageError);
  });

  it('the message says what is accepted', () => {
    expect(() => resolveGateway('prod')).toThrow(/use test, live, sim, or a URL/);
  });
});
